"""Changing one directory entry by hand (the staff pages): find, edit, remove.

An edit goes through the same row check as an import (directory_import.build_entry), so a
hand-edited entry obeys the CSV rules. Every change is one MULTI on the generation now
served, and bumps the directory's revision, so every process rebuilds its search index.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import redis

from hotline.directory.gazetteer import normalize
from hotline.directory.importer import build_entry
from hotline.directory.rows import CSV_HEADER
from hotline.directory.search import get_index
from hotline.directory.store import Entry, Keys, load_entries


class EditError(ValueError):
    """The change was refused; `problems` says why (nothing was changed)."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("; ".join(problems))


def _generation(conn: redis.Redis, prefix: str) -> str:
    keys = Keys(prefix)
    gen = conn.get(keys.current)
    if not gen:
        raise EditError(["the directory is empty: upload a file first"])
    return keys.generation(gen.decode() if isinstance(gen, bytes) else str(gen))


def get_entry(conn: redis.Redis, prefix: str, entry_id: str) -> Entry | None:
    """Return the entry with this id in the directory now served, or None."""
    gen = conn.get(Keys(prefix).current)
    if not gen or not entry_id:
        return None
    raw = conn.hget(Keys(prefix).generation(gen.decode()), entry_id[:32])  # type: ignore[union-attr]
    return Entry.from_json(raw) if isinstance(raw, (bytes, str)) else None


def as_row(entry: Entry) -> dict[str, str]:
    """The entry as the CSV fields of an import row (what the edit form shows)."""
    return {
        "name": entry.name, "category": entry.category, "phone": entry.phone,
        "address": entry.address, "city": entry.city, "region": entry.region,
        "country": entry.country, "postal_code": entry.postal_code,
        "latitude": "" if entry.latitude is None else f"{entry.latitude:g}",
        "longitude": "" if entry.longitude is None else f"{entry.longitude:g}",
        "languages": ";".join(entry.languages), "hours": entry.hours, "cost": entry.cost,
        "description": entry.description,
    }


def find_entries(conn: redis.Redis, prefix: str, text: str = "",
                 limit: int = 50) -> tuple[int, list[Entry]]:
    """Entries whose name, address, city, region, postal code, category or phone contain
    every word of `text` (any case); return (how many matched, the first `limit` by name)."""
    words = [normalize(w) for w in text.split() if normalize(w)]
    _, entries = load_entries(conn, prefix)
    hits = []
    for entry in entries:
        hay = normalize(" ".join((entry.name, entry.organization, entry.address, entry.city,
                                  entry.region, entry.postal_code, entry.category,
                                  entry.country, entry.phone)))
        if all(w in hay for w in words):
            hits.append(entry)
    hits.sort(key=lambda e: (e.name.casefold(), e.city.casefold(), e.id))
    return len(hits), hits[:limit]


@dataclass(frozen=True)
class StaffSearch:
    """What the staff page's search found: `places` the callers' search understood (with
    "ko / en" labels), then `entries`: what a caller asking for that place would be
    given first, and every entry whose own text holds the words; `matched` counts both."""

    matched: int
    entries: list[Entry]
    places: list[str] = field(default_factory=list)
    by_place: frozenset[str] = frozenset()


def search_entries(conn: redis.Redis, prefix: str, text: str = "",
                   limit: int = 50) -> StaffSearch:
    """The staff search is the callers' search: a place name, a misspelt one or a postal
    code (seoul, 강남, 서을, 06236) finds what a caller asking for it would be told (in the
    place, else the nearest), and any words also find entries by their own text."""
    _, by_text = find_entries(conn, prefix, text, limit=10**6)
    if not text.strip():
        return StaffSearch(len(by_text), by_text[:limit])
    index = get_index(conn, prefix)
    found = index.search(text, limit=limit)
    results = [found] if not found.resolution.ambiguous else [
        index.search(place_id=p.id, limit=limit) for p in found.resolution.choices[:5]]
    gaz = index.gazetteer
    places = [p for p in ([found.resolution.place] if found.resolution.place else
                          found.resolution.choices[:5]) if p is not None]
    first: list[Entry] = []
    seen: set[str] = set()
    for result in results:
        hits = [h for h in result.hits if h.in_place] or list(result.hits)
        for hit in hits:
            if hit.entry.id not in seen:
                seen.add(hit.entry.id)
                first.append(hit.entry)
    by_place = frozenset(seen)
    rest = [e for e in by_text if e.id not in seen]
    labels = [f"{gaz.label(p, 'ko')} / {gaz.label(p, 'en')}" for p in places]
    return StaffSearch(len(first) + len(rest), (first + rest)[:limit], labels, by_place)


def update_entry(conn: redis.Redis, prefix: str, entry_id: str,
                 row: dict[str, str]) -> Entry:
    """Replace one entry by the checked `row` (CSV fields); EditError lists the problems.

    A new name or address gives the entry a new id (ids come from them); it may not take
    the place of another entry.
    """
    old = get_entry(conn, prefix, entry_id)
    if old is None:
        raise EditError(["this entry is no longer in the directory"])
    fields = {name: str(row.get(name, "") or "") for name in CSV_HEADER}
    entry, problems = build_entry(fields)
    if entry is None:
        raise EditError(problems)
    # Fields the form does not show stay as they were (an organization set apart from the
    # name, eligibility, the other-language name, the source); dataclasses.replace keeps
    # the entry frozen.
    keep_org = old.organization and old.organization != old.name
    entry = replace(entry, eligibility=old.eligibility,
                    organization=old.organization if keep_org else entry.name,
                    alternate_name=old.alternate_name,
                    alternate_address=old.alternate_address, source=old.source)
    key = _generation(conn, prefix)
    if entry.id != old.id and conn.hexists(key, entry.id):
        raise EditError(["another entry has the same name and address"])
    with conn.pipeline(transaction=True) as pipe:
        if entry.id != old.id:
            pipe.hdel(key, old.id)
        pipe.hset(key, entry.id, entry.to_json())
        pipe.incr(Keys(prefix).rev)
        pipe.execute()
    return entry


def remove_entry(conn: redis.Redis, prefix: str, entry_id: str) -> Entry | None:
    """Remove one entry from the directory now served; return it, or None if it was gone."""
    entry = get_entry(conn, prefix, entry_id)
    if entry is None:
        return None
    with conn.pipeline(transaction=True) as pipe:
        pipe.hdel(_generation(conn, prefix), entry.id)
        pipe.incr(Keys(prefix).rev)
        pipe.execute()
    return entry


__all__ = ["EditError", "as_row", "find_entries", "get_entry", "remove_entry",
           "update_entry"]
