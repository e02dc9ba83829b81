"""Jobs of the programmes (hotline.programmes.jobs): a reminder before a session, the
notice of a moved or cancelled session, a check-in call. Ids only; no number in a log."""

from __future__ import annotations

from hotline import job_context as context
from hotline.conversation import sessions
from hotline.programmes import followup, jobs


def send_reminder(signup_id: str, session_id: str) -> str:
    """Text the caller of a sign-up that their session is near; their reply answers it."""
    conn, config = context.connection(), context.config()
    return jobs.send_reminder(conn, config, context.now(), context.transport(),
                              sessions.store_for(conn, config), signup_id, session_id)


def send_change(signup_id: str, session_id: str, what: str, stamp: str) -> str:
    """Tell a signed-up caller, once, that their session moved or was cancelled."""
    return jobs.send_change(context.connection(), context.config(), context.now(),
                            context.transport(), signup_id, session_id, what, stamp)


def checkin_due(checkin_id: str, call: int) -> str:
    """A check-in call is due: a call-back request with the topic "check-in"; then the next."""
    return jobs.checkin_due(context.connection(), context.config(), context.now(),
                            checkin_id, call)


def send_missed_offer(signup_id: str) -> str:
    """Offer a caller who missed a session, once, the next one (reply 1) or a call (3)."""
    conn, config = context.connection(), context.config()
    return followup.send_offer(conn, config, context.now(), context.transport(),
                               sessions.store_for(conn, config), signup_id)
