"""Case history: a caller's earlier requests and cases, for whoever takes the next one.

When a request or an urgent case closes, one entry is added under the caller's HMAC
(keys: cb:hist:<caller>): the date, topic, how it ended, the outcome code staff set
(the "disposition" list) and the volunteer's short note. The entry is sealed whole, like
the caller's first words; no number is in it. Entries older than the retention period
are dropped (on read, and by the key's TTL); DELETE and `hotline forget` remove the key.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import redis

from hotline import keys as hotline_keys
from hotline.config import Settings
from hotline.privacy.vault import vault_for

DAY = 86400
MAX_ENTRIES = 50  # the most a caller's history keeps (the oldest go first)
MAX_NOTE = 200


@dataclass(frozen=True)
class Entry:
    """One earlier request or case of a caller."""

    at: float
    kind: str  # "request" or "case"
    ref: str  # the request id or case code
    topic: str
    outcome: str  # how it ended (a request's status, "closed" for a case)
    disposition: str = ""  # the outcome code the volunteer picked
    note: str = ""


def retention_seconds(config: Settings) -> int:
    """How long history is kept: the retention period."""
    return max(60, int(float(config.retention_days or 7) * DAY))


def add(conn: redis.Redis, config: Settings, caller: str, entry: Entry) -> None:
    """Keep `entry` in the caller's history (sealed), for the retention period."""
    if not caller or not config.encryption_key:
        return
    k = hotline_keys.of(config).callbacks.history(caller)
    sealed = vault_for(config.encryption_key).seal(json.dumps(entry.__dict__,
                                                              ensure_ascii=False))
    keep = retention_seconds(config)
    pipe = conn.pipeline()
    pipe.zadd(k, {sealed: entry.at})
    pipe.zremrangebyscore(k, "-inf", entry.at - keep)
    pipe.zremrangebyrank(k, 0, -MAX_ENTRIES - 1)
    pipe.expire(k, keep)
    pipe.execute()


def of_caller(conn: redis.Redis, config: Settings, caller: str, now: float,
              exclude: str = "") -> list[Entry]:
    """The caller's history within the retention period, newest first (without `exclude`,
    the request being handled now)."""
    if not caller or not config.encryption_key:
        return []
    k = hotline_keys.of(config).callbacks.history(caller)
    vault = vault_for(config.encryption_key)
    out = []
    kept: Any = conn.zrevrangebyscore(k, "+inf", now - retention_seconds(config))
    for raw in kept:
        opened = vault.decrypt(raw)
        if not opened:
            continue
        entry = Entry(**json.loads(opened))
        if entry.ref != exclude:
            out.append(entry)
    return out


def erase(conn: redis.Redis, config: Settings, hashes: tuple[str, ...] | list[str]) -> int:
    """DELETE or forget: the caller's history goes (returns how many keys went)."""
    keys = [hotline_keys.of(config).callbacks.history(h) for h in hashes]
    gone: Any = conn.delete(*keys) if keys else 0
    return int(gone)
