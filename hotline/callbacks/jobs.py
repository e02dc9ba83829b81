"""What the callback queue's jobs do: ring a volunteer, put a request back, text a caller
once, close a call that got through. Plain values in (Redis, settings, the time, the
outbound transport), a short status out; workers/calls.py runs them in RQ.

Each takes ids only and logs the request id and job id, never a phone number.
"""

from __future__ import annotations

import logging

import redis
from twilio.base.exceptions import TwilioRestException

from hotline.callbacks import bridge, voicemail
from hotline.callbacks import queue as callbacks
from hotline.callbacks.queue import Status
from hotline.config import Settings
from hotline.effects import at_most_once
from hotline.people import volunteers
from hotline.recordings import NoAccount, RecordingApi
from hotline.scripts import volunteer_texts
from hotline.telephony import OptedOut, Transport

log = logging.getLogger("hotline.jobs")


def call_volunteer(conn: redis.Redis, config: Settings, now: float, transport: Transport,
                   request_id: str, volunteer_id: str) -> str:
    """Ring the volunteer who took the request; the whisper asks them to press 1."""
    req = callbacks.get(conn, config, request_id)
    if req is None or req.status != Status.CALLING or req.volunteer != volunteer_id:
        log.info("request %s no longer waits for volunteer %s; nothing to do",
                 request_id, volunteer_id)
        return "skipped"
    volunteer = volunteers.get(conn, config, volunteer_id)
    if volunteer is None:
        callbacks.release(conn, config, request_id)
        log.warning("volunteer %s is gone; request %s back in the queue",
                    volunteer_id, request_id)
        return "released"
    language = volunteer_texts.language_of(conn, config, volunteer)
    twiml = bridge.whisper_twiml(conn, config, req, now, language)
    # One call per take (and try): a second run of this job (a retry, or after its worker was
    # killed mid-call) must not ring the volunteer twice.
    with at_most_once(conn, config,
                      f"call-{request_id}-{volunteer_id}-{req.attempts}-{req.taken:.3f}") as first:
        if not first:
            log.info("volunteer %s was already rung for request %s; not calling twice",
                     volunteer_id, request_id)
            return "skipped"
        try:
            sid = transport.call(
                volunteer.phone, twiml=twiml,
                status_callback=bridge.url(config, "status", request_id, leg="volunteer"))
        except TwilioRestException as exc:
            if exc.status and 400 <= exc.status < 500:
                callbacks.release(conn, config, request_id)
                log.warning("call to volunteer %s refused (%s); request %s back in the queue",
                            volunteer_id, exc.code, request_id)
                return "released"
            raise  # a server error: RQ retries the job (jobs.CALL_RETRY)
    log.info("ringing volunteer %s for request %s (call %s)", volunteer_id, request_id, sid)
    return sid


def requeue_request(conn: redis.Redis, config: Settings, request_id: str) -> str:
    """Put a request whose caller did not answer back in its queue, at its old place."""
    done = callbacks.release(conn, config, request_id, from_status=Status.LATER)
    log.info("request %s %s", request_id, "back in the queue" if done else "not requeued")
    return "requeued" if done else "skipped"


def send_tried_sms(conn: redis.Redis, config: Settings, now: float, transport: Transport,
                   request_id: str) -> str:
    """After the last unanswered call: one neutral SMS to the caller, then close."""
    req = callbacks.get(conn, config, request_id)
    if req is None or req.status not in callbacks.OPEN:
        return "skipped"
    number = callbacks.number_of(conn, config, request_id)
    sent = bool(number)
    with at_most_once(conn, config, f"tried-{request_id}") as first:
        if number and first:
            try:
                transport.send_sms(number, volunteer_texts.text(
                    conn, config, "callback_tried", req.language))
            except OptedOut:
                sent = False  # the caller sent STOP: no text, the request still closes
                log.info("request %s: caller opted out of SMS, no text sent", request_id)
    callbacks.close(conn, config, request_id, Status.NO_ANSWER, now)
    log.info("request %s closed after %d attempts", request_id, req.attempts)
    return "sent" if sent else "closed"


def close_if_talked(conn: redis.Redis, config: Settings, now: float, request_id: str) -> str:
    """Close a request whose call got through but which no one closed with DONE."""
    req = callbacks.get(conn, config, request_id)
    if req is None or req.status != Status.CALLING or not req.connected:
        return "skipped"
    callbacks.close(conn, config, request_id, Status.DONE, now,
                    note="closed automatically: no DONE after the call")
    log.info("request %s closed automatically after the call", request_id)
    return "closed"


def delete_recording(conn: redis.Redis, config: Settings, request_id: str) -> str:
    """Delete request_id's voice messages at Twilio; a refusal raises, and RQ retries."""
    try:
        api = RecordingApi(config)
    except NoAccount:  # demo mode: nothing was recorded at Twilio
        return voicemail.delete_at_twilio(conn, config, request_id, _Nothing())
    return voicemail.delete_at_twilio(conn, config, request_id, api)


class _Nothing:
    """Without a Twilio account there is nothing to delete there."""

    def delete(self, sid: str) -> bool:
        return False
