"""The programmes' part of erasure (hotline.privacy.domain.Keeper): a caller's sign-ups,
their sealed numbers, seats, places in line and reminder jobs. Every sign-up key expires
at its programme's last session plus a margin (keys.PROGRAMME_MARGIN_DAYS); purge only
drops the ids of sign-ups already gone from the seat and waiting lists."""

from __future__ import annotations

import redis

from hotline import keys as hotline_keys
from hotline.config import Settings
from hotline.privacy.domain import Caller, Erased
from hotline.programmes import checkins, signups


def erase_caller(conn: redis.Redis, config: Settings, caller: Caller,
                 now: float) -> Erased:
    """Delete every sign-up of the caller (under any of their HMACs) and its jobs."""
    keys = hotline_keys.of(config).programmes
    done = Erased()
    erased = 0
    for caller_hash in caller.hashes:
        for signup in signups.of_caller(conn, config, caller_hash):
            signups.cancel(conn, config, signup, with_jobs=False)
            done.job_prefixes.append(hotline_keys.programme_jobs(signup.id))
            erased += 1
        conn.delete(keys.mine(caller_hash))
        ended = checkins.stop(conn, config, caller_hash, with_jobs=False)
        if ended:
            done.job_prefixes.append(hotline_keys.checkin_jobs(ended))
            erased += 1
    done.counts["programme_signups"] = erased
    return done


def purge(conn: redis.Redis, config: Settings, now: float,
          cutoff: float) -> dict[str, int]:
    """Drop seat and waiting-list entries whose sign-up has expired."""
    keys = hotline_keys.of(config).programmes
    dropped = 0
    for pattern in (keys.seats("*", "*"), keys.waiting("*", "*")):
        for key in conn.scan_iter(match=pattern, count=500):
            kind = conn.type(key)
            members = (conn.smembers(key) if kind == b"set" else conn.lrange(key, 0, -1))
            for raw in members:
                signup_id = raw.decode() if isinstance(raw, bytes) else str(raw)
                if not conn.exists(keys.signup(signup_id)):
                    dropped += 1
                    if kind == b"set":
                        conn.srem(key, raw)
                    else:
                        conn.lrem(key, 0, signup_id)
    return {"programme_stale": dropped}
