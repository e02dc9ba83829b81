"""Opening hours: parse "mon-fri 09:00-18:00; sat 10:00-14:00" or "24/7", and the timezone.

Times are local to the place; each entry carries an IANA timezone (zoneinfo), taken
from its country and, for countries with several zones, its region or longitude.
"""

from __future__ import annotations

import os
import re
import zoneinfo
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from zoneinfo import ZoneInfo

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_DAY_WORDS = {
    **{d: i for i, d in enumerate(DAYS)},
    **{name: i for i, name in enumerate(
        ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"))},
    **{name: i for i, name in enumerate(("mo", "tu", "we", "th", "fr", "sa", "su"))},
    **{ch: i for i, ch in enumerate("월화수목금토일")},
}
ALWAYS = "24/7"


class HoursError(ValueError):
    """Opening hours that cannot be read; the message says why."""


@dataclass(frozen=True)
class Hours:
    """Weekly opening times: (weekday 0=Mon, opens, closes) in minutes after local midnight.

    `closes` may pass 1440 (open past midnight). `always` means open day and night.
    """

    spans: tuple[tuple[int, int, int], ...] = ()
    always: bool = False

    @property
    def known(self) -> bool:
        return self.always or bool(self.spans)

    def is_open(self, weekday: int, minute: int) -> bool:
        """Is the place open at this local weekday and minute of the day?"""
        if self.always:
            return True
        for day, opens, closes in self.spans:
            if day == weekday and opens <= minute < closes:
                return True
            if (day + 1) % 7 == weekday and closes > 1440 and minute < closes - 1440:
                return True
        return False

    def text(self) -> str:
        """Return the canonical form: '24/7', or 'mon-fri 09:00-18:00; sat 10:00-14:00'."""
        if self.always:
            return ALWAYS
        return "; ".join(f"{days} {times}" for days, times in self.groups())

    def groups(self) -> list[tuple[str, str]]:
        """Return (days, times) pairs with runs of days sharing times: ('mon-fri', '09:00-18:00')."""
        by_day: dict[int, list[tuple[int, int]]] = {}
        for day, opens, closes in self.spans:
            by_day.setdefault(day, []).append((opens, closes))
        out: list[tuple[str, str]] = []
        day = 0
        while day < 7:
            if day not in by_day:
                day += 1
                continue
            times = sorted(by_day[day])
            last = day
            while last + 1 < 7 and sorted(by_day.get(last + 1, [])) == times:
                last += 1
            days = DAYS[day] if last == day else f"{DAYS[day]}-{DAYS[last]}"
            out.append((days, ",".join(f"{_hhmm(o)}-{_hhmm(c)}" for o, c in times)))
            day = last + 1
        return out


def _hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


_TIME = re.compile(r"^(\d{1,2})(?::(\d{2}))?$")


def _minutes(text: str) -> int:
    match = _TIME.match(text.strip())
    if not match:
        raise HoursError(f"'{text}' is not a time like 09:00")
    hours, minutes = int(match.group(1)), int(match.group(2) or 0)
    if hours > 24 or minutes > 59 or (hours == 24 and minutes):
        raise HoursError(f"'{text}' is not a time of day")
    return hours * 60 + minutes


def _days(text: str) -> list[int]:
    days: list[int] = []
    for part in text.split(","):
        part = part.strip().lower()
        if "-" in part or "~" in part:
            first, _, last = part.replace("~", "-").partition("-")
            if first.strip() not in _DAY_WORDS or last.strip() not in _DAY_WORDS:
                raise HoursError(f"'{part}' is not a range of days like mon-fri")
            start, end = _DAY_WORDS[first.strip()], _DAY_WORDS[last.strip()]
            days.extend((start + i) % 7 for i in range((end - start) % 7 + 1))
        elif part in _DAY_WORDS:
            days.append(_DAY_WORDS[part])
        elif part in {"daily", "everyday", "매일"}:
            days.extend(range(7))
        else:
            raise HoursError(f"'{part}' is not a day (mon, tue, ... sun)")
    return days


def parse_hours(text: str) -> Hours:
    """Read opening hours; empty means not known. Raise HoursError saying what is wrong."""
    text = (text or "").strip()
    if not text:
        return Hours()
    if text.lower().replace(" ", "") in {"24/7", "24시간", "24h", "always"}:
        return Hours(always=True)
    spans: list[tuple[int, int, int]] = []
    for clause in re.split(r"[;\n]", text):
        clause = clause.strip()
        if not clause:
            continue
        days_part, _, times_part = clause.partition(" ")
        if not times_part.strip():
            raise HoursError(f"'{clause}' needs days and times, like 'mon-fri 09:00-18:00'")
        days = _days(days_part)
        for span in times_part.replace(" ", "").split(","):
            opens_text, dash, closes_text = span.partition("-")
            if not dash:
                raise HoursError(f"'{span}' is not a time range like 09:00-18:00")
            opens, closes = _minutes(opens_text), _minutes(closes_text)
            if closes <= opens:
                closes += 1440  # open past midnight: 22:00-06:00
            if closes - opens > 1440:
                raise HoursError(f"'{span}' is longer than a day")
            spans.extend((day, opens, closes) for day in days)
    if not spans:
        raise HoursError("no opening times given")
    return Hours(spans=tuple(sorted(set(spans))))


# Time zones. Countries with one zone; then countries split by region or longitude.
_COUNTRY_ZONES = {
    "KR": "Asia/Seoul", "CN": "Asia/Shanghai", "JP": "Asia/Tokyo", "TH": "Asia/Bangkok",
    "LA": "Asia/Vientiane", "VN": "Asia/Ho_Chi_Minh", "KH": "Asia/Phnom_Penh",
    "MM": "Asia/Yangon", "MN": "Asia/Ulaanbaatar", "PH": "Asia/Manila", "HK": "Asia/Hong_Kong",
    "TW": "Asia/Taipei", "GB": "Europe/London", "DE": "Europe/Berlin", "CA": "America/Toronto",
}
_US_STATES = {
    "America/Los_Angeles": "CA WA OR NV california washington oregon nevada",
    "America/Denver": "CO UT NM MT WY ID colorado utah newmexico montana wyoming idaho",
    "America/Phoenix": "AZ arizona",
    "America/Chicago": "IL TX MN WI MO IA LA OK KS NE AR MS AL TN illinois texas minnesota "
                       "wisconsin missouri iowa louisiana oklahoma kansas nebraska arkansas "
                       "mississippi alabama tennessee",
    "America/New_York": "NY NJ PA MA CT RI VT NH ME MD DE DC VA WV NC SC GA FL OH MI IN KY "
                        "newyork newjersey pennsylvania massachusetts connecticut maryland "
                        "virginia georgia florida ohio michigan northcarolina",
    "America/Anchorage": "AK alaska",
    "Pacific/Honolulu": "HI hawaii",
}
_US_BY_REGION = {word.lower(): zone for zone, words in _US_STATES.items() for word in words.split()}
_RU_REGIONS = {
    "Asia/Vladivostok": "primorsky primorye приморский приморье vladivostok владивосток "
                        "khabarovsk хабаровский хабаровск 연해주 하바롭스크",
    "Asia/Yakutsk": "amur амурская blagoveshchensk благовещенск",
    "Asia/Irkutsk": "irkutsk иркутская иркутск",
    "Asia/Novosibirsk": "novosibirsk новосибирская новосибирск",
    "Asia/Yekaterinburg": "sverdlovsk свердловская yekaterinburg екатеринбург",
    "Asia/Sakhalin": "sakhalin сахалинская",
    "Europe/Moscow": "moscow москва saintpetersburg санктпетербург",
}
_RU_BY_REGION = {word: zone for zone, words in _RU_REGIONS.items() for word in words.split()}


def _key(text: str) -> str:
    return "".join(ch for ch in (text or "").casefold() if ch.isalnum())


def _lookup(table: dict[str, str], *names: str) -> str | None:
    """Find a zone by a whole name ('New York') or one of its words ('Primorsky Krai')."""
    for name in names:
        for key in (_key(name), *(_key(word) for word in (name or "").split())):
            if key in table:
                return table[key]
    return None


def timezone_for(country: str, region: str = "", city: str = "",
                 longitude: float | None = None) -> str:
    """Return the IANA zone of a place: by country, and for US/RU by region or city."""
    country = (country or "").upper()
    if country == "US":
        zone = _lookup(_US_BY_REGION, region, city)
        if zone:
            return zone
        if longitude is not None:  # rough bands when the state is not given
            for limit, zone in ((-114.0, "America/Los_Angeles"), (-101.0, "America/Denver"),
                                (-87.0, "America/Chicago")):
                if longitude < limit:
                    return zone
        return "America/New_York"
    if country == "RU":
        return _lookup(_RU_BY_REGION, region, city) or "Europe/Moscow"
    return _COUNTRY_ZONES.get(country) or _single_zones().get(country, "UTC")


@cache
def _single_zones() -> dict[str, str]:
    """Countries with exactly one zone in the system's zone.tab (empty if there is none)."""
    zones: dict[str, list[str]] = {}
    for folder in zoneinfo.TZPATH:
        path = os.path.join(folder, "zone.tab")
        if not os.path.exists(path):
            continue
        with open(path, encoding="utf-8") as handle:
            for line in handle:
                parts = line.split("\t")
                if len(parts) >= 3 and not line.startswith("#"):
                    zones.setdefault(parts[0], []).append(parts[2].strip())
        break
    return {country: names[0] for country, names in zones.items() if len(names) == 1}


def local_time(now: float, zone: str) -> tuple[int, int]:
    """Return (weekday 0=Mon, minute of the day) at unix time `now` in `zone`."""
    local = datetime.fromtimestamp(now, ZoneInfo(zone))
    return local.weekday(), local.hour * 60 + local.minute
