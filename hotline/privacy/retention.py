"""Retention: how long anything about a caller is kept, and the purge that makes it so.

- A session: SESSION_TTL (30 minutes) after the caller's last message (Redis expires it).
- An encrypted number: only while a callback request (CALLBACK_NUMBER_TTL, 7 days at
  most) or an urgent case (2 days at most) needs it; deleted when either closes.
- A closed callback request or urgent case: after RETENTION_DAYS (7) only its counts and
  timings are left (when it was opened, taken, closed; its status, language, topic).
- Daily figures: counts only, 90 days. An opt-out: the HMAC alone, until START.

The purge runs as an RQ job every PURGE_INTERVAL (workers.housekeeping.purge, scheduled
in Redis) and by hand with `hotline purge`. It also closes open requests and cases that
can no longer be acted on, gives a TTL to any caller key found without one, and, without
Twilio, drops outbox lines older than the retention period. Each domain purges its own
data (hotline.privacy.domain.Keeper: `purge`); the list is handed in (hotline.domains).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime
from fnmatch import fnmatchcase
from typing import Any

import redis

from hotline import keys as hotline_keys
from hotline.config import Settings
from hotline.privacy.domain import Keeper
from hotline.telephony import prune_outbox

log = logging.getLogger("hotline.privacy.retention")

DAY = 86400
# The key patterns that must expire and those that may live long are named with the keys
# (hotline.keys: MUST_EXPIRE, LONG_LIVED).
MUST_EXPIRE = hotline_keys.MUST_EXPIRE
LONG_LIVED = hotline_keys.LONG_LIVED


def long_lived(config: Settings, key: str) -> str | None:
    """Why `key` may live without a TTL (its LONG_LIVED reason), or None when it may not."""
    for pattern, reason in hotline_keys.long_lived(config):
        if fnmatchcase(key, pattern):
            return reason
    return None


def retention_seconds(config: Settings) -> float:
    """RETENTION_DAYS in seconds (7 days unless configured)."""
    days = config.retention_days
    return float(7 if days is None else days) * DAY


def purge(conn: redis.Redis, config: Settings, now: float,
          keepers: Sequence[Keeper]) -> dict[str, int]:
    """Enforce the retention rules once; return what was done, as counts. Each of
    `keepers` (hotline.domains.KEEPERS) purges its own data."""
    cutoff = now - retention_seconds(config)
    done: dict[str, int] = {}
    for keeper in keepers:
        done.update(keeper.purge(conn, config, now, cutoff))
    done["ttl_set"] = _enforce_ttls(conn, config)
    done["outbox_lines"] = 0
    if not (config.twilio_account_sid and config.twilio_auth_token):
        done["outbox_lines"] = prune_outbox(str(config.data_dir or "instance"),
                                            lambda entry: _sent_at(entry) >= cutoff)
    log.info("retention purge done", extra={k: v for k, v in done.items() if v})
    return done


def _sent_at(entry: dict[str, Any]) -> float:
    try:
        return datetime.fromisoformat(str(entry.get("at"))).timestamp()
    except ValueError:
        return 0.0  # no readable time: old enough to go


def _enforce_ttls(conn: redis.Redis, config: Settings) -> int:
    """Give every caller key that has no TTL the longest its kind may have (one SCAN over
    the prefix, TTLs read in pipelined batches)."""
    kinds = hotline_keys.must_expire(config)
    fixed = 0
    batch: list[tuple[bytes, int]] = []

    def settle() -> int:
        pipe = conn.pipeline(transaction=False)
        for key, _ in batch:
            pipe.ttl(key)
        lapsed = [(key, ttl) for (key, ttl), left in zip(batch, pipe.execute()) if left == -1]
        for key, ttl in lapsed:
            pipe.expire(key, ttl)
        pipe.execute()
        batch.clear()
        return len(lapsed)

    for key in conn.scan_iter(match=hotline_keys.everything(config), count=1000):
        name = key.decode("utf-8", "replace")
        ttl = next((t for pattern, t in kinds if fnmatchcase(name, pattern)), 0)
        if ttl:
            batch.append((key, ttl))
        if len(batch) >= 500:
            fixed += settle()
    return fixed + (settle() if batch else 0)
