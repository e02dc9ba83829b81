"""Opt-out: a caller who sent STOP gets no SMS from the hotline until they send START.

The only thing kept is the HMAC of the number, in one Redis set without expiry: an
opt-out must outlive every other record, erasure included, so a STOP is never forgotten.
Voice calls are not affected (the caller chose to ring), nor are pages to volunteers.
"""

from __future__ import annotations

import redis

from hotline import keys as hotline_keys
from hotline import stats
from hotline.config import Settings
from hotline.privacy.vault import caller_hash


def key(config: Settings) -> str:
    """Return the set of the HMACs of the numbers that opted out."""
    return hotline_keys.of(config).optout


def hashes(config: Settings, number: str) -> set[str]:
    """The HMAC a number is kept under (one: the number is normalised before hashing)."""
    return {caller_hash(config, number)}


def opt_out(conn: redis.Redis, config: Settings, number: str, now: float) -> bool:
    """Stop every SMS to `number`; True when it was not opted out before (counted once)."""
    added = int(conn.sadd(key(config), *hashes(config, number)))
    if added:
        stats.count_opt_out(conn, config, now)
    return bool(added)


def opt_in(conn: redis.Redis, config: Settings, number: str) -> bool:
    """Allow SMS to `number` again (START); True when it had opted out."""
    return bool(conn.srem(key(config), *hashes(config, number)))


def is_opted_out(conn: redis.Redis, config: Settings, number: str) -> bool:
    """True when `number` sent STOP (and no START since)."""
    kept_under = sorted(hashes(config, number))
    if not kept_under:
        return False
    found = conn.smismember(key(config), kept_under)
    return any(found)


def count(conn: redis.Redis, config: Settings) -> int:
    """How many numbers are opted out now."""
    return int(conn.scard(key(config)))
