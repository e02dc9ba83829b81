"""Regular check-in calls: a friendly call every week or two, in a time window the caller
chose. Each due call is a call-back request with the topic "check-in" (a job puts it in
the volunteers' queue); the caller stops them by SMS at any time, and they stop by
themselves after CHECKIN_KEEP (keys.py), with the sealed number.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import redis

from hotline import jobs
from hotline import keys as hotline_keys
from hotline.config import Settings
from hotline.keys import CHECKIN_KEEP
from hotline.privacy.vault import vault_for
from hotline.programmes.reminders import caller_timezone

EVERY = (7, 14)  # days between calls
WINDOWS = {"morning": time(10, 0), "afternoon": time(14, 0), "evening": time(18, 0)}


@dataclass(frozen=True)
class CheckIn:
    id: str
    every: int
    window: str
    language: str
    zone: str


def _text(value: bytes | str | None) -> str:
    return value.decode() if isinstance(value, bytes) else str(value or "")


def get(conn: redis.Redis, config: Settings, checkin_id: str) -> CheckIn | None:
    raw = {_text(k): _text(v) for k, v in
           conn.hgetall(hotline_keys.of(config).programmes.checkin(checkin_id)).items()}
    if not raw:
        return None
    return CheckIn(checkin_id, int(raw["every"]), raw["window"], raw["language"], raw["zone"])


def of_caller(conn: redis.Redis, config: Settings, caller_hash: str) -> CheckIn | None:
    found = _text(conn.get(hotline_keys.of(config).programmes.checkin_of(caller_hash)))
    return get(conn, config, found) if found else None


def number_of(conn: redis.Redis, config: Settings, checkin_id: str) -> str | None:
    token = conn.hget(hotline_keys.of(config).programmes.checkin(checkin_id), "number")
    return vault_for(config.encryption_key or "").decrypt(token) if token else None


def next_call(checkin: CheckIn, after: float) -> float:
    """The start of the caller's window on the day `every` days after `after`."""
    zone = ZoneInfo(checkin.zone)
    day = datetime.fromtimestamp(after, zone).date() + timedelta(days=checkin.every)
    return datetime.combine(day, WINDOWS[checkin.window], zone).timestamp()


def call_job(checkin: CheckIn, call: int, now: float) -> tuple[float, jobs.JobSpec]:
    """The `call`-th check-in at its time: (that time, the job)."""
    at = next_call(checkin, now)
    return at, jobs.JobSpec(jobs.CALLBACKS, "workers.programmes.checkin_due", (checkin.id, call),
                            hotline_keys.checkin_job(checkin.id, call), delay=at - now,
                            options={"retry": jobs.HOUSEKEEPING_RETRY,
                                     "result_ttl": jobs.RESULT_TTL})


def schedule(conn: redis.Redis, checkin: CheckIn, call: int, now: float) -> float:
    """Queue the `call`-th check-in at its time; return that time."""
    at, job = call_job(checkin, call, now)
    jobs.submit(conn, job)
    return at


def start(conn: redis.Redis, config: Settings, *, number: str, caller_hash: str,
          language: str, every: int, window: str, now: float) -> tuple[CheckIn, jobs.JobSpec]:
    """Begin the caller's check-in calls (replacing any they had); return the check-in and
    the job of its first call, for the caller's answer to carry."""
    stop(conn, config, caller_hash)
    keys = hotline_keys.of(config).programmes
    checkin = CheckIn(secrets.token_hex(5), every if every in EVERY else 7,
                      window if window in WINDOWS else "afternoon", language,
                      caller_timezone(number, "Asia/Seoul"))
    with conn.pipeline() as pipe:
        pipe.hset(keys.checkin(checkin.id), mapping={
            "every": checkin.every, "window": checkin.window, "language": language,
            "zone": checkin.zone, "caller": caller_hash,
            "number": vault_for(config.encryption_key or "").encrypt(number)})
        pipe.expire(keys.checkin(checkin.id), CHECKIN_KEEP)
        pipe.set(keys.checkin_of(caller_hash), checkin.id, ex=CHECKIN_KEEP)
        pipe.execute()
    return checkin, call_job(checkin, 1, now)[1]


def stop(conn: redis.Redis, config: Settings, caller_hash: str, *,
         with_jobs: bool = True) -> str | None:
    """End the caller's check-in calls; return the id that was ended (None: none)."""
    keys = hotline_keys.of(config).programmes
    found = _text(conn.get(keys.checkin_of(caller_hash)))
    if not found:
        return None
    conn.delete(keys.checkin(found), keys.checkin_of(caller_hash))
    if with_jobs:
        jobs.delete_jobs(conn, prefixes=[hotline_keys.checkin_jobs(found)])
    return found
