"""The callback queue: callers' requests for a call back, taken by volunteers, in Redis.

Per language, waiting requests sit in a sorted set whose score encodes priority then
age, so taking the next one is one atomic Lua script (ZRANGE of each queue's head, then
ZREM). The caller's number is kept only Fernet-encrypted in its own key with a TTL, and
deleted when the request closes; the request itself keeps a caller HMAC and a masked form.
"""

from __future__ import annotations

import math
import statistics
import time
from collections.abc import Iterable
from dataclasses import dataclass
from enum import Enum
from functools import lru_cache

import phonenumbers
import redis
from phonenumbers import timezone

from hotline import jobs, stats
from hotline import keys as hotline_keys
from hotline.callbacks import follow, history
from hotline.callbacks.lua import CREATE, REQUEUE, TAKE, TAKE_ONE
from hotline.config import Settings
from hotline.keys import CallbackKeys
from hotline.lua import lua
from hotline.numbers import country_of, mask, to_e164
from hotline.privacy.vault import NumberVault, caller_hash, is_sealed, vault_for


class Status(str, Enum):
    """Where a callback request stands (not RQ's job status)."""

    WAITING = "waiting"  # in its language's queue until a volunteer sends NEXT
    CALLING = "calling"  # a volunteer took it; the bridged call is being made or is on
    LATER = "later"  # the caller did not answer; it goes back in the queue at `next_at`
    DONE = "done"  # a volunteer spoke with the caller and closed it (DONE)
    NO_ANSWER = "no_answer"  # no attempt reached the caller; one SMS told them how to ask again
    FAILED = "failed"  # the call could not be placed (the number is refused or invalid)
    WRONG_NUMBER = "wrong_number"  # someone else answered: closed, the number deleted
    CANCELLED = "cancelled"  # the caller withdrew it
    EXPIRED = "expired"  # the kept number expired before anyone could call


OPEN = frozenset({Status.WAITING, Status.CALLING, Status.LATER})


class Priority(str, Enum):
    """How soon a request should be taken, before age counts."""

    URGENT = "urgent"
    HIGH = "high"
    NORMAL = "normal"

    @property
    def rank(self) -> int:
        """0 for urgent, 1 for high, 2 for normal: lower scores are taken first."""
        return {"urgent": 0, "high": 1, "normal": 2}[self.value]


_RANK_SPAN = 10**13  # milliseconds since 1970 stay below this until the year 2286
NUMBER_TTL = 7 * 86400  # default seconds an encrypted number is kept (CALLBACK_NUMBER_TTL)
LEASE = 600  # seconds a taken request may wait for the volunteer to press 1
CLOSED_TTL = 86400  # a closed request (no number, no mask) stays this long for DONE retries
IDEM_TTL = 86400
WAIT_SAMPLES = 100  # recent waits kept for the "usually within N hours" figure
MIN_SAMPLES = 5
PREFERRED_ZONES = ("Asia/Vladivostok",)


def score(priority: Priority, created: float) -> float:
    """Return the queue score: priority first, then age (older is lower)."""
    return float(priority.rank * _RANK_SPAN + int(created * 1000))


@dataclass(frozen=True)
class Request:
    """A callback request as stored (never holding the raw number)."""

    id: str
    caller: str
    masked: str
    language: str
    topic: str
    priority: Priority
    status: Status
    created: float
    score: float
    attempts: int = 0
    volunteer: str = ""
    taken: float = 0.0
    country: str = ""
    tz: str = ""
    next_at: float = 0.0
    connected: bool = False
    closed: float = 0.0
    note: str = ""
    idem: str = ""
    case: str = ""  # the urgent case this request calls back for, if any
    about: str = ""  # what exactly the caller asked about (a programme's id), if the node said
    message: bool = False  # the caller left a voice message (callbacks/voicemail.py)
    disposition: str = ""  # the outcome code the volunteer picked when closing

    @classmethod
    def from_hash(cls, data: dict[bytes, bytes]) -> Request:
        """Build a request from its Redis hash."""
        d = {k.decode(): v.decode() for k, v in data.items()}
        return cls(
            id=d["id"], caller=d.get("caller", ""), masked=d.get("masked", ""),
            language=d["language"], topic=d.get("topic", ""),
            priority=Priority(d.get("priority", "normal")), status=Status(d["status"]),
            created=float(d["created"]), score=float(d["score"]),
            attempts=int(d.get("attempts") or 0), volunteer=d.get("volunteer", ""),
            taken=float(d.get("taken") or 0), country=d.get("country", ""), tz=d.get("tz", ""),
            next_at=float(d.get("next_at") or 0), connected=d.get("connected") == "1",
            closed=float(d.get("closed") or 0), note=d.get("note", ""),
            idem=d.get("idem", ""), case=d.get("case", ""), about=d.get("about", ""),
            message=d.get("message") == "1", disposition=d.get("disposition", ""),
        )

    def age(self, now: float) -> float:
        """Seconds since the caller asked."""
        return max(0.0, now - self.created)


@dataclass(frozen=True)
class Placed:
    """The answer to a caller asking: the request, its place in the queue, and whether it
    already existed."""

    request: Request
    position: int
    existing: bool
    hours: int = 0  # hours a caller usually waits (expected_hours), read in the same trip


def keys(config: Settings) -> CallbackKeys:
    """Return the key names for this configuration."""
    return hotline_keys.of(config).callbacks


def _vault(config: Settings) -> NumberVault:
    return vault_for(config.encryption_key or "")


@lru_cache(maxsize=64)  # a pure function of the number, as numbers.to_e164's cache
def time_zone(e164: str) -> str:
    """Return the caller's likely time zone ('Asia/Seoul'), or '' when unknown."""
    zones = [z for z in timezone.time_zones_for_number(phonenumbers.parse(e164, None))
             if "/" in z]
    # A Russian mobile number does not tell its zone; most callers there are in the Far East.
    for preferred in PREFERRED_ZONES:
        if preferred in zones:
            return preferred
    return zones[0] if zones else ""


def create(conn: redis.Redis, config: Settings, number: str, *, language: str,
           topic: str, now: float, priority: Priority = Priority.NORMAL,
           idem: str = "") -> Placed:
    """File a request for a call back to `number`, or return the caller's open one."""
    e164 = to_e164(number)
    if e164 is None:
        raise ValueError("not a phone number that can be called back")
    k = keys(config)
    ttl = int(config.callback_number_ttl or NUMBER_TTL)
    caller = caller_hash(config, e164)
    _, existed, fields, rank, waits = lua(conn, CREATE)(
        [k.idem(idem), k.open(caller), k.seq, k.index, k.queue(language), k.req_stem,
         k.number_stem, k.queue_stem, stats.day_key(config, now), k.waits],
        [caller, idem, mask(e164), language, topic,
         priority.value, repr(now), repr(score(priority, now)), country_of(e164),
         _vault(config).encrypt(e164), IDEM_TTL, ttl, time_zone(e164), priority.rank,
         _RANK_SPAN, stats.TTL])
    req = Request.from_hash(dict(zip(fields[::2], fields[1::2], strict=True)))
    return Placed(req, int(rank) + 1 if int(rank) >= 0 else 0, bool(existed),
                  hours_of(config, waits))


def get(conn: redis.Redis, config: Settings, rid: str) -> Request | None:
    """Return the request with this id, or None."""
    if not rid or len(rid) > 20:
        return None
    data = conn.hgetall(keys(config).req(rid))
    return Request.from_hash(data) if data else None  # type: ignore[arg-type]


def open_request(conn: redis.Redis, config: Settings, number: str) -> Request | None:
    """Return the caller's open request, if any."""
    rid = conn.get(keys(config).open(caller_hash(config, number)))
    req = get(conn, config, rid.decode() if isinstance(rid, bytes) else str(rid)) if rid else None
    return req if req and req.status in OPEN else None


def position(conn: redis.Redis, config: Settings, req: Request) -> int:
    """Return the request's place in its language's queue (1 = next), 0 when not queued."""
    rank = conn.zrank(keys(config).queue(req.language), req.id)
    return int(rank) + 1 if rank is not None else 0  # type: ignore[arg-type]


class Holding(Exception):
    """The volunteer holds as many requests as they may (`held`: their ids)."""

    def __init__(self, held: list[str]):
        self.held = held
        super().__init__(f"holding {', '.join(held)}")


def take_next(conn: redis.Redis, config: Settings, languages: Iterable[str],
              volunteer: str, now: float, limit: int = 0) -> Request | None:
    """Atomically take the best waiting request in any of `languages` for `volunteer`.

    With `limit` > 0, Holding is raised instead when the volunteer already holds that many
    requests (checked in the same atomic step, so two NEXTs at once never get two).
    """
    k = keys(config)
    queues = [k.queue(lang) for lang in languages]
    if not queues:
        return None
    found = lua(conn, TAKE)(
        [k.leases, k.mine(volunteer), k.waits, k.stats, k.req_stem, k.number_stem,
         k.queue_stem, *queues],
        [repr(now), repr(now + LEASE), volunteer, WAIT_SAMPLES, CLOSED_TTL,
         max(0, int(limit))])
    if not found:
        return None
    if isinstance(found[0], int):
        raise Holding(sorted((i.decode() for i in found[1:]), key=lambda i: (len(i), i)))
    return Request.from_hash(dict(zip(found[::2], found[1::2], strict=True)))


def take(conn: redis.Redis, config: Settings, rid: str, volunteer: str,
         now: float) -> Request | None:
    """Atomically take this one waiting request for `volunteer` (None if not waiting)."""
    req = get(conn, config, rid)
    if req is None:
        return None
    k = keys(config)
    done = lua(conn, TAKE_ONE)(
        [k.req(rid), k.queue(req.language), k.leases, k.number(rid), k.mine(volunteer),
         k.waits],
        [rid, repr(now), repr(now + LEASE), volunteer, WAIT_SAMPLES])
    return get(conn, config, rid) if done else None


def release(conn: redis.Redis, config: Settings, rid: str,
            from_status: Status = Status.CALLING) -> bool:
    """Put a request back in its queue at its old place (volunteer did not connect)."""
    req = get(conn, config, rid)
    if req is None:
        return False
    k = keys(config)
    done = conn.eval(REQUEUE, 3, k.req(rid), k.queue(req.language), k.leases,
                     rid, from_status.value)
    return bool(done)


def link_case(conn: redis.Redis, config: Settings, rid: str, code: str) -> None:
    """Note that request `rid` calls back for urgent case `code` (closing one ends both)."""
    conn.hset(keys(config).req(rid), "case", code)


def note_about(conn: redis.Redis, config: Settings, rid: str, about: str) -> None:
    """Note what exactly request `rid` is about (a programme's id), for the volunteer."""
    conn.hset(keys(config).req(rid), "about", about[:40])


def mark_connected(conn: redis.Redis, config: Settings, rid: str) -> None:
    """The volunteer pressed 1: the request is no longer returned to the queue on timeout."""
    k = keys(config)
    pipe = conn.pipeline()
    pipe.hset(k.req(rid), "connected", "1")
    pipe.zrem(k.leases, rid)
    pipe.execute()


def number_of(conn: redis.Redis, config: Settings, rid: str) -> str | None:
    """Decrypt the caller's number, only at the moment it is dialled or texted."""
    token = conn.get(keys(config).number(rid))
    return _vault(config).decrypt(token) if token else None


def seal_note(config: Settings, note: str) -> str:
    """A volunteer's note as stored: sealed like the caller's first words ('' stays '')."""
    note = " ".join(note.split())[:200]
    return _vault(config).seal(note) if note and config.encryption_key else note


def note_text(config: Settings, stored: str) -> str:
    """A stored note, opened ('' when no key opens it)."""
    if not is_sealed(stored):
        return stored  # written before notes were sealed
    return (_vault(config).decrypt(stored) or "") if config.encryption_key else ""


def close(conn: redis.Redis, config: Settings, rid: str, status: Status, now: float,
          note: str = "", disposition: str = "") -> Request | None:
    """Close a request: drop it from every queue, delete the number, keep counts only;
    the caller's history keeps how it ended (callbacks/history.py)."""
    req = get(conn, config, rid)
    if req is None or req.status not in OPEN:
        return None
    k = keys(config)
    note = " ".join(note.split())[:200] or note_text(config, req.note)
    pipe = conn.pipeline()
    pipe.zrem(k.queue(req.language), rid)
    pipe.zrem(k.leases, rid)
    pipe.delete(k.number(rid))
    pipe.hset(k.req(rid), mapping={"status": status.value, "closed": repr(now),
                                   "note": seal_note(config, note),
                                   "disposition": disposition[:40]})
    pipe.hdel(k.req(rid), "masked")
    pipe.expire(k.req(rid), CLOSED_TTL)
    pipe.hincrby(k.stats, status.value, 1)
    reached = status == Status.DONE and req.taken
    stats.add_counts(pipe, config, now, {f"callback_closed:{status.value}": 1},
                     {"callback_wait": req.taken - req.created} if reached else None)
    if status == Status.CANCELLED and req.idem:
        # The caller may ask again in the same call (same CallSid): that is a new request.
        pipe.delete(k.idem(req.idem))
    pipe.execute()
    # Free the caller to ask again, unless a newer request already holds the slot.
    open_key = k.open(req.caller)
    if conn.get(open_key) == rid.encode():
        conn.delete(open_key)
    if req.case:  # the call back of an urgent case: the case is over with it (urgent follows)
        follow.tell(conn, config, follow.Closed(rid, req.case, status.value, now))
    drop_messages(conn, config, rid)  # a voice message is of no use once it is closed
    if status not in (Status.CANCELLED, Status.EXPIRED) or req.attempts:
        history.add(conn, config, req.caller, history.Entry(
            at=req.created, kind="request", ref=rid, topic=req.topic, outcome=status.value,
            disposition=disposition[:40], note=note))
    return get(conn, config, rid)


def drop_messages(conn: redis.Redis, config: Settings, rid: str) -> bool:
    """Have request `rid`'s voice messages deleted at Twilio (an RQ job with retries:
    callbacks/voicemail.py); their transcriptions go now. False when it has none."""
    k = keys(config)
    fields = [f.decode() for f in conn.hkeys(k.recording(rid))]  # type: ignore[union-attr]
    if not any(f.startswith("sid.") for f in fields):
        return False
    texts = [f for f in fields if f.startswith("text.")]
    if texts:
        conn.hdel(k.recording(rid), *texts)
    if conn.exists(k.req(rid)):
        conn.hdel(k.req(rid), "message")
    jobs.enqueue_recording_delete(conn, rid)
    return True


def cancel(conn: redis.Redis, config: Settings, number: str, now: float) -> Request | None:
    """Cancel the caller's open request; return it, or None if there was none."""
    req = open_request(conn, config, number)
    return close(conn, config, req.id, Status.CANCELLED, now) if req else None


def postpone(conn: redis.Redis, config: Settings, rid: str, next_at: float, *,
             count_attempt: bool = True, note: str = "") -> bool:
    """Hold a request being called until `next_at`: the caller did not answer (an attempt
    counts), or asked to be called later (`count_attempt=False`)."""
    k = keys(config)
    req = get(conn, config, rid)
    if req is None or req.status != Status.CALLING:
        return False
    fields = {"status": Status.LATER.value, "next_at": repr(next_at), "volunteer": "",
              "connected": "0"}
    if note:
        fields["note"] = seal_note(config, note)
    pipe = conn.pipeline()
    pipe.zrem(k.leases, rid)
    pipe.hset(k.req(rid), mapping=fields)  # type: ignore[arg-type]
    if count_attempt:
        pipe.hincrby(k.req(rid), "attempts", 1)
    pipe.execute()
    return True


def expected_hours(conn: redis.Redis, config: Settings) -> int:
    """Hours a caller usually waits: the recent median, else the staff setting."""
    return hours_of(config, conn.lrange(keys(config).waits, 0, -1))


def hours_of(config: Settings, samples: Iterable[bytes | str | float]) -> int:
    """expected_hours() of the wait samples as read from Redis."""
    waits = [float(w) for w in samples]
    if len(waits) < MIN_SAMPLES:
        return int(config.callback_hours or 24)
    return max(1, math.ceil(statistics.median(waits) / 3600))


def all_requests(conn: redis.Redis, config: Settings,
                 now: float | None = None) -> list[Request]:
    """Return every kept request, oldest first; records that expired are pruned, and open
    requests whose number expired are closed as expired."""
    k = keys(config)
    ids = [rid.decode() for rid in conn.zrange(k.index, 0, -1)]  # type: ignore[union-attr]
    pipe = conn.pipeline()
    for rid in ids:
        pipe.hgetall(k.req(rid))
    out, gone = [], []
    for rid, data in zip(ids, pipe.execute()):
        if data:
            out.append(Request.from_hash(data))
        else:
            gone.append(rid)
    if gone:
        conn.zrem(k.index, *gone)
    return _expire_lapsed(conn, config, out, now)


def _expire_lapsed(conn: redis.Redis, config: Settings, requests: list[Request],
                   now: float | None) -> list[Request]:
    """Close open requests whose kept number has expired (nobody can call them now)."""
    waiting = [r for r in requests if r.status in OPEN]
    pipe = conn.pipeline()
    for r in waiting:
        pipe.exists(keys(config).number(r.id))
    lapsed = {r.id for r, kept in zip(waiting, pipe.execute()) if not kept}
    when = time.time() if now is None else now
    for rid in lapsed:
        close(conn, config, rid, Status.EXPIRED, when)
    return [get(conn, config, r.id) or r if r.id in lapsed else r for r in requests]
