"""Urgent cases' part of erasure and retention (hotline.privacy.domain.Keeper)."""

from __future__ import annotations

import json
from typing import Any

import redis

from hotline import keys as hotline_keys
from hotline.config import Settings
from hotline.keys import UrgentKeys
from hotline.privacy.domain import Caller, Erased
from hotline.urgent import cases as urgent

# Fields of an urgent case that are about the caller; the rest are counts and timings.
ERASED_FIELDS = ("first_words", "caller", "country", "reason")
# What retention strips from a case closed past the cutoff (also who acknowledged it).
CASE_CALLER_FIELDS = ("first_words", "caller", "country", "reason", "acked_by", "callback")


def erase_caller(conn: redis.Redis, config: Settings, caller: Caller,
                 now: float) -> Erased:
    """Close the caller's urgent cases and strip them to counts and timings; their codes
    are the mentions (an outbox line naming one is about the caller)."""
    hashes = caller.hashes
    keys = urgent.keys(config)
    codes = [c.decode() for c in conn.zrange(keys.index, 0, -1)]  # type: ignore[union-attr]
    pipe = conn.pipeline()
    for code in codes:
        pipe.hget(keys.case(code), "caller")
    mine = {code for code, who in zip(codes, pipe.execute()) if who
            and who.decode() in hashes}
    for h in hashes:
        held = conn.get(keys.caller(h))
        if held:
            mine.add(held.decode())  # type: ignore[union-attr]
    done = Erased(mentions=mine)
    for code in sorted(mine):
        urgent.close(conn, config, code, now, outcome="erased", remember=False)  # paging stops
        pipe = conn.pipeline()
        pipe.hdel(keys.case(code), *ERASED_FIELDS)
        pipe.delete(keys.number(code), keys.held(code))
        pipe.execute()
        done.job_prefixes.append(hotline_keys.urgent_jobs(code))
    conn.delete(*[keys.caller(h) for h in hashes])
    if mine:  # the Twilio MessageSid/CallSid keys that point at these cases
        sids = [key for key in conn.scan_iter(match=keys.sids, count=500)
                if _text(conn.get(key)) in mine]
        if sids:
            conn.delete(*sids)
    done.counts["cases"] = len(mine)
    return done


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value or "")


def purge(conn: redis.Redis, config: Settings, now: float,
          cutoff: float) -> dict[str, int]:
    """Close cases open past the cutoff; strip closed ones past it to counts and timings."""
    done = {"cases_closed": 0, "cases_stripped": 0}
    keys = urgent.keys(config)
    codes = [c.decode() for c in conn.zrange(keys.index, 0, -1)]  # type: ignore[union-attr]
    for code in codes:
        raw: dict[bytes, bytes] = conn.hgetall(keys.case(code))  # type: ignore[assignment]
        data = {k.decode(): v.decode() for k, v in raw.items()}
        if not data:
            conn.zrem(keys.index, code)
            continue
        if data.get("state") in {s.value for s in urgent.OPEN}:
            if float(data.get("created") or 0) >= cutoff:
                continue
            urgent.close(conn, config, code, now, outcome="expired")
            done["cases_closed"] += 1
            data["closed"] = repr(now)
        closed = float(data.get("closed") or data.get("created") or 0)
        if closed >= cutoff or data.get("stripped"):
            continue
        _strip_case(conn, keys, code)
        done["cases_stripped"] += 1
    return done


def _strip_case(conn: redis.Redis, keys: UrgentKeys, code: str) -> None:
    """Leave a case only its code, state, language, channel, times and timeline steps."""
    steps = [json.loads(raw) for raw in conn.lrange(keys.timeline(code), 0, -1)]
    pipe = conn.pipeline()
    pipe.hdel(keys.case(code), *CASE_CALLER_FIELDS)
    pipe.hset(keys.case(code), "stripped", "1")
    pipe.delete(keys.number(code), keys.held(code), keys.paged(code), keys.timeline(code))
    for step in steps:
        pipe.rpush(keys.timeline(code), json.dumps({"at": step.get("at"),
                                                    "step": step.get("step")}))
    ttl = conn.ttl(keys.case(code))
    if steps and isinstance(ttl, int) and ttl > 0:
        pipe.expire(keys.timeline(code), ttl)
    pipe.execute()
