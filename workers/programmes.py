"""Jobs of the programmes: a reminder before a session. Ids only; no number in a log."""

from __future__ import annotations

from hotline import job_context as context
from hotline.effects import at_most_once
from hotline.job_context import log
from hotline.programmes import reminders, signups, store
from hotline.programmes.signups import Status
from hotline.scripts import volunteer_texts
from hotline.telephony import OptedOut


def send_reminder(signup_id: str, session_id: str) -> str:
    """Text the caller of a sign-up that their session is near (the phrase
    programme_reminder, with the programme's neutral reminder words)."""
    conn, config = context.connection(), context.config()
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
    language = signup.language or "ko"
    values = reminders.reminder_values(programme, session, language, "ko")
    body = volunteer_texts.text(conn, config, "programme_reminder", language, **values)
    with at_most_once(conn, config, f"progrem-{signup_id}-{session_id}") as first:
        if not first:
            return "skipped"
        try:
            context.transport().send_sms(number, body)
        except OptedOut:
            log.info("sign-up %s: the caller opted out of SMS; no reminder", signup_id)
            return "opted_out"
    log.info("sign-up %s: reminder sent for session %s", signup_id, session_id)
    return "sent"
