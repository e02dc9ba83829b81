"""Searching the directory: the place a caller named first, then the nearest elsewhere.

The index lives in the process and is rebuilt when the directory changes
(get_index, below). For each place and category it keeps the entries in
that place sorted by distance from the place's centre, so "entries in Gangnam" is a
walk down one list; "nearest elsewhere" visits the neighbouring places by distance.
"""

from __future__ import annotations

import gc
import heapq
import math
import threading
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

import redis

from hotline.directory.gazetteer import Gazetteer, Place, Resolution, haversine_km, normalize
from hotline.directory.hours import Hours, HoursError, local_time, parse_hours
from hotline.directory.store import CATEGORIES, Entry, load_entries, revision

NEIGHBOUR_PLACES = 40  # at most this many neighbouring places are looked through
NEARBY_KM = 500.0  # how far "nearest elsewhere" reaches by default
COUNTRY_KM = 5000.0  # "anywhere in the country" (the search never crosses a border)
LIKELY_KM = 60.0  # an entry's coordinates this close to a same-named place put it there
_FAR = math.inf
ALL = "*"  # the index key of the lists that hold every category
_EVERY = frozenset(CATEGORIES)


@dataclass(frozen=True)
class Hit:
    """One result: the entry, how far from the place asked for, and whether it is in it."""

    entry: Entry
    distance_km: float | None
    in_place: bool


@dataclass(frozen=True)
class SearchResult:
    """What a search found: the place it understood (or the choices), and a page of hits."""

    resolution: Resolution
    hits: tuple[Hit, ...] = ()
    more: bool = False
    offset: int = 0

    @property
    def status(self) -> str:
        """ok, ambiguous (ask which place), no_place (name not known), none (no entries)."""
        if self.resolution.ambiguous:
            return "ambiguous"
        if self.hits:
            return "ok"
        return "none" if self.resolution.place or self.resolution.postal else "no_place"


@dataclass
class _Filter:
    language: str | None
    open_now: bool
    now: float
    hours: list[Hours]
    _clock: dict[str, tuple[int, int]] = field(default_factory=dict)

    def ok(self, index: Index, i: int) -> bool:
        entry = index.entries[i]
        if self.language and self.language not in entry.languages:
            return False
        if self.open_now:
            hours = self.hours[i]
            if not hours.known:
                return False
            if not hours.always:
                clock = self._clock.get(entry.timezone)
                if clock is None:
                    clock = self._clock[entry.timezone] = local_time(self.now, entry.timezone)
                if not hours.is_open(*clock):
                    return False
        return True


class Index:
    """Entries placed in the gazetteer, with per-place, per-category lists by distance."""

    def __init__(self, entries: list[Entry], base: Gazetteer | None = None):
        self.entries = sorted(entries, key=lambda e: e.id)
        self.gazetteer = base or Gazetteer.builtin()
        self.home: list[str] = []
        self.hours: list[Hours] = []
        self.points: list[tuple[float, float] | None] = []
        self.members: dict[tuple[str, str], list[tuple[float, int]]] = {}
        self.homed: dict[tuple[str, str], list[tuple[float, int]]] = {}  # home place only
        self.postal: dict[str, list[int]] = {}
        self._near: dict[str, list[tuple[float, str]]] = {}
        self._build()

    def _build(self) -> None:
        parsed: dict[str, Hours] = {}
        dynamic: dict[str, list[int]] = {}
        for i, entry in enumerate(self.entries):
            home = self._locate(entry, dynamic, i)
            self.home.append(home)
            if entry.hours not in parsed:
                try:
                    parsed[entry.hours] = parse_hours(entry.hours)
                except HoursError:
                    parsed[entry.hours] = Hours()
            self.hours.append(parsed[entry.hours])
            if entry.postal_code:
                self.postal.setdefault(normalize(entry.postal_code), []).append(i)
        for pid, members in dynamic.items():  # a place only entries know: centre of its entries
            points = [(e.latitude, e.longitude) for e in (self.entries[i] for i in members)
                      if e.latitude is not None and e.longitude is not None]
            place = self.gazetteer.places[pid]
            if points:
                lat = sum(p[0] for p in points) / len(points)
                lon = sum(p[1] for p in points) / len(points)
                self.gazetteer.add(Place(pid, place.parent, place.kind, place.country, lat, lon,
                                         place.names, place.aliases))
        for i, entry in enumerate(self.entries):
            point: tuple[float, float] | None = None
            if entry.latitude is not None and entry.longitude is not None:
                point = (entry.latitude, entry.longitude)
            else:
                centre = self.gazetteer.places.get(self.home[i])
                if centre and centre.lat is not None and centre.lon is not None:
                    point = (centre.lat, centre.lon)
            self.points.append(point)
            for pid in self.gazetteer.lineage(self.home[i]):
                place = self.gazetteer.places[pid]
                member = (self._distance(place, point), i)
                self.members.setdefault((pid, entry.category), []).append(member)
                if pid == self.home[i]:
                    self.homed.setdefault((pid, entry.category), []).append(member)
        for table in (self.members, self.homed):
            # Every category at once (a search without one): merged here once, not per search.
            merged: dict[tuple[str, str], list[tuple[float, int]]] = {}
            for (pid, _), ranked in table.items():
                merged.setdefault((pid, ALL), []).extend(ranked)
            table.update(merged)
        for ranked in (*self.members.values(), *self.homed.values()):
            ranked.sort()
        self.radius: dict[str, float] = {}
        self._centres: list[tuple[str, float, float, float]] = []
        for pid in set(self.home):
            lists = [self.homed.get((pid, c), []) for c in CATEGORIES]
            far = [m[-1][0] for m in lists if m]
            known = self.gazetteer.places.get(pid)
            if far and known is not None and known.lat is not None and known.lon is not None:
                self.radius[pid] = max(far)
                self._centres.append((pid, math.radians(known.lat), math.radians(known.lon),
                                      max(far)))
        self._centres.sort()  # a fixed order, so equal bounds sort the same every time
        self._columns = tuple(list(column) for column in zip(*self._centres)) or ([], [], [], [])

    @staticmethod
    def _distance(place: Place, point: tuple[float, float] | None) -> float:
        if point is None or place.lat is None or place.lon is None:
            return _FAR
        return haversine_km(place.lat, place.lon, point[0], point[1])

    def _locate(self, entry: Entry, dynamic: dict[str, list[int]], i: int) -> str:
        """Find an entry's most specific place: district, city, region, country."""
        gaz = self.gazetteer
        country = entry.country.lower()
        home = country if country in gaz.places else ""

        def within(name: str, under: str) -> str:
            ids = [p for p in gaz.exact(name) if gaz.places[p].country == entry.country]
            if under and gaz.places[under].kind != "country":
                ids = [p for p in ids if under in gaz.lineage(p)]
            return ids[0] if len(ids) == 1 else self._likeliest(entry, ids)

        region = within(entry.region, home) if entry.region else ""
        home = region or home
        city = within(entry.city, home) if entry.city else ""
        if entry.city and not city:
            pid = f"{country}-x-{normalize(entry.city)}"
            if pid not in gaz.places:
                gaz.add(Place(pid, home, "city", entry.country, None, None,
                              {"_": entry.city.strip()}, (entry.city,)))
            dynamic.setdefault(pid, []).append(i)
            return pid
        home = city or home
        for word in entry.address.replace(",", " ").split():
            district = within(word, home) if home else ""
            if district and district != home:
                return district
        if entry.postal_code and home:  # a district known by its postal code (90010: Koreatown)
            found = gaz.resolve(entry.postal_code, entry.country)
            if found.place and home in gaz.lineage(found.place.id):
                return found.place.id
        return home

    def _likeliest(self, entry: Entry, ids: list[str]) -> str:
        """Of several places an entry's city or region may name ('광주': the metropolitan
        city, or 광주시 in Gyeonggi), the one it is in: nearest to its coordinates, else the
        one its postal code points to, else the only one at the highest level; else ''."""
        if len(ids) < 2:
            return ""
        gaz = self.gazetteer
        if entry.latitude is not None and entry.longitude is not None:
            point = (entry.latitude, entry.longitude)
            near = sorted((self._distance(gaz.places[p], point), p) for p in ids)
            if near and near[0][0] <= LIKELY_KM:
                return near[0][1]
        if entry.postal_code:
            found = gaz.resolve(entry.postal_code, entry.country).place
            mine = [p for p in ids if found is not None and found.id in gaz.lineage(p)
                    or found is not None and p in gaz.lineage(found.id)]
            if len(mine) == 1:
                return mine[0]
        depth = {p: len(gaz.lineage(p)) for p in ids}
        top = [p for p in ids if depth[p] == min(depth.values())]
        return top[0] if len(top) == 1 else ""

    def nearest_places(self, place: Place) -> list[tuple[float, str]]:
        """Places entries call home, by the least distance any of those entries can be.

        Uses a flat-earth distance, shrunk by 5% so it never overstates the true one
        within the few hundred kilometres "nearby" reaches; computed once per place.
        """
        cached = self._near.get(place.id)
        if cached is None:
            cached = []
            if place.lat is not None and place.lon is not None:
                # One comprehension over columns: the first search near a place pays for
                # this, so it is kept to a fraction of a millisecond per thousand places.
                lat1, lon1 = math.radians(place.lat), math.radians(place.lon)
                pi, tau, cos, hypot, k = math.pi, 2 * math.pi, math.cos, math.hypot, 0.95 * 6371.0
                pids, lats, lons, radii = self._columns
                bounds = [k * hypot(((lon2 - lon1 + pi) % tau - pi) * cos((lat1 + lat2) * 0.5),
                                    lat2 - lat1) - radius
                          for lat2, lon2, radius in zip(lats, lons, radii)]
                cached = sorted(zip([max(0.0, b) for b in bounds], pids))
            self._near[place.id] = cached
        return cached

    def _in_place(self, pid: str, categories: tuple[str, ...],
                  home_only: bool = False) -> Iterator[tuple[float, int]]:
        table = self.homed if home_only else self.members
        if len(categories) == len(CATEGORIES) and set(categories) == _EVERY:
            return iter(table.get((pid, ALL), ()))
        lists = [table.get((pid, c), []) for c in categories]
        lists = [m for m in lists if m]
        if len(lists) == 1:
            return iter(lists[0])
        return heapq.merge(*lists)

    def search(self, query: str = "", *, category: str | Iterable[str] | None = None,
               language: str | None = None, open_now: bool = False,
               now: float | None = None, offset: int = 0, limit: int = 5,
               country: str = "", place_id: str = "",
               nearby_km: float = NEARBY_KM) -> SearchResult:
        """Search by the caller's words (or a known place id); return one page of hits."""
        gaz = self.gazetteer
        if place_id and place_id in gaz.places:
            resolution = Resolution(place=gaz.places[place_id], score=100.0)
        else:
            resolution = gaz.resolve(query, country)
        categories = ((category,) if isinstance(category, str)
                      else tuple(category) if category else CATEGORIES)
        filt = _Filter(language, open_now, time.time() if now is None else now, self.hours)
        need = offset + limit + 1
        found: list[Hit] = []
        seen: set[int] = set()
        if resolution.postal:
            resolution = self._postal_first(resolution, categories, filt, found, seen, need)
        place = resolution.place
        if place is None:
            return SearchResult(resolution, tuple(found[offset:offset + limit]),
                                len(found) > offset + limit, offset)
        for dist, i in self._in_place(place.id, categories):
            if len(found) >= need:
                break
            if i not in seen and filt.ok(self, i):
                seen.add(i)
                found.append(Hit(self.entries[i], None if dist == _FAR else dist, True))
        if len(found) < need and place.lat is not None and place.lon is not None:
            found.extend(self._elsewhere(place, categories, filt, seen, need - len(found),
                                         nearby_km))
        page = tuple(found[offset:offset + limit])
        return SearchResult(resolution, page, len(found) > offset + limit, offset)

    def _elsewhere(self, place: Place, categories: tuple[str, ...], filt: _Filter,
                   seen: set[int], need: int, nearby_km: float) -> list[Hit]:
        """The nearest entries outside the place within nearby_km of its centre, in the
        same country: a caller is never sent across a border they did not ask about."""
        assert place.lat is not None and place.lon is not None
        best: list[tuple[float, int]] = []  # max-heap by negated distance, `need` long
        visited = 0
        for bound, pid in self.nearest_places(place):
            if bound > nearby_km or visited >= NEIGHBOUR_PLACES:
                break
            if len(best) >= need and bound > -best[0][0]:
                break
            if place.country and self.gazetteer.places[pid].country != place.country:
                continue
            visited += 1
            taken = 0
            for _, i in self._in_place(pid, categories, home_only=True):
                if taken >= need:
                    break
                if i in seen or not filt.ok(self, i):
                    continue
                if place.country and self.entries[i].country != place.country:
                    continue
                point = self.points[i]
                if point is None:
                    continue
                dist = haversine_km(place.lat, place.lon, point[0], point[1])
                if dist > nearby_km:
                    continue
                seen.add(i)
                taken += 1
                if len(best) < need:
                    heapq.heappush(best, (-dist, i))
                elif dist < -best[0][0]:
                    heapq.heapreplace(best, (-dist, i))
        return [Hit(self.entries[i], -neg, False) for neg, i in sorted(best, reverse=True)]

    def _postal_first(self, resolution: Resolution, categories: tuple[str, ...],
                      filt: _Filter, found: list[Hit], seen: set[int], need: int) -> Resolution:
        """Entries with exactly the postal code asked for come first."""
        exact = [i for i in self.postal.get(normalize(resolution.postal), ())
                 if self.entries[i].category in categories]
        if resolution.ambiguous and exact:  # the code's own entries say which country
            countries = {self.entries[i].country for i in exact}
            choices = [p for p in resolution.choices if p.country in countries]
            if len(choices) == 1:
                resolution = Resolution(place=choices[0], postal=resolution.postal, score=100.0)
        place = resolution.place
        if place is None and exact:
            place = self.gazetteer.places.get(self.home[exact[0]])
            resolution = Resolution(place=place, postal=resolution.postal, score=100.0)
        hits = []
        for i in exact:
            if filt.ok(self, i):
                point = self.points[i]
                dist = None
                if place and place.lat is not None and place.lon is not None and point:
                    dist = haversine_km(place.lat, place.lon, point[0], point[1])
                hits.append(Hit(self.entries[i], dist, True))
                seen.add(i)
        hits.sort(key=lambda h: (h.distance_km is None, h.distance_km or 0.0))
        found.extend(hits[:need])
        return resolution


_indexes: dict[tuple[str, str], tuple[str, Index]] = {}
_lock = threading.Lock()


def _conn_id(conn: redis.Redis) -> str:
    kwargs = conn.connection_pool.connection_kwargs
    return repr(sorted((k, str(v)) for k, v in kwargs.items()
                       if k in {"host", "port", "db", "path", "unix_socket_path"}))


def get_index(conn: redis.Redis, prefix: str, rev: str | None = None) -> Index:
    """The in-process search index, rebuilt from Redis when the directory has changed.

    `rev`: the directory's version when already read (store.revision's form), else it is
    read here."""
    key = (_conn_id(conn), prefix)
    if rev is None:
        rev = revision(conn, prefix)
    cached = _indexes.get(key)
    if cached and cached[0] == rev:
        return cached[1]
    with _lock:
        cached = _indexes.get(key)
        if cached and cached[0] == rev:
            return cached[1]
        _, entries = load_entries(conn, prefix)
        index = Index(entries)
        # The index lives long: keep the cyclic GC from walking its objects on every
        # collection (a 100k index otherwise costs collection pauses of 100+ ms).
        gc.freeze()
        _indexes[key] = (rev, index)  # if it changed while loading, the next search reloads
        return index
