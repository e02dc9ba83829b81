"""What a volunteer reports after a bridged call: done, no answer, wrong number, later.

The web page's outcome buttons land here; SMS `DONE <id>` is the same as Outcome.DONE.
Only the volunteer who took the request (or staff) may report on it, while it is open.
"""

from __future__ import annotations

from enum import Enum

import redis

from hotline import jobs
from hotline.callbacks import bridge, dispositions
from hotline.callbacks import queue as callbacks
from hotline.callbacks.queue import Request, Status
from hotline.config import Settings
from hotline.people import access_log
from hotline.people.volunteers import Volunteer

MAX_NOTE = 200


class Outcome(str, Enum):
    """A volunteer's report on a request they took."""

    DONE = "done"  # they spoke with the caller: closed, the number deleted
    NO_ANSWER = "no_answer"  # the caller did not pick up: tried again later, like a missed dial
    WRONG_NUMBER = "wrong_number"  # someone else answered: closed, the number deleted
    LATER = "later"  # the caller asked to be called later: back in the queue in ~2 hours


class OutcomeError(ValueError):
    """The report cannot be taken (the message says why, for the volunteer)."""


def record(conn: redis.Redis, config: Settings, volunteer: Volunteer, rid: str,
           outcome: Outcome, now: float, note: str = "", via: str = "web",
           disposition: str = "") -> Request:
    """Apply the volunteer's report to request `rid`; return the request as it now stands
    (and write it to the access log, `via` the web page or SMS). `disposition`: one of the
    outcome codes staff set (callbacks/dispositions.py), kept in the caller's history with
    the note."""
    req = callbacks.get(conn, config, rid)
    if req is None or req.status not in callbacks.OPEN:
        raise OutcomeError(f"request {rid} does not exist or is already closed")
    if req.volunteer != volunteer.id and volunteer.role != "staff":
        raise OutcomeError(f"request {rid} is being handled by someone else")
    note = " ".join(note.split())[:MAX_NOTE]
    if disposition and not dispositions.known(conn, config, disposition):
        raise OutcomeError(f"unknown outcome code {disposition[:40]}")
    if outcome in (Outcome.DONE, Outcome.WRONG_NUMBER):
        status = Status.DONE if outcome == Outcome.DONE else Status.WRONG_NUMBER
        callbacks.close(conn, config, rid, status, now, note=note, disposition=disposition)
    elif req.status != Status.CALLING:
        raise OutcomeError(f"request {rid} is not being called now")
    elif outcome == Outcome.NO_ANSWER:
        bridge.caller_missed(conn, config, req, now)
        if note:
            conn.hset(callbacks.keys(config).req(rid), "note", callbacks.seal_note(config, note))
    else:
        at = bridge.next_attempt_at(now, req.tz, 1)
        if callbacks.postpone(conn, config, rid, at, count_attempt=False, note=note):
            jobs.schedule_requeue(conn, rid, at, f"later{int(now)}")
    closed = outcome in (Outcome.DONE, Outcome.WRONG_NUMBER)
    access_log.record(conn, config, volunteer.name,
                      "callback_closed" if closed else "callback_outcome",
                      f"{rid} {outcome.value}", now, via)
    result = callbacks.get(conn, config, rid)
    assert result is not None
    return result
