"""Looking ahead on the rota: the gaps of the coming days, and the shifts about to start.

Pure functions over a Rota (no Redis): people/rota_notices.py runs them every few minutes
and texts staff the gaps once a day and volunteers a reminder before their shift.
A gap is a stretch when a level has nobody to page (no shift, or everyone on it OFF),
checked every 15 minutes as the week grid does; overrides are applied.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from hotline.people.overrides import Override
from hotline.people.rota import Available, Rota, on_call

STEP = 15 * 60  # seconds between the moments checked for a gap
WEEK = 7 * 86400


@dataclass(frozen=True)
class Gap:
    """Level `level` has nobody to page from `start` to `end` (UNIX times)."""

    level: str
    start: float
    end: float


def gaps(rota: Rota, start: float, until: float, available: Available,
         overrides: Sequence[Override] = ()) -> list[Gap]:
    """Every gap of every level between `start` and `until`, earliest first."""
    at = start - start % STEP
    found: list[Gap] = []
    opened: dict[str, float] = {}
    while at < until:
        for level in on_call(rota, at, available, overrides):
            if not level.volunteers:
                opened.setdefault(level.level, at)
            elif level.level in opened:
                found.append(Gap(level.level, opened.pop(level.level), at))
        at += STEP
    found += [Gap(level, begun, at) for level, begun in opened.items()]
    return sorted(found, key=lambda g: (g.start, g.level))


def describe(found: Sequence[Gap], zone: ZoneInfo) -> list[str]:
    """Gaps as short neutral text in the rota's time: '12-08 21:00-24:00 primary'."""
    out = []
    for gap in found:
        begin = datetime.fromtimestamp(gap.start, zone)
        end = datetime.fromtimestamp(gap.end, zone)
        if end.date() == begin.date():
            until = end.strftime("%H:%M")
        elif end.date() == begin.date() + timedelta(days=1) and end.hour == end.minute == 0:
            until = "24:00"
        else:
            until = end.strftime("%m-%d %H:%M")
        out.append(f"{begin:%m-%d %H:%M}-{until} {gap.level}")
    return out


@dataclass(frozen=True)
class ShiftStart:
    """`volunteer` (or who covers them) is on call at level `level` from `start` to `end`."""

    volunteer: str
    level: str
    start: float
    end: float = 0.0


def shifts_starting(rota: Rota, after: float, until: float,
                    overrides: Sequence[Override] = ()) -> list[ShiftStart]:
    """The shifts that begin in (after, until], with who works them; a shift that only
    continues one the same person was already on (a night after an evening) is left out."""
    zone = rota.zone
    first = datetime.fromtimestamp(after, zone).date() - timedelta(days=1)
    last = datetime.fromtimestamp(until, zone).date()
    levels = (*rota.levels, *((rota.staff,) if rota.staff else ()))
    found: dict[tuple[str, str, float], ShiftStart] = {}
    for level in levels:
        day = first
        while day <= last:
            for shift in level.shifts:
                if day.weekday() not in shift.days:
                    continue
                begins, ends = shift.spans(day, zone)
                who = shift.who(begins, zone, overrides)
                if not after < begins <= until or who is None:
                    continue
                earlier = {s.who(begins - 60, zone, overrides) for s in level.shifts}
                if who not in earlier:
                    found[(who, level.name, begins)] = ShiftStart(who, level.name, begins,
                                                                  ends)
            day += timedelta(days=1)
    return sorted(found.values(), key=lambda s: (s.start, s.level, s.volunteer))
