"""The on-call rota as a week grid per level: 7 days x 24 hours in the rota's timezone.

Each hour cell says who is on shift in it and whether there is a gap: a moment in that
hour (checked every 15 minutes) when nobody at that level would be paged — no shift, or
everyone on shift is OFF. The week is the real week around `now`, so a daylight-saving
change shows where it falls.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from hotline.people.overrides import Override
from hotline.people.rota import DAYS, Available, Level, Rota, _instant

STEP_MINUTES = 15


@dataclass
class Cell:
    """One hour of one day at one level."""

    people: list[str] = field(default_factory=list)  # volunteer ids on shift, in rota order
    off: list[str] = field(default_factory=list)  # of those, who is OFF now
    covering: dict[str, str] = field(default_factory=dict)  # who covers -> whose shift
    gap: bool = False  # some moment of the hour has nobody to page

    @property
    def nobody(self) -> bool:
        """No shift at all in this hour (not even an OFF volunteer)."""
        return not self.people


@dataclass
class Stretch:
    """Hours in a row of one day with the same people on call (or the same gap): what a
    phone shows instead of the grid, names written out in full."""

    start: int  # first hour
    end: int  # hour after the last (24 = midnight)
    cell: Cell


@dataclass
class LevelGrid:
    """A level's week: rows[hour][weekday], its gaps as readable spans, and each day as
    stretches of hours (days[weekday])."""

    name: str
    rows: list[list[Cell]]
    gaps: list[str]
    days: list[list[Stretch]] = field(default_factory=list)


def week_of(rota: Rota, now: float) -> list[date]:
    """The Monday-to-Sunday dates of the week holding `now` in the rota's timezone."""
    today = datetime.fromtimestamp(now, rota.zone).date()
    monday = today - timedelta(days=today.weekday())
    return [monday + timedelta(days=n) for n in range(7)]


def _cell(level: Level, rota: Rota, day: date, hour: int, available: Available,
          overrides: Sequence[Override] = ()) -> Cell:
    zone = rota.zone
    cell = Cell()
    for minute in range(hour * 60, hour * 60 + 60, STEP_MINUTES):
        at = _instant(day, minute, zone)
        on = []
        for shift in level.shifts:
            who = shift.who(at, zone, overrides)
            if who is None:
                continue
            on.append(who)
            if who != shift.volunteer:
                cell.covering[who] = shift.volunteer
        for vid in on:
            if vid not in cell.people:
                cell.people.append(vid)
        if not any(available(v) for v in on):
            cell.gap = True
    cell.off = [v for v in cell.people if not available(v)]
    return cell


def _spans(rows: list[list[Cell]]) -> list[str]:
    """Gap hours merged into spans per day: 'mon 21:00-24:00'."""
    out = []
    for weekday, name in enumerate(DAYS):
        start = None
        for hour in range(25):
            gap = hour < 24 and rows[hour][weekday].gap
            if gap and start is None:
                start = hour
            elif not gap and start is not None:
                out.append(f"{name} {start:02d}:00-{hour:02d}:00")
                start = None
    return out


def _same(a: Cell, b: Cell) -> bool:
    return (a.people, a.off, a.covering, a.gap) == (b.people, b.off, b.covering, b.gap)


def day_stretches(rows: list[list[Cell]]) -> list[list[Stretch]]:
    """Each weekday's hours merged where the same people are on call: 09-21 Kim."""
    days = []
    for weekday in range(len(DAYS)):
        stretches: list[Stretch] = []
        for hour in range(24):
            cell = rows[hour][weekday]
            if stretches and _same(stretches[-1].cell, cell):
                stretches[-1].end = hour + 1
            else:
                stretches.append(Stretch(hour, hour + 1, cell))
        days.append(stretches)
    return days


def level_grids(rota: Rota, now: float, available: Available,
                overrides: Sequence[Override] = ()) -> list[LevelGrid]:
    """Every level's week grid, first paged first, overrides applied."""
    days = week_of(rota, now)
    grids = []
    for level in rota.levels:
        rows = [[_cell(level, rota, day, hour, available, overrides) for day in days]
                for hour in range(24)]
        grids.append(LevelGrid(level.name, rows, _spans(rows), day_stretches(rows)))
    return grids
