"""The on-call rota: who answers urgent cases at each level, at any moment, in its timezone.

Staff write YAML (see ivr_scripts/oncall.sample.yaml); `hotline oncall import` checks it
and stores it in Redis under KEY_PREFIX + "rota". A shift is a wall-clock span on some
weekdays in the rota's timezone; one whose `to` is not after its `from` ends the next
day. Each shift is turned into real instants (UTC) before comparing, so a daylight-
saving change never leaves a gap or a double between two shifts that meet: a wall time
that happens twice counts at its first occurrence, one that never happens at the offset
in force before the change.
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import redis
from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError

from hotline import keys as hotline_keys
from hotline.config import Settings
from hotline.people import overrides as rota_overrides
from hotline.people.overrides import Override

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
FULL_DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
DEFAULT_ACK_TIMEOUT = 120
DAY_MINUTES = 24 * 60
MAX_REPEAT = 10  # passes through every level after the first, at most
STAFF_LEVEL = "staff_on_duty"  # the last resort's name on timelines and the rota page

Resolve = Callable[[str], "str | None"]  # a phone or name -> the volunteer id, or None
Available = Callable[[str], bool]  # a volunteer id -> True unless they are OFF


class RotaError(ValueError):
    """A rota file could not be used; `problems` lists each one as 'file:line: message'."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("\n".join(problems))


@dataclass(frozen=True)
class Shift:
    """One volunteer on call on some weekdays from `start` to `end` (minutes after midnight)."""

    volunteer: str
    days: tuple[int, ...]  # 0 = Monday
    start: int
    end: int  # 1440 for "24:00"; not after start means the shift ends the next day
    line: int = field(default=0, compare=False)

    def spans(self, day: date, zone: ZoneInfo) -> tuple[float, float]:
        """Return the (start, end) instants of the shift that begins on `day`."""
        end_day = day if self.end > self.start else day + timedelta(days=1)
        return _instant(day, self.start, zone), _instant(end_day, self.end, zone)

    def who(self, at: float, zone: ZoneInfo, overrides: Sequence[Override] = ()) -> str | None:
        """Who is on call for this shift at `at` (the volunteer, or who covers them), or
        None when the shift does not cover `at`."""
        if not self.covers(at, zone):
            return None
        return rota_overrides.on_shift(self.volunteer, at, overrides) or None

    def covers(self, at: float, zone: ZoneInfo) -> bool:
        """True when the instant `at` (a UNIX time) falls within one of its shifts."""
        today = datetime.fromtimestamp(at, zone).date()
        for day in (today - timedelta(days=1), today):
            if day.weekday() in self.days:
                start, end = self.spans(day, zone)
                if start <= at < end:
                    return True
        return False


def _instant(day: date, minutes: int, zone: ZoneInfo) -> float:
    day = day + timedelta(days=minutes // DAY_MINUTES)
    minutes %= DAY_MINUTES
    local = datetime(day.year, day.month, day.day, minutes // 60, minutes % 60, tzinfo=zone)
    return local.timestamp()  # fold=0: first of a repeated time, pre-change offset in a gap


@dataclass(frozen=True)
class Level:
    """One escalation level: its name, how long to wait for an ACK, and its shifts."""

    name: str
    ack_timeout: int
    shifts: tuple[Shift, ...] = ()


@dataclass(frozen=True)
class Rota:
    """The whole rota: a timezone, the levels (first paged first), how many more times
    the levels are run through (`repeat`), and the staff on duty: the last resort."""

    timezone: str
    ack_timeout: int
    levels: tuple[Level, ...]
    repeat: int = 0
    staff: Level | None = None

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def volunteers(self) -> list[str]:
        """Return every volunteer named anywhere in the rota, in order of appearance."""
        every = (*self.levels, *((self.staff,) if self.staff else ()))
        return list(dict.fromkeys(s.volunteer for lv in every for s in lv.shifts))


@dataclass(frozen=True)
class OnCall:
    """Who answers at one level at one moment: on shift and available, and on shift but OFF."""

    level: str
    ack_timeout: int
    volunteers: tuple[str, ...]
    off: tuple[str, ...] = field(default=())


def on_call(rota: Rota, at: float, available: Available | None = None,
            overrides: Sequence[Override] = ()) -> list[OnCall]:
    """Return every level with who is on shift at instant `at` (who covers a shift under an
    override in place of its volunteer); OFF volunteers set apart."""
    zone = rota.zone
    out: list[OnCall] = []
    for level in rota.levels:
        on = dict.fromkeys(v for v in (s.who(at, zone, overrides) for s in level.shifts) if v)
        ready = tuple(v for v in on if available is None or available(v))
        out.append(OnCall(level.name, level.ack_timeout, ready,
                          tuple(v for v in on if v not in ready)))
    return out


# --- reading a rota file -------------------------------------------------------------


def _line(data: Any, key: Any = None) -> int:
    lc = getattr(data, "lc", None)
    try:
        return int(lc.key(key)[0] if key is not None else lc.line) + 1 if lc else 0
    except (KeyError, TypeError, AttributeError):
        return 0


def _minutes(value: Any, allow_24: bool) -> int | None:
    """'09:30' -> 570; '24:00' only where allowed; None when not a time."""
    text = str(value).strip()
    parts = text.split(":")
    if len(parts) != 2 or not all(p.isdigit() and len(p) in (1, 2) for p in parts[:1]) \
            or not (parts[1].isdigit() and len(parts[1]) == 2):
        return None
    hours, minutes = int(parts[0]), int(parts[1])
    if hours == 24 and minutes == 0 and allow_24:
        return DAY_MINUTES
    if hours > 23 or minutes > 59:
        return None
    return hours * 60 + minutes


def _timeout(value: Any, where: str, line: int, problems: list[str], default: int) -> int:
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 3600:
        problems.append(f"{where}:{line}: ack_timeout_seconds must be a whole number "
                        f"of seconds from 1 to 3600, not {value!r}")
        return default
    return value


class _Reader:
    def __init__(self, file: str, resolve: Resolve | None):
        self.file = file
        self.resolve = resolve
        self.problems: list[str] = []

    def problem(self, line: int, message: str) -> None:
        self.problems.append(f"{self.file}:{line}: {message}")

    def shift(self, value: Any, level: str) -> Shift | None:
        line = _line(value)
        if not isinstance(value, dict):
            self.problem(line, f"level {level}: a shift is {{volunteer, days, from, to}}")
            return None
        unknown = sorted(set(map(str, value)) - {"volunteer", "days", "from", "to"})
        if unknown:
            self.problem(line, f"level {level}: unknown shift key(s) {', '.join(unknown)}")
        ref = str(value.get("volunteer") or "").strip()
        volunteer: str | None = ref
        if not ref:
            self.problem(line, f"level {level}: a shift needs volunteer: a phone or name")
        elif self.resolve is not None:
            volunteer = self.resolve(ref)
            if volunteer is None:
                self.problem(line, f"level {level}: '{ref}' is not a registered volunteer")
        days_raw = value.get("days")
        days: list[int] = []
        if not isinstance(days_raw, list) or not days_raw:
            self.problem(line, f"level {level}: days must be a list such as [mon, tue]")
        else:
            for day in days_raw:
                name = str(day).strip().lower()
                if name in DAYS or name in FULL_DAYS:
                    days.append(DAYS.index(name[:3]))
                else:
                    self.problem(line, f"level {level}: '{day}' is not a day (mon..sun)")
        start = _minutes(value.get("from"), allow_24=False)
        end = _minutes(value.get("to"), allow_24=True)
        if start is None:
            self.problem(line, f"level {level}: from must be a time HH:MM (00:00..23:59), "
                               f"not {value.get('from')!r}")
        if end is None:
            self.problem(line, f"level {level}: to must be a time HH:MM (00:00..24:00), "
                               f"not {value.get('to')!r}")
        if start is not None and end is not None and start == end:
            self.problem(line, f"level {level}: from and to are the same; "
                               "a whole day is from: '00:00' to: '24:00'")
        if not volunteer or start is None or end is None or not days or start == end:
            return None
        return Shift(volunteer, tuple(sorted(set(days))), start, end, line)

    def level(self, value: Any, index: int, default_timeout: int) -> Level | None:
        line = _line(value)
        if not isinstance(value, dict):
            self.problem(line, f"level {index + 1} must be a mapping with name and shifts")
            return None
        name = str(value.get("name") or f"level{index + 1}")
        timeout = _timeout(value.get("ack_timeout_seconds"), self.file, line, self.problems,
                           default_timeout)
        shifts_raw = value.get("shifts")
        if not isinstance(shifts_raw, list) or not shifts_raw:
            self.problem(line, f"level {name}: shifts must be a list of shifts")
            return None
        shifts = tuple(s for s in (self.shift(v, name) for v in shifts_raw) if s)
        return Level(name, timeout, shifts)


def parse_rota(text: str, file: str = "<rota>", resolve: Resolve | None = None) -> Rota:
    """Read a rota from YAML text; RotaError lists every problem with its line."""
    try:
        data = YAML(typ="rt").load(io.StringIO(text))
    except YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise RotaError([f"{file}:{mark.line + 1 if mark else 0}: not valid YAML"]) from None
    if not isinstance(data, dict):
        raise RotaError([f"{file}:1: a rota is a mapping with timezone and levels"])
    reader = _Reader(file, resolve)
    tz = str(data.get("timezone") or "")
    try:
        ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError):
        reader.problem(_line(data, "timezone") or 1,
                       f"timezone {tz!r} is not a known zone (e.g. Asia/Seoul)")
    unknown = sorted(set(map(str, data)) - {"timezone", "ack_timeout_seconds", "levels",
                                            "repeat", STAFF_LEVEL})
    for key in unknown:
        reader.problem(_line(data, key), f"unknown key {key}")
    default = _timeout(data.get("ack_timeout_seconds"), file,
                       _line(data, "ack_timeout_seconds"), reader.problems, DEFAULT_ACK_TIMEOUT)
    levels_raw = data.get("levels")
    levels: list[Level] = []
    if not isinstance(levels_raw, list) or not levels_raw:
        reader.problem(_line(data, "levels") or 1, "levels must be a list of levels")
    else:
        for index, value in enumerate(levels_raw):
            level = reader.level(value, index, default)
            if level is not None:
                levels.append(level)
        names = [lv.name for lv in levels]
        for name in sorted({n for n in names if names.count(n) > 1}):
            reader.problem(_line(levels_raw), f"two levels are named {name}")
    repeat = data.get("repeat", 0)
    if isinstance(repeat, bool) or not isinstance(repeat, int) or not 0 <= repeat <= MAX_REPEAT:
        reader.problem(_line(data, "repeat"), f"repeat must be a whole number from 0 to "
                                              f"{MAX_REPEAT}, not {repeat!r}")
        repeat = 0
    staff = None
    if data.get(STAFF_LEVEL) is not None:
        staff_raw = data.get(STAFF_LEVEL)
        if isinstance(staff_raw, dict):
            staff_raw.setdefault("name", STAFF_LEVEL)
        staff = reader.level(staff_raw, len(levels), default)
    if reader.problems:
        raise RotaError(reader.problems)
    return Rota(tz, default, tuple(levels), repeat, staff)


# --- storing it ----------------------------------------------------------------------


def hhmm(minutes: int) -> str:
    """570 -> '09:30' (1440 -> '24:00')."""
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _level_dict(lv: Level) -> dict[str, Any]:
    return {"name": lv.name, "ack_timeout_seconds": lv.ack_timeout, "shifts": [
        {"volunteer": s.volunteer, "days": [DAYS[d] for d in s.days],
         "from": hhmm(s.start), "to": hhmm(s.end)} for s in lv.shifts]}


def _level_of(lv: dict[str, Any]) -> Level:
    return Level(lv["name"], int(lv["ack_timeout_seconds"]), tuple(
        Shift(s["volunteer"], tuple(DAYS.index(d) for d in s["days"]),
              _minutes(s["from"], False) or 0, _minutes(s["to"], True) or 0)
        for s in lv["shifts"]))


def rota_to_dict(rota: Rota) -> dict[str, Any]:
    """Return the rota as plain data (days by name, times as HH:MM)."""
    data: dict[str, Any] = {
        "timezone": rota.timezone,
        "ack_timeout_seconds": rota.ack_timeout,
        "repeat": rota.repeat,
        "levels": [_level_dict(lv) for lv in rota.levels],
    }
    if rota.staff is not None:
        data[STAFF_LEVEL] = _level_dict(rota.staff)
    return data


def rota_from_dict(data: dict[str, Any]) -> Rota:
    """Rebuild a rota from rota_to_dict() output."""
    levels = tuple(_level_of(lv) for lv in data["levels"])
    staff = _level_of(data[STAFF_LEVEL]) if data.get(STAFF_LEVEL) else None
    return Rota(data["timezone"], int(data["ack_timeout_seconds"]), levels,
                int(data.get("repeat", 0)), staff)


def rota_key(config: Settings) -> str:
    """Return the Redis key that holds the rota."""
    return hotline_keys.of(config).rota


def save_rota(conn: redis.Redis, config: Settings, rota: Rota, now: float) -> None:
    """Put the rota in force (replacing the old one in one write)."""
    conn.set(rota_key(config), json.dumps({**rota_to_dict(rota), "imported": now}))


def load_rota(conn: redis.Redis, config: Settings) -> Rota | None:
    """Return the rota in force, or None when none was imported."""
    raw = conn.get(rota_key(config))
    return rota_from_dict(json.loads(raw)) if raw else None


def import_rota(conn: redis.Redis, config: Settings, text: str, file: str, now: float,
                resolve: Resolve | None = None) -> Rota:
    """Check a rota file and put it in force; RotaError leaves the old rota in force."""
    rota = parse_rota(text, file, resolve)
    save_rota(conn, config, rota, now)
    return rota


# --- the volunteers behind the rota's ids ---------------------------------------------


def resolver(conn: redis.Redis, config: Settings) -> Resolve:
    """Return a function that finds a registered volunteer's id by phone or name."""
    from hotline.people import volunteers

    def resolve(ref: str) -> str | None:
        found = volunteers.find(conn, config, ref)
        return found.id if found else None
    return resolve


def availability(conn: redis.Redis, config: Settings) -> Available:
    """Return a function telling whether a volunteer is ON (a removed one counts as OFF)."""
    from hotline.people import volunteers

    def available(vid: str) -> bool:
        found = volunteers.get(conn, config, vid)
        return bool(found and found.available)
    return available


def everyone(conn: redis.Redis, config: Settings) -> tuple[str, ...]:
    """Every registered volunteer and staff member who is ON, the rota's names first: who
    a step that pages everyone reaches (the last level repeated, nobody on call).

    From the register itself, not from the rota: whoever added them (`hotline volunteers
    add`, the staff page, the demo) and whether or not a shift names them.
    """
    from hotline.people import volunteers

    rota = load_rota(conn, config)
    people = volunteers.all_volunteers(conn, config)
    on = {v.id for v in people if v.available}
    named = rota.volunteers() if rota else []
    return tuple(v for v in dict.fromkeys([*named, *(p.id for p in people)]) if v in on)


def current(conn: redis.Redis, config: Settings, at: float) -> list[OnCall]:
    """Return who answers at each level at `at` under the rota in force ([] without one)."""
    rota = load_rota(conn, config)
    if rota is None:
        return []
    return on_call(rota, at, availability(conn, config),
                   rota_overrides.current(conn, config, at))


def staff_on_duty(conn: redis.Redis, config: Settings, at: float) -> tuple[str, ...]:
    """The last resort at `at`: the rota's staff on duty who are ON; without such a level
    (or nobody on it now), every registered staff member who is ON; with no staff ON at
    all, everyone who is ON, so the last resort never pages nobody while anyone is ON."""
    from hotline.people import volunteers

    current_rota = load_rota(conn, config)
    available = availability(conn, config)
    if current_rota is not None and current_rota.staff is not None:
        zone, covers = current_rota.zone, rota_overrides.current(conn, config, at)
        on = tuple(dict.fromkeys(v for v in (s.who(at, zone, covers)
                                             for s in current_rota.staff.shifts)
                                 if v and available(v)))
        if on:
            return on
    staff = tuple(p.id for p in volunteers.all_volunteers(conn, config)
                  if p.role == "staff" and p.available)
    return staff or everyone(conn, config)


def span_of(rota: Rota, day_text: str, from_text: str, to_text: str) -> tuple[float, float]:
    """The instants of a span given as a date and two wall-clock times in the rota's
    timezone ('2026-12-08', '18:00', '24:00'); a `to` not after `from` is the next day.
    ValueError says what is wrong."""
    try:
        day = date.fromisoformat(day_text.strip())
    except ValueError:
        raise ValueError(f"{day_text!r} is not a date like 2026-12-08") from None
    start, end = _minutes(from_text, allow_24=False), _minutes(to_text, allow_24=True)
    if start is None or end is None:
        raise ValueError("from and to must be times HH:MM (to may be 24:00)")
    if start == end:
        raise ValueError("from and to are the same")
    end_day = day if end > start else day + timedelta(days=1)
    return _instant(day, start, rota.zone), _instant(end_day, end, rota.zone)


def leave(conn: redis.Redis, config: Settings, volunteer: str, first: str, last: str,
          now: float) -> tuple[date, date]:
    """Put a volunteer on leave from date `first` to date `last` (whole days in the rota's
    timezone, 'YYYY-MM-DD' or 'MM-DD' for the coming such day): their shifts then are gaps.
    Returns the two dates; ValueError says what is wrong."""
    zone = load_rota(conn, config)
    tz = zone.zone if zone else ZoneInfo("UTC")
    today = datetime.fromtimestamp(now, tz).date()

    def read(text: str) -> date:
        text = text.strip()
        try:
            if len(text) <= 5:  # MM-DD: this year's, or next year's once it has passed
                month, day = (int(p) for p in text.split("-"))
                found = date(today.year, month, day)
                return found if found >= today else date(today.year + 1, month, day)
            return date.fromisoformat(text)
        except ValueError:
            raise ValueError(f"{text!r} is not a date like 2026-12-10 or 12-10") from None

    start, end = read(first), read(last or first)
    if end < start:
        raise ValueError("the leave must end on or after its first day")
    rota_overrides.away(conn, config, volunteer, _instant(start, 0, tz),
                        _instant(end + timedelta(days=1), 0, tz), now)
    return start, end
