"""Bridged-call webhooks: the volunteer presses 1, the caller is dialled, outcomes recorded.

All under /twilio/calls and signed like every /twilio request. Also the flash number:
a ring is rejected busy (free for the caller) and becomes a callback request.
"""

from __future__ import annotations

import logging

from flask import Blueprint, Response, request
from twilio.twiml.voice_response import VoiceResponse

from hotline import jobs
from hotline.callbacks import bridge
from hotline.callbacks import queue as callbacks
from hotline.callbacks.intake import missed_call
from hotline.callbacks.queue import Status
from hotline.scripts import volunteer_texts
from hotline.urgent import cases as urgent
from hotline.web import runtime
from hotline.web.webhook_guard import protect

log = logging.getLogger(__name__)
bp = Blueprint("calls", __name__, url_prefix="/twilio/calls")
protect(bp)  # signature check, one answer per delivery, fallback on failure

ENDED = {"completed", "busy", "no-answer", "failed", "canceled"}


def _twiml(xml: str) -> Response:
    return Response(xml, status=200, mimetype="text/xml")


def _language() -> str:
    app = runtime()
    return volunteer_texts.spoken(app.redis, app.config, request.args.get("lang", "ko"))


@bp.post("/connect")
def connect() -> Response:
    """The volunteer answered the whisper: on 1 dial the caller, else back to the queue."""
    app, rid, lang = runtime(), request.args.get("request", ""), _language()
    conn, config = app.redis, app.config
    req = callbacks.get(conn, config, rid)
    if request.form.get("Digits") != "1" or req is None or req.status != Status.CALLING:
        if req is not None:
            bridge.volunteer_leg_ended(conn, config, rid)
        return _twiml(bridge.say_twiml(conn, config, "volunteer_not_connected", lang))
    number = callbacks.number_of(conn, config, rid)  # decrypted now, for this Dial only
    if not number:
        callbacks.close(conn, config, rid, Status.EXPIRED, app.clock())
        return _twiml(bridge.say_twiml(conn, config, "volunteer_not_connected", lang))
    callbacks.mark_connected(conn, config, rid)
    log.info("request %s: volunteer connected, dialling the caller", rid)
    return _twiml(bridge.connect_twiml(conn, config, req, number, lang))


@bp.post("/dialed")
def dialed() -> Response:
    """The caller's leg ended: answered (wait for DONE) or not (try again later)."""
    app, rid, lang = runtime(), request.args.get("request", ""), _language()
    status = request.form.get("DialCallStatus", "")
    req = callbacks.get(app.redis, app.config, rid)
    if req is None or req.status != Status.CALLING:
        return _twiml(str(VoiceResponse()))
    if req.case:  # the call back of an urgent case: its timeline shows how the call went
        urgent.note(app.redis, app.config, req.case, app.clock(), "call_outcome",
                    status=status, request=rid)
    if status == "completed":
        jobs.schedule_autoclose(app.redis, rid, app.clock() + bridge.AUTOCLOSE_AFTER)
        log.info("request %s: caller answered", rid)
        return _twiml(bridge.say_twiml(app.redis, app.config, "volunteer_call_ended", lang,
                                       id=rid))
    decided = bridge.caller_missed(app.redis, app.config, req, app.clock())
    log.info("request %s: caller did not answer (%s), %s", rid, status or "?", decided)
    return _twiml(bridge.say_twiml(app.redis, app.config, "volunteer_caller_missed", lang))


@bp.post("/status")
def status() -> Response:
    """Status of the volunteer's call: ended without pressing 1 -> back in the queue."""
    app, rid = runtime(), request.args.get("request", "")
    call_status = request.form.get("CallStatus", "")
    if (request.args.get("leg") == "volunteer" and call_status in ENDED
            and bridge.volunteer_leg_ended(app.redis, app.config, rid)):
        log.info("request %s: volunteer call %s before connecting; back in the queue",
                 rid, call_status)
    return _twiml(str(VoiceResponse()))


@bp.post("/flash")
def flash() -> Response:
    """A ring on the flash number: reject it busy (no charge) and file a callback request."""
    app = runtime()
    try:
        placed = missed_call(app.redis, app.config, request.form.get("From", ""),
                             request.form.get("CallSid", ""), app.clock())
        if placed is not None:
            log.info("missed call: request %s (%s)", placed.request.id,
                     "existing" if placed.existing else "new")
    except Exception:  # Redis down: still reject, so the caller is not charged
        log.exception("missed call could not be filed")
    response = VoiceResponse()
    response.reject(reason="busy")
    return _twiml(str(response))
