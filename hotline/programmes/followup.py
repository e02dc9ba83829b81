"""After attendance: a caller marked as having missed a session gets ONE neutral text
offering the next session (reply 1) or a call (reply 3). A job sends it, inside the
caller's local hours (reminders.QUIET_END to QUIET_START), never twice for a sign-up
(the sign-up remembers it was offered), and not at all to a number that stopped texts.

The caller's reply goes to the entry script's node REPLY_NODE (a programme_followup).
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import redis

from hotline import jobs
from hotline import keys as hotline_keys
from hotline.config import Settings
from hotline.effects import at_most_once
from hotline.engine.callback_node import ABOUT
from hotline.engine.session import WAIT_MENU
from hotline.engine.session import Session as Conversation
from hotline.programmes import reminders, signups, store
from hotline.programmes.jobs import Sessions
from hotline.programmes.model import Programme, Session
from hotline.programmes.signups import Status
from hotline.scripts import volunteer_texts
from hotline.telephony import OptedOut, Transport

log = logging.getLogger("hotline.jobs")

REPLY_NODE = "programme_followup"  # the entry script's node that takes the reply
OFFERED = "offered"  # the sign-up's field: its one follow-up was queued


def send_time(number: str, session: Session, now: float) -> float:
    """`now` when it is daytime for the caller, else the next QUIET_END (09:00) their time."""
    zone = ZoneInfo(reminders.caller_timezone(number, session.timezone))
    local = datetime.fromtimestamp(now, zone)
    if reminders.QUIET_END <= local.time() < reminders.QUIET_START:
        return now
    day = local.date() if local.time() < reminders.QUIET_END else local.date() + timedelta(1)
    return datetime.combine(day, reminders.QUIET_END, zone).timestamp()


def queue_offer(conn: redis.Redis, config: Settings, signup_id: str, now: float) -> bool:
    """Queue the one follow-up of a sign-up marked missed; False when there is nothing to
    queue (no seat, no number) or it was queued before."""
    signup = signups.get(conn, config, signup_id)
    programme = store.get(conn, config, signup.programme) if signup else None
    session = programme.session(signup.session) if programme and signup else None
    number = signups.number_of(conn, config, signup_id) if session else None
    if signup is None or session is None or not number or signup.status != Status.SEAT:
        return False
    if not conn.hsetnx(hotline_keys.of(config).programmes.signup(signup_id), OFFERED, "1"):
        return False
    at = send_time(number, session, now)
    jobs.queue(conn, jobs.DEFAULT).enqueue_in(
        timedelta(seconds=max(0.0, at - now)), "workers.programmes.send_missed_offer",
        signup_id, job_id=hotline_keys.missed_offer_job(signup_id), retry=jobs.SMS_RETRY,
        result_ttl=jobs.RESULT_TTL)
    return True


def next_session(conn: redis.Redis, config: Settings, programme: Programme,
                 now: float) -> Session | None:
    """The programme's first session still ahead with a seat left."""
    ahead = sorted((s for s in programme.sessions if s.start_ts() > now),
                   key=lambda s: s.start_ts())
    return next((s for s in ahead
                 if signups.taken(conn, config, programme.id, s.id) < s.capacity), None)


def send_offer(conn: redis.Redis, config: Settings, now: float, transport: Transport,
               sessions: Sessions, signup_id: str) -> str:
    """Text the caller of a sign-up still marked missed: the next session (phrase
    programme_missed) or, with none left, a call (programme_missed_call)."""
    key = hotline_keys.of(config).programmes.signup(signup_id)
    signup = signups.get(conn, config, signup_id)
    mark = conn.hget(key, "mark")
    if signup is None or mark not in (b"missed", "missed"):
        if signup is not None:  # staff changed the mark: a new "missed" may offer again
            conn.hdel(key, OFFERED)
        log.info("sign-up %s: not marked missed now; no follow-up", signup_id)
        return "skipped"
    programme = store.get(conn, config, signup.programme)
    missed = programme.session(signup.session) if programme else None
    number = signups.number_of(conn, config, signup_id)
    if programme is None or missed is None or not number:
        return "skipped"
    following = next_session(conn, config, programme, now)
    language = signup.language or "ko"
    values = reminders.reminder_values(programme, following or missed, language, "ko")
    name = "programme_missed" if following else "programme_missed_call"
    body = volunteer_texts.text(conn, config, name, language, **values)
    with at_most_once(conn, config, f"progmiss-{signup_id}") as first:
        if not first:
            return "skipped"
        try:
            transport.send_sms(number, body)
        except OptedOut:
            log.info("sign-up %s: the caller opted out of SMS; no follow-up", signup_id)
            return "opted_out"
    talk = Conversation(script=volunteer_texts.ENTRY, node=REPLY_NODE, language=language,
                        channel="sms", wait=WAIT_MENU, updated=now,
                        vars={"prog_signup": signup_id,
                              "prog_next": following.id if following else "",
                              ABOUT: programme.id})
    conn.set(sessions.key(signup.caller), sessions.sealed(talk), ex=sessions.ttl, nx=True)
    log.info("sign-up %s: follow-up sent after a missed session", signup_id)
    return "sent"
