"""Staff change or cancel a session (a new import): every caller signed up to it hears
of it once, by SMS, from a job (the phrases programme_changed, programme_cancelled).

A session is changed when its date, time, timezone or place differ; cancelled when the
new file no longer has it. A changed session's reminders are scheduled again; a
cancelled session's sign-ups are dropped, numbers and all, once the notice went.
"""

from __future__ import annotations

import hashlib

import redis

from hotline import jobs
from hotline import keys as hotline_keys
from hotline.config import Settings
from hotline.programmes import attendance, store
from hotline.programmes.model import Programme, Session

CHANGED, CANCELLED = "changed", "cancelled"


def digest(session: Session | None) -> str:
    """A short fingerprint of when and where a session is ('gone' when cancelled)."""
    if session is None:
        return "gone"
    what = f"{session.date}|{session.time}|{session.timezone}|{session.place}"
    return hashlib.sha256(what.encode()).hexdigest()[:10]


def compare(old: Programme, new: Programme) -> list[tuple[str, str]]:
    """(session id, changed|cancelled) for each session of `old` that `new` changes."""
    out = []
    for session in old.sessions:
        now = new.session(session.id)
        if now is None:
            out.append((session.id, CANCELLED))
        elif digest(now) != digest(session):
            out.append((session.id, CHANGED))
    return out


def save_and_notify(conn: redis.Redis, config: Settings, programmes: list[Programme]) -> int:
    """Save the programmes (as store.save) and queue one notice per sign-up to a changed or
    cancelled session; return how many notices were queued."""
    before = {p.id: store.get(conn, config, p.id) for p in programmes}
    store.save(conn, config, programmes)
    queued = 0
    for programme in programmes:
        old = before[programme.id]
        if old is None:
            continue
        for session_id, what in compare(old, programme):
            found = old.session(session_id)
            if found is None:
                continue
            stamp = digest(programme.session(session_id))
            for seat in attendance.roster(conn, config, old, found):
                jobs.queue(conn, jobs.DEFAULT).enqueue(
                    "workers.programmes.send_change", seat.id, session_id, what, stamp,
                    job_id=hotline_keys.programme_change_job(seat.id, session_id, stamp),
                    retry=jobs.SMS_RETRY, result_ttl=jobs.RESULT_TTL)
                queued += 1
    return queued
