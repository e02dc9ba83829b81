"""Places: find the place a caller named (with typos, any script) or the postal code given.

Names are compared after folding case, width, spaces and punctuation; fuzzy matching
(rapidfuzz) runs on Hangul split into letters (jamo), so one wrong vowel is a small
difference, as it is in Latin script.
"""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass, field

from rapidfuzz import fuzz, process

from hotline.directory.place_data import PLACES
from hotline.directory.romanize import has_hangul, romanize

# Digits in a postal code, by country; a code is only matched against its own countries.
POSTAL_LENGTH = {"KR": 5, "US": 5, "TH": 5, "LA": 5, "MN": 5, "KH": 5, "CN": 6, "RU": 6,
                 "VN": 6}
FUZZY_CUTOFF = 80.0  # rapidfuzz ratio (0-100) below which a name is not a match
_SUFFIXES = ("특별시", "광역시", "시", "구", "군", "도", "주")
# Words a caller may add around a place name: "강남구에서", "서울 근처", "near Seoul".
_FILLERS = ("근처", "부근", "쪽", "이요", "에서", "에요", "예요", "입니다", "이에요", "요", "에")
_STOPWORDS = {"near", "in", "around", "the", "city", "area"}


def normalize(text: str) -> str:
    """Fold width and case, keep only letters and digits: 'Los  Angeles' -> 'losangeles'."""
    folded = unicodedata.normalize("NFKC", text or "").casefold()
    return "".join(ch for ch in folded if ch.isalnum())


def fuzzy_key(text: str) -> str:
    """Return the form names are fuzzily compared in: Hangul split into its letters."""
    return unicodedata.normalize("NFKD", normalize(text))


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in kilometres."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 12742.0 * math.asin(min(1.0, math.sqrt(a)))


@dataclass(frozen=True)
class Place:
    """A named place: its parent (district -> city -> country), centre and names."""

    id: str
    parent: str
    kind: str
    country: str
    lat: float | None
    lon: float | None
    names: dict[str, str]
    aliases: tuple[str, ...] = ()
    postal: tuple[str, ...] = ()

    def name(self, language: str) -> str:
        """The place's name in a language (else English, else any)."""
        return (self.names.get(language) or self.names.get("en")
                or next(iter(self.names.values()), self.id))


@dataclass(frozen=True)
class Resolution:
    """What a caller's words named: one place, several equally good ones, or nothing."""

    place: Place | None = None
    choices: tuple[Place, ...] = ()
    postal: str = ""
    score: float = 0.0

    @property
    def ambiguous(self) -> bool:
        return len(self.choices) > 1


def _parse_line(line: str) -> Place:
    pid, parent, kind, coords, ko, en, other, postal = (p.strip() for p in line.split("|"))
    lat, lon = (float(x) for x in coords.split(","))
    split = [[n.strip() for n in part.split(",") if n.strip()] for part in (ko, en, other)]
    aliases = [*split[0], *split[1], *split[2]]
    for name in split[0]:
        for suffix in _SUFFIXES:
            stem = name[: -len(suffix)]
            if name.endswith(suffix) and len(stem) >= 2:
                aliases.append(stem)
                break
    names = {"ko": split[0][0] if split[0] else "", "en": split[1][0] if split[1] else ""}
    for name in split[2]:
        script = "ru" if re.search("[А-я]", name) else "zh"
        names.setdefault(script, name)
    return Place(pid, parent, kind, pid[:2].upper(), lat, lon,
                 {k: v for k, v in names.items() if v}, tuple(aliases),
                 tuple(p for p in postal.split(",") if p))


@dataclass
class Gazetteer:
    """Places by id with their names indexed for exact, fuzzy and postal look-up."""

    places: dict[str, Place] = field(default_factory=dict)
    _names: dict[str, list[str]] = field(default_factory=dict)
    _fuzzy: dict[str, list[str]] = field(default_factory=dict)
    _fuzzy_keys: list[str] = field(default_factory=list)
    _postal: dict[str, list[str]] = field(default_factory=dict)

    @classmethod
    def builtin(cls, extra: list[Place] | None = None) -> Gazetteer:
        """The shipped gazetteer, plus extra places (e.g. entry cities it does not know)."""
        places = [_parse_line(line) for line in PLACES.strip().splitlines() if line.strip()]
        gazetteer = cls()
        for place in [*places, *(extra or [])]:
            gazetteer.add(place)
        return gazetteer

    def add(self, place: Place) -> None:
        """Add a place and index its names and postal prefixes.

        A place known only by Korean names (a town a directory file names in Hangul) is
        also indexed by their romanisation, so 'Gimhae' finds 김해시.
        """
        self.places[place.id] = place
        latin = any(re.search("[A-Za-z]", alias) for alias in place.aliases)
        for alias in place.aliases:
            key = normalize(alias)
            if key and place.id not in self._names.setdefault(key, []):
                self._names[key].append(place.id)
                if len(key) >= 3:
                    self._add_fuzzy(fuzzy_key(alias), place.id)
                if not latin and has_hangul(key):
                    self._add_fuzzy(romanize(key), place.id)
        for prefix in place.postal:
            self._postal.setdefault(prefix, []).append(place.id)

    def _add_fuzzy(self, fkey: str, place_id: str) -> None:
        ids = self._fuzzy.get(fkey)
        if ids is None:
            self._fuzzy_keys.append(fkey)
            ids = self._fuzzy[fkey] = []
        if place_id not in ids:
            ids.append(place_id)

    def lineage(self, place_id: str) -> list[str]:
        """The place and its ancestors, nearest first."""
        out: list[str] = []
        while place_id and place_id in self.places and place_id not in out:
            out.append(place_id)
            place_id = self.places[place_id].parent
        return out

    def exact(self, name: str) -> list[str]:
        """Ids of the places with exactly this name (after folding)."""
        return list(self._names.get(normalize(name), ()))

    def label(self, place: Place, language: str) -> str:
        """A name that tells same-named places apart: '서울 중구', 'Jung-gu, Seoul'."""
        parent = self.places.get(place.parent)
        if place.kind != "district" or parent is None:
            return place.name(language)
        if language in {"ko", "zh"}:
            return f"{parent.name(language)} {place.name(language)}"
        return f"{place.name(language)}, {parent.name(language)}"

    def choice_labels(self, places: tuple[Place, ...] | list[Place], language: str) -> list[str]:
        """Names for the places a caller must choose between, each with its parent when it
        has one below the country, so that 광주 and 경기도 광주시 do not read alike."""
        out = []
        for place in places:
            parent = self.places.get(place.parent)
            if place.kind == "district" or parent is None or parent.kind == "country":
                out.append(self.label(place, language))
            elif language in {"ko", "zh"}:
                out.append(f"{parent.name(language)} {place.name(language)}")
            else:
                out.append(f"{place.name(language)}, {parent.name(language)}")
        return out

    def resolve(self, query: str, country: str = "") -> Resolution:
        """Find the place a caller named; `country` (ISO) breaks ties between countries."""
        text = (query or "").strip()
        postal = re.sub(r"\s", "", text)
        if re.fullmatch(r"\d{5}(-\d{4})?|\d{6}", postal):
            return self._resolve_postal(postal[:6].split("-")[0], country)
        key = normalize(text)
        if not key:
            return Resolution()
        if key in self._names:
            return self._pick(self._names[key], 100.0, country)
        tokens = [t for t in (self._clean(t) for t in re.split(r"[\s,/·]+", text)) if t]
        whole = self._token(self._clean(text) or key, country)
        if len(tokens) > 1:
            combined, agree = self._combine(tokens, country)
            # Two words that agree ('서울 중구') beat a fuzzy match of the whole text.
            if agree >= 2 or not (whole.place or whole.choices):
                return combined
        return whole

    @staticmethod
    def _clean(word: str) -> str:
        key = normalize(word)
        if key in _STOPWORDS:
            return ""
        for filler in _FILLERS:
            if key.endswith(filler) and len(key) > len(filler) + 1:
                key = key[: -len(filler)]
        return key

    def _token(self, key: str, country: str) -> Resolution:
        """Resolve one word: exactly, else the best fuzzy match above the cut-off."""
        if key in self._names:
            return self._pick(self._names[key], 100.0, country)
        matches = []
        if len(key) >= 3:
            matches = process.extract(fuzzy_key(key), self._fuzzy_keys, scorer=fuzz.ratio,
                                      limit=8, score_cutoff=FUZZY_CUTOFF)
        if not matches and has_hangul(key):  # 타코마: a town the directory names in Latin
            matches = process.extract(romanize(key), self._fuzzy_keys, scorer=fuzz.ratio,
                                      limit=8, score_cutoff=FUZZY_CUTOFF)
        if not matches:
            return Resolution()
        best = matches[0][1]
        ids = [pid for name, score, _ in matches if score == best for pid in self._fuzzy[name]]
        return self._pick(ids, best, country)

    def _combine(self, tokens: list[str], country: str) -> tuple[Resolution, int]:
        """Several words ('서울 중구', 'Koreatown LA'): the place most words agree with."""
        per_token = [self._token(t, country) for t in tokens]
        candidates: dict[str, float] = {}
        for found in per_token:
            for place in (found.choices or ((found.place,) if found.place else ())):
                candidates[place.id] = max(candidates.get(place.id, 0.0), found.score)
        if not candidates:
            return Resolution(), 0

        def support(pid: str) -> tuple[int, int]:
            lineage = set(self.lineage(pid))
            agree = sum(1 for found in per_token
                        if any(p.id in lineage for p in (found.choices or (
                            (found.place,) if found.place else ()))))
            return agree, len(lineage)  # more words agreeing, then the most specific place

        ranked = sorted(candidates, key=support, reverse=True)
        top = support(ranked[0])
        best = [pid for pid in ranked if support(pid) == top]
        return self._pick(best, min(candidates[p] for p in best), country), top[0]

    def _pick(self, ids: list[str], score: float, country: str) -> Resolution:
        ids = list(dict.fromkeys(ids))
        # A place and its own ancestor named alike ('제주' city and province): the wider one.
        ids = [p for p in ids if not any(o != p and o in self.lineage(p) for o in ids)]
        if len(ids) > 1 and country:
            local = [p for p in ids if self.places[p].country == country.upper()]
            if local and len({self.places[p].country for p in ids}) > 1:
                ids = local
        places = tuple(self.places[p] for p in ids)
        if len(places) == 1:
            return Resolution(place=places[0], score=score)
        return Resolution(choices=places, score=score)

    def _resolve_postal(self, code: str, country: str) -> Resolution:
        """A postal code: the places whose prefix matches longest (Korea 5, US 5, CN/RU 6)."""
        best: dict[str, tuple[int, str]] = {}  # country -> (prefix length, place id)
        for size in range(len(code), 1, -1):
            for pid in self._postal.get(code[:size], ()):
                place_country = self.places[pid].country
                if POSTAL_LENGTH.get(place_country, len(code)) != len(code):
                    continue
                if place_country not in best or best[place_country][0] < size:
                    best[place_country] = (size, pid)
        if not best:
            return Resolution(postal=code)
        longest = max(size for size, _ in best.values())
        ids = [pid for size, pid in best.values() if size == longest]
        found = self._pick(ids, 100.0, country)
        return Resolution(found.place, found.choices, postal=code, score=100.0)


_BUILTIN: Gazetteer | None = None


def builtin() -> Gazetteer:
    """The shipped gazetteer, parsed once."""
    global _BUILTIN
    if _BUILTIN is None:
        _BUILTIN = Gazetteer.builtin()
    return _BUILTIN
