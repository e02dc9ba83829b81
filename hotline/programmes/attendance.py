"""Who holds a seat in a session (numbers masked), attendance marked by staff, and each
programme's totals for the figures (counts only: they outlive the sign-ups)."""

from __future__ import annotations

from dataclasses import dataclass

import redis

from hotline import keys as hotline_keys
from hotline.config import Settings
from hotline.programmes.model import Programme, Session

MARKS = ("attended", "missed")
COUNTS = ("signups", "waiting", "cancelled", "attended", "missed")


@dataclass(frozen=True)
class Seat:
    """One line of a session's list: the sign-up id, the masked number, where it stands."""

    id: str
    masked: str
    status: str  # seat or waiting
    language: str
    mark: str  # attended, missed or ""
    confirmed: bool = False  # the caller answered a reminder with 1


def _text(value: bytes | str | None) -> str:
    return value.decode() if isinstance(value, bytes) else str(value or "")


def roster(conn: redis.Redis, config: Settings, programme: Programme,
           session: Session) -> list[Seat]:
    """The session's seats, then its waiting list in order."""
    keys = hotline_keys.of(config).programmes
    ids = sorted(_text(i) for i in conn.smembers(keys.seats(programme.id, session.id)))
    ids += [_text(i) for i in conn.lrange(keys.waiting(programme.id, session.id), 0, -1)]
    out = []
    for signup_id in ids:
        raw = {_text(k): _text(v) for k, v in conn.hgetall(keys.signup(signup_id)).items()}
        if raw:
            out.append(Seat(signup_id, raw.get("masked", "****"), raw.get("status", ""),
                            raw.get("language", ""), raw.get("mark", ""),
                            raw.get("confirmed") == "1"))
    return out


def mark(conn: redis.Redis, config: Settings, signup_id: str, value: str) -> bool:
    """Mark a sign-up attended or missed (a second mark replaces the first, in the totals
    too); False when there is no such sign-up or mark."""
    keys = hotline_keys.of(config).programmes
    key = keys.signup(signup_id)
    programme = _text(conn.hget(key, "programme"))
    if value not in MARKS or not programme:
        return False
    before = _text(conn.hget(key, "mark"))
    if before == value:
        return True
    with conn.pipeline() as pipe:
        pipe.hset(key, "mark", value)
        pipe.hincrby(keys.counts(programme), value, 1)
        if before:
            pipe.hincrby(keys.counts(programme), before, -1)
        pipe.execute()
    return True


def totals(conn: redis.Redis, config: Settings, programme_id: str) -> dict[str, int]:
    """The programme's totals and its drop-out (cancelled + missed), counts only."""
    raw = conn.hgetall(hotline_keys.of(config).programmes.counts(programme_id))
    counts = {name: 0 for name in COUNTS}
    counts.update({_text(k): int(v) for k, v in raw.items()})
    counts["dropped"] = counts["cancelled"] + counts["missed"]
    return counts
