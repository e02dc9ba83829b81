"""Volunteers and staff who take callbacks: name, phone, languages, role, availability.

Stored in Redis under KEY_PREFIX + "vol:". A volunteer's own number is kept so the
hotline can ring them; it is the number they registered to work from, not a caller's.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import redis

from hotline import keys as hotline_keys
from hotline.config import Settings
from hotline.numbers import to_e164

ROLES = ("volunteer", "staff")
# The languages the hotline's word lists speak (urgent, caller and neutral words); the
# loaded scripts may declare more (parse_languages' `declared`).
LANGUAGES = ("ko", "en", "zh", "ru")


class VolunteerError(ValueError):
    """Bad input for a volunteer (the message says what to fix)."""


@dataclass(frozen=True)
class Volunteer:
    """One person who takes callbacks."""

    id: str
    name: str
    phone: str
    languages: tuple[str, ...]
    role: str = "volunteer"
    available: bool = True

    def to_dict(self) -> dict[str, Any]:
        """Return the volunteer as plain data."""
        return {"id": self.id, "name": self.name, "phone": self.phone,
                "languages": list(self.languages), "role": self.role,
                "available": self.available}


def _key(config: Settings, rest: str) -> str:
    return hotline_keys.of(config).volunteer(rest)


def parse_languages(value: str, declared: Iterable[str] = ()) -> tuple[str, ...]:
    """Return language codes from 'ko,en'; VolunteerError unless each is one of LANGUAGES
    or `declared` (the languages of the loaded scripts)."""
    codes = tuple(dict.fromkeys(c.strip().lower() for c in value.split(",") if c.strip()))
    known = tuple(dict.fromkeys((*LANGUAGES, *declared)))
    if not codes:
        raise VolunteerError(f"languages must be codes like ko,en (got {value!r})")
    bad = [c for c in codes if c not in known]
    if bad:
        raise VolunteerError(f"unknown language {', '.join(bad)}: languages must be codes "
                             f"from {', '.join(known)} (like ko,en)")
    return codes


def assumed_country(phone: str, config: Settings) -> str:
    """The country a number without its country code is read in (HOTLINE_DEFAULT_COUNTRY),
    or '' when the number gives its own (+82..., 0082...)."""
    given = phone.strip()
    return "" if given.startswith(("+", "00")) else config.default_country


def _checked(name: str, phone: str, role: str, region: str) -> tuple[str, str]:
    """Return the name (trimmed) and the number in E.164; VolunteerError for bad input.
    A national number (010-5555-1234) is read in `region`."""
    name = name.strip()
    if not name:
        raise VolunteerError("a name is needed")
    given = phone.strip()
    e164 = to_e164("+" + given[2:] if given.startswith("00") else given, region or None)
    if e164 is None:
        raise VolunteerError(
            f"{phone!r} is not a valid phone number in {region}; give it in international "
            "form, like +821012345678")
    if role not in ROLES:
        raise VolunteerError(f"role must be one of {', '.join(ROLES)}")
    return name, e164


def add(conn: redis.Redis, config: Settings, name: str, phone: str,
        languages: tuple[str, ...], role: str = "volunteer") -> Volunteer:
    """Register a volunteer; VolunteerError for a bad number, role, or a name/phone taken."""
    name, e164 = _checked(name, phone, role, config.default_country)
    if by_phone(conn, config, e164):
        raise VolunteerError(f"a volunteer with the number {e164} is already registered")
    if conn.hexists(_key(config, "names"), name.casefold()):
        raise VolunteerError(f"a volunteer named {name!r} is already registered")
    vid = f"v{conn.incr(_key(config, 'seq'))}"
    volunteer = Volunteer(vid, name, e164, languages, role, True)
    pipe = conn.pipeline()
    pipe.hset(_key(config, vid), mapping=_to_hash(volunteer))
    pipe.hset(_key(config, "phones"), e164, vid)
    pipe.hset(_key(config, "names"), name.casefold(), vid)
    pipe.rpush(_key(config, "ids"), vid)
    pipe.execute()
    return volunteer


def _to_hash(v: Volunteer) -> dict[Any, Any]:
    return {"id": v.id, "name": v.name, "phone": v.phone, "languages": ",".join(v.languages),
            "role": v.role, "available": "1" if v.available else "0"}


def get(conn: redis.Redis, config: Settings, vid: str) -> Volunteer | None:
    """Return the volunteer with this id, or None."""
    data = conn.hgetall(_key(config, vid)) if vid else {}
    if not data:
        return None
    d = {k.decode(): v.decode() for k, v in data.items()}  # type: ignore[union-attr]
    return Volunteer(d["id"], d["name"], d["phone"], tuple(d["languages"].split(",")),
                     d.get("role", "volunteer"), d.get("available") == "1")


def phones_key(config: Settings) -> str:
    """Return the hash of volunteer ids by E.164 number."""
    return _key(config, "phones")


def by_phone(conn: redis.Redis, config: Settings, phone: str) -> Volunteer | None:
    """Return the volunteer registered with this number, or None."""
    e164 = to_e164(phone)
    vid = conn.hget(phones_key(config), e164) if e164 else None
    return get(conn, config, vid.decode()) if vid else None  # type: ignore[union-attr]


def find(conn: redis.Redis, config: Settings, name_or_phone: str) -> Volunteer | None:
    """Return the volunteer with this name (any case) or number, or None."""
    vid = conn.hget(_key(config, "names"), name_or_phone.strip().casefold())
    if vid:
        return get(conn, config, vid.decode())  # type: ignore[union-attr]
    return by_phone(conn, config, name_or_phone)


def all_volunteers(conn: redis.Redis, config: Settings) -> list[Volunteer]:
    """Return every volunteer in the order they were added."""
    ids = [i.decode() for i in conn.lrange(_key(config, "ids"), 0, -1)]  # type: ignore[union-attr]
    return [v for v in (get(conn, config, i) for i in ids) if v]


def remove(conn: redis.Redis, config: Settings, name_or_phone: str) -> Volunteer | None:
    """Remove a volunteer by name or number; return who was removed, or None."""
    volunteer = find(conn, config, name_or_phone)
    if volunteer is None:
        return None
    pipe = conn.pipeline()
    pipe.delete(_key(config, volunteer.id))
    pipe.hdel(_key(config, "phones"), volunteer.phone)
    pipe.hdel(_key(config, "names"), volunteer.name.casefold())
    pipe.lrem(_key(config, "ids"), 0, volunteer.id)
    pipe.execute()
    return volunteer


def set_available(conn: redis.Redis, config: Settings, vid: str, available: bool) -> None:
    """Mark a volunteer available (ON) or not (OFF)."""
    conn.hset(_key(config, vid), "available", "1" if available else "0")


def update(conn: redis.Redis, config: Settings, vid: str, name: str, phone: str,
           languages: tuple[str, ...], role: str) -> Volunteer:
    """Change a volunteer's name, phone, languages or role (the id, rota shifts and web
    account stay theirs); VolunteerError for bad input or a name/phone another one has."""
    old = get(conn, config, vid)
    if old is None:
        raise VolunteerError("this volunteer is no longer registered")
    name, e164 = _checked(name, phone, role, config.default_country)
    other = by_phone(conn, config, e164)
    if other and other.id != vid:
        raise VolunteerError(f"a volunteer with the number {e164} is already registered")
    named = conn.hget(_key(config, "names"), name.casefold())
    if named and named.decode() != vid:  # type: ignore[union-attr]
        raise VolunteerError(f"a volunteer named {name!r} is already registered")
    new = Volunteer(vid, name, e164, languages, role, old.available)
    pipe = conn.pipeline()
    pipe.hdel(_key(config, "phones"), old.phone)
    pipe.hdel(_key(config, "names"), old.name.casefold())
    pipe.hset(_key(config, vid), mapping=_to_hash(new))
    pipe.hset(_key(config, "phones"), e164, vid)
    pipe.hset(_key(config, "names"), name.casefold(), vid)
    pipe.execute()
    return new
