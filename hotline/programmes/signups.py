"""Sign-ups: a caller's seat (or place on a waiting list) in one session of a programme.

A sign-up keeps the caller's HMAC (to list and cancel their own) and the number sealed
with Fernet (for reminders), and nothing else about them. Every key of a sign-up expires
at the programme's last session plus PROGRAMME_MARGIN_DAYS (keys.py): `kept_until`.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from enum import StrEnum

import redis

from hotline import keys as hotline_keys
from hotline.config import Settings
from hotline.keys import DAY, PROGRAMME_KEEP_MAX, PROGRAMME_MARGIN_DAYS
from hotline.numbers import mask
from hotline.privacy.vault import vault_for
from hotline.programmes.model import Programme, Session


class Status(StrEnum):
    """Where a sign-up stands."""

    SEAT = "seat"  # holds a seat in its session
    WAITING = "waiting"  # on the session's waiting list


@dataclass(frozen=True)
class SignUp:
    id: str
    programme: str
    session: str
    status: Status
    language: str
    caller: str  # the caller's HMAC
    channel: str = "sms"  # how they joined: "voice" callers get their reminders as a call


def kept_until(programme: Programme) -> float:
    """When a sign-up to this programme and its sealed number are gone."""
    return programme.last_ts() + PROGRAMME_MARGIN_DAYS * DAY


def _ttl(programme: Programme, now: float) -> int:
    return max(60, min(PROGRAMME_KEEP_MAX, int(kept_until(programme) - now)))


def get(conn: redis.Redis, config: Settings, signup_id: str) -> SignUp | None:
    raw: dict[bytes, bytes] = conn.hgetall(hotline_keys.of(config).programmes.signup(signup_id))  # type: ignore[assignment]
    if not raw:
        return None
    v = {k.decode(): val.decode() for k, val in raw.items()}
    return SignUp(signup_id, v["programme"], v["session"], Status(v["status"]),
                  v.get("language", ""), v.get("caller", ""), v.get("channel") or "sms")


def number_of(conn: redis.Redis, config: Settings, signup_id: str) -> str | None:
    """The sign-up's number, unsealed (for a reminder), or None."""
    token = conn.hget(hotline_keys.of(config).programmes.signup(signup_id), "number")
    return vault_for(config.encryption_key or "").decrypt(token) if token else None


def of_caller(conn: redis.Redis, config: Settings, caller_hash: str) -> list[SignUp]:
    """The caller's own sign-ups (ids of expired ones are pruned)."""
    keys = hotline_keys.of(config).programmes
    out = []
    for raw_id in sorted(conn.smembers(keys.mine(caller_hash))):
        signup = get(conn, config, raw_id.decode() if isinstance(raw_id, bytes) else raw_id)
        if signup is None:
            conn.srem(keys.mine(caller_hash), raw_id)
        else:
            out.append(signup)
    return out


def taken(conn: redis.Redis, config: Settings, programme: str, session: str) -> int:
    """Seats taken in a session."""
    return int(conn.scard(hotline_keys.of(config).programmes.seats(programme, session)))


def waiting(conn: redis.Redis, config: Settings, programme: str, session: str) -> int:
    return int(conn.llen(hotline_keys.of(config).programmes.waiting(programme, session)))


def join(conn: redis.Redis, config: Settings, programme: Programme, session: Session, *,
         number: str, caller_hash: str, language: str, now: float,
         wait: bool = False, channel: str = "sms") -> tuple[SignUp | None, int]:
    """Take a seat in `session`, or (`wait`, or no seat left and `wait`) a place on its
    waiting list. Returns (the sign-up, place on the waiting list or 0); (None, 0) when the
    session is full and `wait` is False."""
    keys = hotline_keys.of(config).programmes
    seats, queue = keys.seats(programme.id, session.id), keys.waiting(programme.id, session.id)
    signup_id = secrets.token_hex(5)
    ttl = _ttl(programme, now)
    sealed = vault_for(config.encryption_key or "").encrypt(number)
    mine_ttl = max(ttl, int(conn.ttl(keys.mine(caller_hash))))
    with conn.pipeline() as pipe:
        while True:
            try:
                pipe.watch(seats)  # type: ignore[no-untyped-call]
                full = int(pipe.scard(seats)) >= session.capacity
                if full and not wait:
                    pipe.unwatch()
                    return None, 0
                status = Status.WAITING if full else Status.SEAT
                pipe.multi()
                pipe.hset(keys.signup(signup_id), mapping={
                    "programme": programme.id, "session": session.id, "status": status.value,
                    "language": language, "caller": caller_hash, "number": sealed,
                    "masked": mask(number), "created": str(int(now)),
                    "channel": "voice" if channel == "voice" else "sms"})
                pipe.hincrby(keys.counts(programme.id), "waiting" if full else "signups", 1)
                pipe.expire(keys.signup(signup_id), ttl)
                if full:
                    pipe.rpush(queue, signup_id)
                    pipe.expire(queue, ttl)
                else:
                    pipe.sadd(seats, signup_id)
                    pipe.expire(seats, ttl)
                pipe.sadd(keys.mine(caller_hash), signup_id)
                pipe.expire(keys.mine(caller_hash), mine_ttl)
                pipe.execute()
                break
            except redis.WatchError:
                continue
    position = waiting(conn, config, programme.id, session.id) if status == Status.WAITING else 0
    return SignUp(signup_id, programme.id, session.id, status, language, caller_hash,
                  "voice" if channel == "voice" else "sms"), position


def confirm(conn: redis.Redis, config: Settings, signup: SignUp) -> None:
    """The caller answered a reminder with 1: they are coming (shown to staff)."""
    conn.hset(hotline_keys.of(config).programmes.signup(signup.id), "confirmed", "1")


def cancel(conn: redis.Redis, config: Settings, signup: SignUp, *,
           with_jobs: bool = True, counted: bool = True) -> None:
    """Drop the sign-up: its seat or place in line, its record with the sealed number, and
    (`with_jobs`) its reminder jobs; `counted`: a cancellation in the totals (not when a
    caller who missed a session moves to the next one: the miss is counted already)."""
    from hotline import jobs

    keys = hotline_keys.of(config).programmes
    with conn.pipeline() as pipe:
        if counted:
            pipe.hincrby(keys.counts(signup.programme), "cancelled", 1)
        pipe.srem(keys.seats(signup.programme, signup.session), signup.id)
        pipe.lrem(keys.waiting(signup.programme, signup.session), 0, signup.id)
        pipe.srem(keys.mine(signup.caller), signup.id)
        pipe.delete(keys.signup(signup.id))
        pipe.execute()
    if with_jobs:
        jobs.delete_jobs(conn, prefixes=[hotline_keys.programme_jobs(signup.id)])
