"""A programme as the staff page's form holds it (/admin/programmes/new, /edit/<id>):
flat fields to the import's data and back, checked exactly as `hotline programmes import`
checks a file (model.parse_programmes, then the scripts' neutral words and loanwords).

Fields: id, kind, name_<lang>, reminder_<lang> for each of LANGUAGES, and per session row
the lists session_id, date, time, timezone, place, capacity. A row left blank is no
session: clearing a row removes that session (callers signed up to it hear of it once).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from hotline.programmes.model import (
    BY_PHONE,
    Programme,
    ProgrammeError,
    parse_programmes,
    wording_problems,
)

LANGUAGES = ("ko", "en", "zh", "ru")
ROW_FIELDS = ("session_id", "date", "time", "timezone", "place", "capacity")
BLANK_ROWS = 2  # empty session rows offered below the programme's own
MAX_FIELD = 200  # characters kept of any one field


def blank(timezone: str = "Asia/Seoul") -> dict[str, Any]:
    """The form of a new programme."""
    return {"id": "", "kind": "counselling", "name": {}, "reminder": {},
            "sessions": [_row(timezone) for _ in range(BLANK_ROWS + 1)]}


def _row(timezone: str = "") -> dict[str, str]:
    return {"session_id": "", "date": "", "time": "", "timezone": timezone, "place": "",
            "capacity": ""}


def of_programme(programme: Programme) -> dict[str, Any]:
    """The form filled in with a stored programme, and blank rows for new sessions."""
    rows = [{"session_id": s.id, "date": s.date, "time": s.time, "timezone": s.timezone,
             "place": s.place, "capacity": str(s.capacity)} for s in programme.sessions]
    zone = programme.sessions[-1].timezone if programme.sessions else "Asia/Seoul"
    return {"id": programme.id, "kind": programme.kind, "name": dict(programme.name),
            "reminder": dict(programme.reminder),
            "sessions": rows + [_row(zone) for _ in range(BLANK_ROWS)]}


def read(get: Callable[[str], str], getlist: Callable[[str], list[str]]) -> dict[str, Any]:
    """The form as posted (request.form.get / getlist), trimmed."""
    def cut(value: str) -> str:
        return (value or "").strip()[:MAX_FIELD]

    columns = {name: [cut(v) for v in getlist(name)] for name in ROW_FIELDS}
    count = max((len(v) for v in columns.values()), default=0)
    rows = [{name: (columns[name][i] if i < len(columns[name]) else "") for name in ROW_FIELDS}
            for i in range(count)]
    return {"id": cut(get("id")), "kind": cut(get("kind")),
            "name": {c: cut(get(f"name_{c}")) for c in LANGUAGES if cut(get(f"name_{c}"))},
            "reminder": {c: cut(get(f"reminder_{c}")) for c in LANGUAGES
                         if cut(get(f"reminder_{c}"))},
            "sessions": rows}


def _filled(row: dict[str, str]) -> bool:
    """A row staff wrote something in (a timezone alone is the form's own default)."""
    return any(row.get(name) for name in ROW_FIELDS if name != "timezone")


def check(form: dict[str, Any], neutral: dict[str, tuple[str, ...]],
          loanwords: dict[str, tuple[str, ...]]) -> tuple[Programme | None, list[str]]:
    """(the programme, []) when the form is valid, else (None, every problem)."""
    sessions = [{"id": r["session_id"], "date": r["date"], "time": r["time"],
                 "timezone": r["timezone"], "place": r["place"] or BY_PHONE,
                 "capacity": r["capacity"]} for r in form["sessions"] if _filled(r)]
    data = {"id": form["id"], "kind": form["kind"], "name": form["name"],
            "reminder": form["reminder"], "sessions": sessions}
    try:
        (programme,) = parse_programmes({"programmes": [data]})
    except ProgrammeError as exc:
        return None, exc.problems
    problems = wording_problems([programme], neutral, loanwords)
    return (None, problems) if problems else (programme, [])
