"""The directory of free clinics and shelters: entries, and how they are kept in Redis.

An entry follows Open Referral's HSDS, flattened to what a caller needs: the
organization and its service (with a category), one location (address, city, region,
country, postal code, coordinates), a phone, weekly hours with a timezone, languages
spoken, cost, eligibility and a short description.

Redis keys (under KEY_PREFIX + "dir:"):
  current       the generation now served (a short id)
  gen:<id>      hash: entry id -> entry JSON
  rev           a counter bumped on every change; processes rebuild their index on change
A `--replace` import writes a new generation, then switches `current` in one MULTI,
so a search sees the old directory or the new one, never half of either.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

import redis

from hotline.directory.gazetteer import normalize
from hotline.engine.directory_node import CATEGORIES
from hotline.keys import DirectoryKeys

COSTS = ("free", "low")
OLD_GENERATION_TTL = 300  # seconds a replaced generation stays readable for searches mid-read
_WRITE_CHUNK = 2000


@dataclass(frozen=True)
class Entry:
    """One service at one location (an HSDS service_at_location, flattened)."""

    id: str
    name: str
    category: str
    country: str
    organization: str = ""
    phone: str = ""  # E.164
    address: str = ""
    city: str = ""
    region: str = ""
    postal_code: str = ""
    latitude: float | None = None
    longitude: float | None = None
    languages: tuple[str, ...] = ()
    hours: str = ""  # canonical: '24/7' or 'mon-fri 09:00-18:00; sat 10:00-14:00'
    timezone: str = "UTC"
    cost: str = "free"
    eligibility: str = ""
    description: str = ""
    alternate_name: str = ""  # the name in the other script (HSDS alternate_name)
    alternate_address: str = ""
    source: str = ""  # where it came from: a file's name, or the HSDS API it is synced from

    def to_json(self) -> str:
        """The entry as compact JSON (keys sorted, so equal entries give equal text)."""
        return json.dumps(asdict(self), ensure_ascii=False, sort_keys=True,
                          separators=(",", ":"))

    @classmethod
    def from_json(cls, text: str | bytes) -> Entry:
        """Rebuild an entry from to_json(); unknown keys are ignored."""
        data = json.loads(text)
        known = {k: data[k] for k in cls.__dataclass_fields__ if k in data}
        known["languages"] = tuple(known.get("languages") or ())
        return cls(**known)


def entry_id(name: str, address: str, city: str, country: str) -> str:
    """A stable id from what names a place: the same row imported twice has the same id."""
    key = "|".join(normalize(part) for part in (name, address, city, country))
    return hashlib.sha1(key.encode("utf-8")).hexdigest()[:16]


@dataclass
class StoreReport:
    """What an import changed."""

    added: int = 0
    updated: int = 0
    unchanged: int = 0
    removed: int = 0
    replaced: bool = False
    ids: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.added or self.updated or self.removed)


Keys = DirectoryKeys  # the directory's key names under a prefix (named in hotline.keys)


def _text(value: bytes | str | None) -> str | None:
    return value.decode("utf-8") if isinstance(value, bytes) else value


def _existing(conn: redis.Redis, key: str, ids: list[str]) -> dict[str, str | None]:
    out: dict[str, str | None] = {}
    for start in range(0, len(ids), _WRITE_CHUNK):
        chunk = ids[start:start + _WRITE_CHUNK]
        out.update(zip(chunk, (_text(v) for v in conn.hmget(key, chunk))))
    return out



def _count(report: StoreReport, old: Mapping[str, str | None], texts: dict[str, str]) -> None:
    """Count each entry as added, unchanged or updated against what was stored."""
    for entry_id_, text in texts.items():
        before = old.get(entry_id_)
        if before is None:
            report.added += 1
        elif before == text:
            report.unchanged += 1
        else:
            report.updated += 1


def store_entries(conn: redis.Redis, prefix: str, entries: list[Entry],
                  replace: bool = False) -> StoreReport:
    """Save entries: add or update by id (nothing changes when nothing differs).

    With replace=True the directory becomes exactly `entries`, switched in one step.
    """
    keys = Keys(prefix)
    texts = {e.id: e.to_json() for e in entries}
    current = _text(conn.get(keys.current))
    gen_key = keys.generation(current) if current else ""
    old = _existing(conn, gen_key, list(texts)) if gen_key else {}
    report = StoreReport(replaced=replace, ids=list(texts))
    _count(report, old, texts)
    if replace:
        stale = conn.hlen(gen_key) - report.updated - report.unchanged if gen_key else 0
        report.removed = max(0, stale)
        if not report.changed:
            return report
        return _replace(conn, keys, texts, current, report)
    if not report.changed:
        return report
    if not gen_key:
        return _replace(conn, keys, texts, None, report)
    changed: list[tuple[Any, Any]] = [(k, v) for k, v in texts.items() if old.get(k) != v]
    with conn.pipeline(transaction=True) as pipe:
        for start in range(0, len(changed), _WRITE_CHUNK):
            pipe.hset(gen_key, mapping=dict(changed[start:start + _WRITE_CHUNK]))
        pipe.incr(keys.rev)
        pipe.execute()
    return report


def _replace(conn: redis.Redis, keys: Keys, texts: dict[str, str], old_gen: str | None,
             report: StoreReport) -> StoreReport:
    """Write a new generation out of sight, then switch `current` to it in one MULTI."""
    gen = uuid.uuid4().hex[:12]
    new_key = keys.generation(gen)
    items: list[tuple[Any, Any]] = list(texts.items())
    with conn.pipeline(transaction=False) as pipe:
        for start in range(0, len(items), _WRITE_CHUNK):
            pipe.hset(new_key, mapping=dict(items[start:start + _WRITE_CHUNK]))
        pipe.execute()
    with conn.pipeline(transaction=True) as pipe:
        pipe.set(keys.current, gen)
        pipe.incr(keys.rev)
        if old_gen:
            pipe.expire(keys.generation(old_gen), OLD_GENERATION_TTL)
        pipe.execute()
    return report


def replace_source(conn: redis.Redis, prefix: str, source: str,
                   entries: list[Entry]) -> StoreReport:
    """Make the entries of one source exactly `entries`, in one step; other sources stay.

    The new generation is the current one without this source's entries, plus `entries`;
    it is switched in with WATCH on the directory's counter, so a change made meanwhile
    (an import, an edit) is never lost: the merge is simply done again.
    """
    keys = Keys(prefix)
    texts = {e.id: e.to_json() for e in entries}
    new_key = ""
    while True:
        with conn.pipeline(transaction=True) as pipe:
            try:
                pipe.watch(keys.current, keys.rev)  # type: ignore[no-untyped-call]
                current = _text(pipe.get(keys.current))
                old_raw = pipe.hgetall(keys.generation(current)) if current else {}
                old = {_text(k) or "": _text(v) or "" for k, v in old_raw.items()}
                report = StoreReport(ids=list(texts))
                merged: dict[str, str] = {}
                for entry_id_, text in old.items():
                    if Entry.from_json(text).source == source and entry_id_ not in texts:
                        report.removed += 1
                    elif entry_id_ not in texts:
                        merged[entry_id_] = text
                _count(report, old, texts)
                merged.update(texts)
                if not report.changed:
                    pipe.unwatch()
                    return report
                gen = uuid.uuid4().hex[:12]
                new_key = keys.generation(gen)
                items: list[tuple[Any, Any]] = list(merged.items())
                for start in range(0, len(items), _WRITE_CHUNK):
                    # written before MULTI, out of sight until `current` names it
                    conn.hset(new_key, mapping=dict(items[start:start + _WRITE_CHUNK]))
                pipe.multi()
                pipe.set(keys.current, gen)
                pipe.incr(keys.rev)
                if current:
                    pipe.expire(keys.generation(current), OLD_GENERATION_TTL)
                pipe.execute()
                return report
            except redis.WatchError:
                if new_key:
                    conn.delete(new_key)
                continue


def load_entries(conn: redis.Redis, prefix: str) -> tuple[int, list[Entry]]:
    """Return (revision, every entry) of the directory now served."""
    keys = Keys(prefix)
    for _ in range(3):
        with conn.pipeline(transaction=True) as pipe:
            pipe.get(keys.rev)
            pipe.get(keys.current)
            rev_raw, gen = pipe.execute()
        if not gen:
            return int(rev_raw or 0), []
        raw = conn.hgetall(keys.generation(gen.decode()))
        if raw or conn.get(keys.current) == gen:
            return int(rev_raw or 0), [Entry.from_json(v) for v in raw.values()]
    return int(rev_raw or 0), []


def revision(conn: redis.Redis, prefix: str) -> str:
    """The directory's version: its generation and change counter ('' when empty)."""
    keys = Keys(prefix)
    return revision_of(*conn.mget([keys.current, keys.rev]))


def revision_of(gen: bytes | str | None, rev: bytes | str | None) -> str:
    """revision() of the two values as read (conversation.arrival reads them with a
    text's or call's first read)."""
    return f"{_text(gen) or ''}:{_text(rev) or 0}"


__all__ = ["CATEGORIES", "COSTS", "Entry", "StoreReport", "entry_id",
           "load_entries", "replace_source", "revision", "revision_of", "store_entries"]
