"""A case's call back, followed from the urgent side: how the call went goes on the
case's timeline, and when the request closes the case is over with it.

The callback queue (below this domain) reports on requests linked to a case through
hotline.callbacks.follow; hotline/urgent/__init__.py has follow_callback() told.
"""

from __future__ import annotations

import redis

from hotline.callbacks.follow import CallEnded, Closed, Event
from hotline.config import Settings
from hotline.urgent import cases as urgent


def follow_callback(conn: redis.Redis, config: Settings, event: Event) -> None:
    """Act on what happened to the call back of case `event.case`."""
    if isinstance(event, CallEnded):  # the case's timeline shows how the call went
        urgent.note(conn, config, event.case, event.at, "call_outcome",
                    status=event.dial_status, request=event.request)
    elif isinstance(event, Closed):  # not the request's note as outcome: a case is kept longer
        urgent.close(conn, config, event.case, event.at,
                     outcome=f"callback {event.request} {event.status}")
