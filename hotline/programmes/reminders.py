"""Reminders before a session: when they go (only inside sensible local hours for the
caller), scheduling them in RQ, and what they say.

A reminder goes REMINDER_HOURS before the session. In the caller's local time (the
timezone of their number's country, else the session's) it must fall between QUIET_END
and QUIET_START; a time in the night moves to the evening before (20:00).
"""

from __future__ import annotations

from datetime import datetime, time, timedelta

import phonenumbers
import redis
from phonenumbers import timezone as number_timezones

from hotline import jobs
from hotline import keys as hotline_keys
from hotline.jobs import JobSpec
from hotline.programmes.model import Programme, Session

REMINDER_HOURS = (24,)  # hours before a session that a reminder goes
QUIET_END = time(9, 0)  # no reminder before this local time ...
QUIET_START = time(21, 0)  # ... nor from this one on
EVENING = time(20, 0)  # where a reminder due in the night goes instead (the evening before)


def caller_timezone(number: str, fallback: str) -> str:
    """The timezone of the number's country when it has one, else `fallback`."""
    try:
        zones = number_timezones.time_zones_for_number(phonenumbers.parse(number))
    except phonenumbers.NumberParseException:
        return fallback
    return zones[0] if len(zones) == 1 and zones[0] != "Etc/Unknown" else fallback


def send_at(session: Session, hours: int, zone: str) -> float:
    """When the reminder `hours` before `session` goes, moved out of the caller's night."""
    from zoneinfo import ZoneInfo

    local = (session.starts() - timedelta(hours=hours)).astimezone(ZoneInfo(zone))
    if local.time() >= QUIET_START:
        local = datetime.combine(local.date(), EVENING, local.tzinfo)
    elif local.time() < QUIET_END:
        local = datetime.combine(local.date() - timedelta(days=1), EVENING, local.tzinfo)
    return local.timestamp()


def reminder_jobs(signup_id: str, session: Session, number: str,
                  now: float) -> list[tuple[float, JobSpec]]:
    """The sign-up's reminders still ahead: (time, job) each. The delay is counted from
    `now` (the app's clock), as RQ's scheduler counts from its own."""
    zone = caller_timezone(number, session.timezone)
    due = []
    for hours in REMINDER_HOURS:
        at = send_at(session, hours, zone)
        if at <= now:
            continue
        due.append((at, JobSpec(
            jobs.DEFAULT, "workers.programmes.send_reminder", (signup_id, session.id),
            hotline_keys.reminder_job(signup_id, session.id, hours), delay=at - now,
            options={"retry": jobs.SMS_RETRY, "result_ttl": jobs.RESULT_TTL})))
    return due


def schedule(conn: redis.Redis, signup_id: str, session: Session, number: str,
             now: float) -> list[float]:
    """Schedule the sign-up's reminders still ahead; return their times."""
    due = reminder_jobs(signup_id, session, number, now)
    jobs.submit_all(conn, (job for _, job in due))
    return [at for at, _ in due]


def when_values(session: Session) -> dict[str, str]:
    """The parts of a session's date and time a phrase may use: {month} {day} {time}."""
    start = session.starts()
    return {"month": str(start.month), "day": str(start.day), "time": start.strftime("%H:%M")}


def reminder_values(programme: Programme, session: Session, language: str,
                    default: str) -> dict[str, str]:
    """Values for the reminder phrase: the programme's neutral reminder words and when."""
    words = programme.reminder.get(language) or programme.reminder.get(default) or ""
    return {"what": words, **when_values(session)}
