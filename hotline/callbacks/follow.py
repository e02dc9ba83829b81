"""What the callback queue tells the domains above it about a request that serves one of
theirs: today the urgent case a request calls back for (Request.case).

The urgent domain files call backs for its cases, so it sits above this package, and
this package may not call it. A request linked to a case reports here instead what
became of it (plain values), and whoever follows acts on that: hotline.urgent follows
as soon as it is imported (hotline/urgent/__init__.py).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

import redis

from hotline.config import Settings

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Closed:
    """Request `request`, the call back of case `case`, closed with `status` at `at`."""

    request: str
    case: str
    status: str
    at: float


@dataclass(frozen=True)
class CallEnded:
    """The bridged call of request `request` (for case `case`) reached the caller or not:
    `dial_status` is Twilio's DialCallStatus ('completed', 'busy', 'no-answer', ...)."""

    request: str
    case: str
    dial_status: str
    at: float


Event = Closed | CallEnded
Follower = Callable[[redis.Redis, Settings, Event], None]

_followers: list[Follower] = []


def follow(follower: Follower) -> None:
    """Have `follower` told of every event from now on (once, however often it asks)."""
    if follower not in _followers:
        _followers.append(follower)


def tell(conn: redis.Redis, config: Settings, event: Event) -> None:
    """Tell every follower what happened to a linked request."""
    if not _followers:  # would leave a case open with its number: say so loudly
        log.error("request %s of case %s: %s, but nothing follows cases",
                  event.request, event.case, type(event).__name__)
    for follower in _followers:
        follower(conn, config, event)
