"""Rota overrides: "Kim covers Lee on Tuesday 18:00-24:00", and time away.

An override whose `covering` is empty means nobody: `covered` is away (on leave, or has
said they cannot do a shift), and their shifts in that span are gaps.

An override names who covers (`covering`), for whom (`covered`), and a span of real
instants. While it lasts, wherever the rota puts `covered` on shift (at any level, and
among the staff on duty), `covering` is on call instead: paged, dialled, shown in the
week grid. Staff add them by `hotline oncall override add` or on the rota page. They are
kept in one sorted set by their end; the rota watch drops those that are over.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Sequence
from dataclasses import asdict, dataclass

import redis

from hotline import keys as hotline_keys
from hotline.config import Settings

MAX_SPAN = 31 * 86400  # one override covers at most a month


class OverrideError(ValueError):
    """An override that cannot be used (the message says why)."""


@dataclass(frozen=True)
class Override:
    """`covering` is on call in place of `covered` from `start` to `end` (UNIX times)."""

    id: str
    covering: str
    covered: str
    start: float
    end: float

    def active(self, at: float) -> bool:
        """True while the override is in force at instant `at`."""
        return self.start <= at < self.end


def _key(config: Settings) -> str:
    return hotline_keys.of(config).rota_overrides


def add(conn: redis.Redis, config: Settings, covering: str, covered: str, start: float,
        end: float, now: float) -> Override:
    """Put an override in force; OverrideError for one that cannot be."""
    if covering == covered and covering:
        raise OverrideError("a volunteer cannot cover their own shift")
    if end <= start:
        raise OverrideError("the override must end after it starts")
    if end <= now:
        raise OverrideError("the override is over already")
    if end - start > MAX_SPAN:
        raise OverrideError("an override covers at most 31 days; change the rota instead")
    found = Override(secrets.token_hex(3), covering, covered, start, end)
    conn.zadd(_key(config), {json.dumps(asdict(found), sort_keys=True): end})
    return found


def current(conn: redis.Redis, config: Settings, at: float) -> list[Override]:
    """Every override not yet over at `at`, soonest first (`at` may be any time: nothing
    is deleted here; prune() does that with the clock's now)."""
    raw: list[bytes] = conn.zrangebyscore(_key(config), f"({at}", "+inf")  # type: ignore[assignment]
    found = [Override(**json.loads(item)) for item in raw]
    return sorted(found, key=lambda o: (o.start, o.end))


def prune(conn: redis.Redis, config: Settings, now: float) -> int:
    """Drop the overrides that are over (the rota watch does it every few minutes)."""
    return int(conn.zremrangebyscore(_key(config), "-inf", now))


def remove(conn: redis.Redis, config: Settings, override_id: str, now: float) -> bool:
    """Take an override out of force; False when there is none with that id."""
    for item in current(conn, config, now):
        if item.id == override_id:
            conn.zrem(_key(config), json.dumps(asdict(item), sort_keys=True))
            return True
    return False


def away(conn: redis.Redis, config: Settings, volunteer: str, start: float, end: float,
         now: float) -> Override:
    """`volunteer` is not on call from `start` to `end` (leave, a shift they cannot do)."""
    return add(conn, config, "", volunteer, start, end, now)


def on_shift(volunteer: str, at: float, overrides: Sequence[Override]) -> str:
    """Who is on call at `at` for a shift the rota gives `volunteer` (they, or who covers
    them; '' when they are away and nobody covers)."""
    for item in overrides:
        if item.covered == volunteer and item.active(at):
            return item.covering
    return volunteer
