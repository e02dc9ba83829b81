"""Programmes as staff write them: a name per language, a kind, sessions, reminder wording.

Read from YAML (a list under `programmes:`) or CSV (one row per session). Parsing returns
every problem at once, each naming the programme and session.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError

KINDS = ("course", "counselling", "check-up", "check-in")
BY_PHONE = "by phone"
_ID = re.compile(r"^[a-z0-9][a-z0-9_-]{0,31}$")


class ProgrammeError(ValueError):
    """The file has problems; `problems` lists each one."""

    def __init__(self, problems: list[str]):
        super().__init__("; ".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class Session:
    """One meeting of a programme: when (local date and time in a timezone), where, seats."""

    id: str
    date: str  # YYYY-MM-DD
    time: str  # HH:MM, local to `timezone`
    timezone: str
    place: str = BY_PHONE
    capacity: int = 10

    def starts(self) -> datetime:
        """The start as an aware datetime."""
        return datetime.combine(date.fromisoformat(self.date), time.fromisoformat(self.time),
                                ZoneInfo(self.timezone))

    def start_ts(self) -> float:
        return self.starts().timestamp()


@dataclass(frozen=True)
class Programme:
    """A programme: id, name per language, kind, sessions, neutral reminder words."""

    id: str
    kind: str
    name: dict[str, str]
    sessions: tuple[Session, ...] = ()
    reminder: dict[str, str] = field(default_factory=dict)

    def session(self, session_id: str) -> Session | None:
        return next((s for s in self.sessions if s.id == session_id), None)

    def last_ts(self) -> float:
        """When the last session starts (0 when there is none)."""
        return max((s.start_ts() for s in self.sessions), default=0.0)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["sessions"] = [asdict(s) for s in self.sessions]
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Programme:
        return cls(id=data["id"], kind=data["kind"], name=dict(data["name"]),
                   sessions=tuple(Session(**s) for s in data.get("sessions", ())),
                   reminder=dict(data.get("reminder") or {}))


def _texts(value: Any) -> dict[str, str]:
    if isinstance(value, dict):
        return {str(k): str(v).strip() for k, v in value.items() if str(v).strip()}
    return {}


def _session(raw: Any, where: str, problems: list[str]) -> Session | None:
    if not isinstance(raw, dict):
        problems.append(f"{where}: a session is a mapping (id, date, time, timezone, ...)")
        return None
    sid = str(raw.get("id") or "").strip()
    where = f"{where} session {sid or '?'}"
    if not _ID.match(sid):
        problems.append(f"{where}: id must be lower-case letters, digits, - or _")
    day, at, zone = str(raw.get("date") or ""), str(raw.get("time") or ""), str(
        raw.get("timezone") or "")
    try:
        date.fromisoformat(day)
        time.fromisoformat(at)
    except ValueError:
        problems.append(f"{where}: date must be YYYY-MM-DD and time HH:MM")
    try:
        ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        problems.append(f"{where}: unknown timezone '{zone}' (e.g. Asia/Seoul)")
    place = str(raw.get("place") or BY_PHONE).strip()
    try:
        given = raw.get("capacity")
        capacity = 10 if given is None or str(given).strip() == "" else int(given)
    except (TypeError, ValueError):
        capacity = 0
    if capacity < 1:
        problems.append(f"{where}: capacity must be a whole number from 1")
    return Session(sid, day, at[:5], zone, place, max(capacity, 1))


def parse_programmes(data: Any) -> list[Programme]:
    """Programmes from parsed YAML ({'programmes': [...]}); ProgrammeError lists problems."""
    items = data.get("programmes") if isinstance(data, dict) else data
    if not isinstance(items, list):
        raise ProgrammeError(["the file needs a list under programmes:"])
    problems: list[str] = []
    out: list[Programme] = []
    seen: set[str] = set()
    for raw in items:
        if not isinstance(raw, dict):
            problems.append("each programme is a mapping (id, kind, name, sessions)")
            continue
        pid = str(raw.get("id") or "").strip()
        where = f"programme {pid or '?'}"
        if not _ID.match(pid):
            problems.append(f"{where}: id must be lower-case letters, digits, - or _")
        if pid in seen:
            problems.append(f"{where}: the id is used twice")
        seen.add(pid)
        kind = str(raw.get("kind") or "")
        if kind not in KINDS:
            problems.append(f"{where}: kind must be one of {', '.join(KINDS)}")
        name = _texts(raw.get("name"))
        if not name:
            problems.append(f"{where}: name needs a text per language, e.g. {{ko: ..., en: ...}}")
        sessions = [s for s in (_session(r, where, problems) for r in raw.get("sessions") or [])
                    if s is not None]
        ids = [s.id for s in sessions]
        if len(set(ids)) != len(ids):
            problems.append(f"{where}: two sessions share an id")
        out.append(Programme(pid, kind, name, tuple(sessions), _texts(raw.get("reminder"))))
    if problems:
        raise ProgrammeError(problems)
    return out


def parse_csv(text: str) -> list[Programme]:
    """Programmes from CSV: one row per session; columns programme, kind, name_<lang>,
    reminder_<lang>, session, date, time, timezone, place, capacity."""
    grouped: dict[str, dict[str, Any]] = {}
    for row in csv.DictReader(io.StringIO(text)):
        pid = (row.get("programme") or "").strip()
        item = grouped.setdefault(pid, {"id": pid, "kind": (row.get("kind") or "").strip(),
                                        "name": {}, "reminder": {}, "sessions": []})
        for column, value in row.items():
            if column and value and column.startswith("name_"):
                item["name"][column[5:]] = value
            if column and value and column.startswith("reminder_"):
                item["reminder"][column[9:]] = value
        if (row.get("session") or "").strip():
            item["sessions"].append({k: row.get(k) for k in (
                "date", "time", "timezone", "place", "capacity")} | {"id": row["session"]})
    return parse_programmes({"programmes": list(grouped.values())})


def read_file(path: str) -> list[Programme]:
    """Programmes from a .yaml/.yml or .csv file."""
    with open(path, encoding="utf-8") as handle:
        text = handle.read()
    if path.lower().endswith(".csv"):
        return parse_csv(text)
    try:
        data = YAML(typ="safe").load(text)
    except YAMLError as exc:
        raise ProgrammeError([f"{path}: not valid YAML ({exc})"]) from None
    return parse_programmes(data)


def days(n: int) -> timedelta:
    return timedelta(days=n)


MAX_NAME = 20  # characters of a name: it is a menu label in a one-segment SMS


def wording_problems(programmes: list[Programme], neutral: dict[str, tuple[str, ...]],
                     loanwords: dict[str, tuple[str, ...]]) -> list[str]:
    """What a caller must not read in a programme's name or reminder words: a word of the
    scripts' neutral_words (any language) or loanwords (that language), or a long name."""
    problems = []
    banned = [w.lower() for words in neutral.values() for w in words]
    for programme in programmes:
        for what, texts in (("name", programme.name), ("reminder", programme.reminder)):
            for code, text in texts.items():
                lower = text.lower()
                where = f"programme {programme.id} {what} in '{code}'"
                problems += [f"{where}: '{w}' is not neutral; someone else may read the SMS"
                             for w in banned if w and w in lower]
                problems += [f"{where}: '{w}' is a loanword; use plain words"
                             for w in loanwords.get(code, ()) if w and w.lower() in lower]
                if what == "name" and len(text) > MAX_NAME:
                    problems.append(f"{where}: longer than {MAX_NAME} characters")
    return problems
