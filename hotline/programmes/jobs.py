"""What the programmes' jobs do: a reminder before a session (and the wait for the
caller's reply), the notice of a moved or cancelled session, a check-in call coming due.
Plain values in (Redis, settings, the time, the outbound transport), a short status out;
workers/programmes.py runs them in RQ. Ids only; no number in a log.
"""

from __future__ import annotations

import logging
from typing import Protocol

import redis

from hotline import jobs
from hotline import keys as hotline_keys
from hotline.callbacks import queue as callbacks
from hotline.callbacks.queue import Priority
from hotline.config import Settings
from hotline.effects import at_most_once
from hotline.engine.callback_node import ABOUT
from hotline.engine.session import WAIT_MENU, Session
from hotline.programmes import changes, checkins, reminders, signups, store, voice
from hotline.programmes.signups import Status
from hotline.scripts import volunteer_texts
from hotline.telephony import OptedOut, Transport

log = logging.getLogger("hotline.jobs")


class Sessions(Protocol):
    """Where the conversations are kept (conversation.sessions.SessionStore, which sits
    above the programmes and so is handed in)."""

    ttl: int

    def key(self, caller_hash: str) -> str: ...

    def sealed(self, session: Session) -> str: ...


REPLY_NODE = "programme_reply"  # the node of the entry script that takes a reminder's reply


def send_reminder(conn: redis.Redis, config: Settings, now: float, transport: Transport,
                  sessions: Sessions, signup_id: str, session_id: str) -> str:
    """Text the caller of a sign-up that their session is near (the phrase
    programme_reminder, with the programme's neutral reminder words); the caller's reply
    goes to the conversation `sessions` keeps. A caller who joined by voice gets a short
    call instead (programmes/voice.py), through the same transport as every call."""
    signup = signups.get(conn, config, signup_id)
    programme = store.get(conn, config, signup.programme) if signup else None
    session = programme.session(session_id) if programme else None
    if signup is None or programme is None or session is None or signup.status != Status.SEAT \
            or signup.session != session_id:
        log.info("sign-up %s: no seat in session %s any more; no reminder", signup_id,
                 session_id)
        return "skipped"
    number = signups.number_of(conn, config, signup_id)
    if not number:
        return "skipped"
    if signup.channel == "voice":  # joined by voice: a short call that takes keys 1/2/3
        with at_most_once(conn, config, f"progrem-{signup_id}-{session_id}") as first:
            if first:
                transport.call(number, twiml=voice.reminder_twiml(conn, config, programme,
                                                                  session, signup))
        log.info("sign-up %s: reminder call placed for session %s", signup_id, session_id)
        return "called" if first else "skipped"
    language = signup.language or "ko"
    values = reminders.reminder_values(programme, session, language, "ko")
    body = volunteer_texts.text(conn, config, "programme_reminder", language, **values)
    with at_most_once(conn, config, f"progrem-{signup_id}-{session_id}") as first:
        if not first:
            return "skipped"
        try:
            transport.send_sms(number, body)
        except OptedOut:
            log.info("sign-up %s: the caller opted out of SMS; no reminder", signup_id)
            return "opted_out"
    _await_reply(conn, sessions, signup, now)
    log.info("sign-up %s: reminder sent for session %s", signup_id, session_id)
    return "sent"


def _await_reply(conn: redis.Redis, sessions: Sessions, signup: signups.SignUp,
                 now: float) -> None:
    """Let the caller's reply 1, 2 or 3 answer the reminder: a conversation waiting at the
    entry script's node REPLY_NODE, for as long as a session lives. A conversation the
    caller is in now is left alone (SET NX)."""
    session = Session(script=volunteer_texts.ENTRY, node=REPLY_NODE, language=signup.language,
                      channel="sms", wait=WAIT_MENU,
                      vars={"prog_signup": signup.id, ABOUT: signup.programme},
                      updated=now)
    conn.set(sessions.key(signup.caller), sessions.sealed(session), ex=sessions.ttl, nx=True)


def send_change(conn: redis.Redis, config: Settings, now: float, transport: Transport,
                signup_id: str, session_id: str, what: str, stamp: str) -> str:
    """Tell a signed-up caller, once, that their session moved or was cancelled; a moved
    session's reminder is scheduled again, a cancelled session's sign-up is dropped."""
    signup = signups.get(conn, config, signup_id)
    programme = store.get(conn, config, signup.programme) if signup else None
    if signup is None or programme is None or signup.session != session_id:
        return "skipped"
    number = signups.number_of(conn, config, signup_id)
    session = programme.session(session_id)
    old_words = reminders.reminder_values(programme, session, signup.language, "ko") \
        if session else {"what": programme.reminder.get(signup.language) or ""}
    name = "programme_cancelled" if what == changes.CANCELLED else "programme_changed"
    body = volunteer_texts.text(conn, config, name, signup.language or "ko", **old_words)
    sent = "skipped"
    with at_most_once(conn, config, f"progchg-{signup_id}-{session_id}-{stamp}") as first:
        if first and number:
            try:
                transport.send_sms(number, body)
                sent = "sent"
            except OptedOut:
                sent = "opted_out"
    if what == changes.CANCELLED:
        signups.cancel(conn, config, signup)
    elif session is not None and number and signup.status == Status.SEAT:
        jobs.delete_jobs(conn, prefixes=[hotline_keys.reminder_jobs(signup_id, session_id)])
        reminders.schedule(conn, signup_id, session, number, now)
    log.info("sign-up %s: session %s %s, notice %s", signup_id, session_id, what, sent)
    return sent


def checkin_due(conn: redis.Redis, config: Settings, now: float, checkin_id: str,
                call: int) -> str:
    """A check-in call is due: a call-back request with the topic "check-in" in the
    caller's language (bridged, and retried when missed, like any other); then the next."""
    checkin = checkins.get(conn, config, checkin_id)
    number = checkins.number_of(conn, config, checkin_id) if checkin else None
    if checkin is None or not number:
        log.info("check-in %s: stopped; no call", checkin_id)
        return "skipped"
    try:
        callbacks.create(conn, config, number, language=checkin.language, topic="check-in",
                         priority=Priority.NORMAL, now=now,
                         idem=f"checkin-{checkin_id}-{call}")
    except ValueError:
        return "skipped"
    checkins.schedule(conn, checkin, call + 1, now)
    log.info("check-in %s: call %d queued", checkin_id, call)
    return "queued"
