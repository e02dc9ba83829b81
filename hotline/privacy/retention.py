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
Twilio, drops outbox lines older than the retention period.
"""

from __future__ import annotations

import json
import logging
from datetime import datetime
from fnmatch import fnmatchcase
from typing import Any

import redis

from hotline.callbacks import queue as callbacks
from hotline.telephony import prune_outbox
from hotline.urgent import cases as urgent

log = logging.getLogger("hotline.privacy.retention")

DAY = 86400
# Fields of a closed callback request that say something about the caller or the call.
REQUEST_CALLER_FIELDS = ("caller", "masked", "note", "country", "tz", "idem", "volunteer")
CASE_CALLER_FIELDS = ("first_words", "caller", "country", "reason", "acked_by", "callback")

# Caller keys (under KEY_PREFIX) that must always expire, and the TTL given to one found
# without (a bug or a crash between two commands): the longest TTL that key kind has.
MUST_EXPIRE = {
    "session:*": 1800, "cb:num:*": 7 * DAY, "cb:open:*": 7 * DAY, "cb:missed:*": 3600,
    "cb:idem:*": DAY, "cb:req:*": 8 * DAY, "urgent:num:*": 2 * DAY, "urgent:held:*": 2 * DAY,
    "urgent:open:*": 30 * DAY, "urgent:sid:*": DAY, "urgent:case:*": 30 * DAY,
    "urgent:log:*": 30 * DAY, "urgent:paged:*": 30 * DAY, "urgent:once:*": 30 * DAY,
    "dir:sms:*": 3600, "rate:*": 120, "seen:sms:*": 3600, "replay:*": 900,
}

# Every key expires by itself, but these: what staff keep (people, rota, directory,
# scripts), counts, and indexes of ids that are pruned as their records expire. None
# holds a caller's number or words; the opt-out set holds HMACs only. A key that is not
# here and has no TTL is a bug (tests/test_privacy_scan.py walks every key after a full
# mix of conversations). Patterns are under KEY_PREFIX unless they start with "rq:".
LONG_LIVED: tuple[tuple[str, str], ...] = (
    ("vol:*", "the volunteers (ids, names, their own numbers, languages), kept by staff"),
    ("user:*", "web accounts (name, role, scrypt hash), kept by staff"),
    ("rota", "the on-call rota, imported by staff"),
    ("dir:current", "which generation of the directory is live"),
    ("dir:rev", "the directory's revision counter"),
    ("dir:gen:*", "the directory of clinics and shelters (one generation, replaced whole)"),
    ("scripts:counter", "the last published script version number"),
    ("scripts:versions", "the published menu scripts, for history and rollback"),
    ("scripts:current", "the script version live now"),
    ("optout", "HMACs of numbers that sent STOP, until START: a STOP is never forgotten"),
    ("metrics", "running totals for Prometheus (counts only)"),
    ("cb:seq", "the last callback request id (ids are never reused)"),
    ("cb:stats", "callback totals (counts only)"),
    ("cb:waits", "the last 100 waits in seconds, for 'usually within N hours'"),
    ("cb:index", "request ids by time; an id goes when its request expires"),
    ("cb:q:*", "waiting request ids per language (the request itself expires)"),
    ("cb:leases", "taken request ids and when their lease ends"),
    ("urgent:cases", "case codes by time; a code goes when its case expires"),
    ("rq:queues", "RQ: the names of the queues"),
    ("rq:queue:*", "RQ: the ids of queued jobs"),
    ("rq:job:*", "RQ: a job still queued or scheduled; it gets its result TTL when it ends"),
    ("rq:scheduled:*", "RQ: scheduled job ids by time"),
    ("rq:finished:*", "RQ: job ids whose results RQ keeps, pruned as they expire"),
    ("rq:failed:*", "RQ: failed job ids, pruned as they expire"),
    ("rq:started:*", "RQ: running job ids"),
    ("rq:deferred:*", "RQ: job ids waiting on another job"),
    ("rq:canceled:*", "RQ: canceled job ids, pruned as they expire"),
    ("rq:workers", "RQ: live workers (each worker's record expires)"),
    ("rq:workers:*", "RQ: live workers per queue"),
)


def long_lived(config: dict[str, Any], key: str) -> str | None:
    """Why `key` may live without a TTL (its LONG_LIVED reason), or None when it may not."""
    prefix = str(config.get("KEY_PREFIX") or "hotline:")
    for pattern, reason in LONG_LIVED:
        if fnmatchcase(key, pattern if pattern.startswith("rq:") else prefix + pattern):
            return reason
    return None


def retention_seconds(config: dict[str, Any]) -> float:
    """RETENTION_DAYS in seconds (7 days unless configured)."""
    days = config.get("RETENTION_DAYS")
    return float(7 if days is None else days) * DAY


def purge(conn: redis.Redis, config: dict[str, Any], now: float) -> dict[str, int]:
    """Enforce the retention rules once; return what was done, as counts."""
    cutoff = now - retention_seconds(config)
    done = {"callbacks_expired": 0, "callbacks_stripped": 0, "cases_closed": 0,
            "cases_stripped": 0, "ttl_set": 0, "outbox_lines": 0}
    _purge_callbacks(conn, config, now, cutoff, done)
    _purge_cases(conn, config, now, cutoff, done)
    done["ttl_set"] = _enforce_ttls(conn, config)
    if not (config.get("TWILIO_ACCOUNT_SID") and config.get("TWILIO_AUTH_TOKEN")):
        done["outbox_lines"] = prune_outbox(str(config.get("DATA_DIR") or "instance"),
                                            lambda entry: _sent_at(entry) >= cutoff)
    log.info("retention purge done", extra={k: v for k, v in done.items() if v})
    return done


def _sent_at(entry: dict[str, Any]) -> float:
    try:
        return datetime.fromisoformat(str(entry.get("at"))).timestamp()
    except ValueError:
        return 0.0  # no readable time: old enough to go


def _purge_callbacks(conn: redis.Redis, config: dict[str, Any], now: float, cutoff: float,
                     done: dict[str, int]) -> None:
    """Close requests whose number expired; strip closed ones past the cutoff."""
    after = callbacks.all_requests(conn, config, now)  # closes lapsed ones as expired, now
    done["callbacks_expired"] = sum(1 for r in after if r.status == callbacks.Status.EXPIRED
                                    and r.closed == now)
    k = callbacks.keys(config)
    for req in after:
        if req.status in callbacks.OPEN or not req.closed or req.closed >= cutoff:
            continue
        if conn.hdel(k.req(req.id), *REQUEST_CALLER_FIELDS):
            done["callbacks_stripped"] += 1


def _purge_cases(conn: redis.Redis, config: dict[str, Any], now: float, cutoff: float,
                 done: dict[str, int]) -> None:
    """Close cases open past the cutoff; strip closed ones past it to counts and timings."""
    keys = urgent.Keys(config)
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


def _strip_case(conn: redis.Redis, keys: urgent.Keys, code: str) -> None:
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


def _enforce_ttls(conn: redis.Redis, config: dict[str, Any]) -> int:
    """Give every caller key that has no TTL the longest its kind may have (one SCAN over
    the prefix, TTLs read in pipelined batches)."""
    prefix = str(config.get("KEY_PREFIX") or "hotline:")
    kinds = [(prefix + pattern, ttl) for pattern, ttl in MUST_EXPIRE.items()]
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

    for key in conn.scan_iter(match=prefix + "*", count=1000):
        name = key.decode("utf-8", "replace")
        ttl = next((t for pattern, t in kinds if fnmatchcase(name, pattern)), 0)
        if ttl:
            batch.append((key, ttl))
        if len(batch) >= 500:
            fixed += settle()
    return fixed + (settle() if batch else 0)
