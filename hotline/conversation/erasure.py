"""The conversation's part of erasure (hotline.privacy.domain.Keeper): sessions and
rate-limit counters. Both expire by themselves within minutes, so purge has nothing to do.
"""

from __future__ import annotations

import redis

from hotline import keys as hotline_keys
from hotline.config import Settings
from hotline.privacy.domain import Caller, Erased


def erase_caller(conn: redis.Redis, config: Settings, caller: Caller,
                 now: float) -> Erased:
    """Delete the caller's session and rate-limit counters (every channel and minute)."""
    keys = hotline_keys.of(config)
    done = Erased()
    done.counts["sessions"] = int(conn.delete(*[keys.session(h) for h in caller.hashes]))
    found = [key for h in caller.hashes
             for key in conn.scan_iter(match=keys.rates_of(h), count=500)]
    done.counts["keys"] = int(conn.delete(*found)) if found else 0
    return done


def purge(conn: redis.Redis, config: Settings, now: float,
          cutoff: float) -> dict[str, int]:
    """Nothing: sessions and counters expire by their TTL (the TTL walk enforces it)."""
    return {}
