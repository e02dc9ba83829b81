"""Transcript files: `*.test.yaml` read into typed tests; mistakes name file and line."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError

from hotline import keys as hotline_keys

VOICE_ACTIONS = ("call", "press", "say", "silence", "hangup", "dial_ends", "record")
SMS_ACTIONS = ("send",)
STEP_KEYS = {"expect", "expect_not", "ends", "connects", "wait", *VOICE_ACTIONS, *SMS_ACTIONS}
START_TIME = 1_790_000_000.0  # a fixed moment (2026-09-21) the app clock starts at
DEFAULT_NUMBER = "+821012345678"
_SPACE = re.compile(r"\s+")
_DURATION = re.compile(r"(\d+(?:\.\d+)?)\s*(s|sec|m|min|h|hour)s?")
_SECONDS = {"s": 1, "sec": 1, "m": 60, "min": 60, "h": 3600, "hour": 3600}


class TranscriptError(Exception):
    """A transcript file cannot be read; the message names the file and line."""


@dataclass(frozen=True)
class Exchange:
    """One step: what the caller does (`action`, `value`) and what the reply must hold."""

    action: str
    value: str = ""
    expect: tuple[str, ...] = ()
    expect_not: tuple[str, ...] = ()
    ends: bool | None = None
    connects: bool | None = None
    line: int = 0


@dataclass(frozen=True)
class Transcript:
    """One conversation to play against the hotline."""

    file: str
    name: str
    channel: str
    number: str
    steps: tuple[Exchange, ...]
    script: str = ""
    line: int = 0
    given: Given = field(default_factory=lambda: Given())


@dataclass(frozen=True)
class Given:
    """What the hotline knows before a conversation: volunteers, the on-call rota, the time."""

    volunteers: tuple[dict[str, Any], ...] = ()
    oncall: str = ""  # path of a rota file
    directory: str = ""  # path of a directory file (CSV or HSDS JSON)
    at: float = START_TIME
    programmes: str = ""  # path of a programmes file (YAML or CSV)

    def apply(self, app: Any, conn: Any) -> None:
        """Load the directory, register the volunteers, put the rota in force (fresh app)."""
        from hotline.directory import importer as directory_import
        from hotline.people import rota, volunteers

        config = app.extensions["hotline"].config
        if self.directory:
            directory_import.import_file(conn, hotline_keys.prefix(config), self.directory)
        if self.programmes:
            from hotline.programmes import model, store

            store.save(conn, config, model.read_file(self.programmes))

        for v in self.volunteers:
            languages = v.get("languages") or ()
            if isinstance(languages, str):
                languages = volunteers.parse_languages(languages)
            volunteers.add(conn, config, str(v.get("name", "")), str(v.get("phone", "")),
                           tuple(languages), str(v.get("role") or "volunteer"))
        if self.oncall:
            with open(self.oncall, encoding="utf-8") as handle:
                rota.import_rota(conn, config, handle.read(), self.oncall, self.at,
                                 rota.resolver(conn, config))


def _given(raw: Any, base: Given, file: str, where: str) -> Given:
    if raw is None:
        return base
    if not isinstance(raw, dict) or set(raw) - {"volunteers", "oncall", "directory", "at",
                                                "programmes"}:
        raise TranscriptError(f"{where}: given: takes volunteers, oncall, directory, "
                              "programmes and at")
    people = raw.get("volunteers", list(base.volunteers))
    if not isinstance(people, list) or not all(isinstance(v, dict) for v in people):
        raise TranscriptError(f"{where}: given volunteers are a list like "
                              "- {name: 민지, phone: \"+821011110001\", languages: [ko]}")
    here = os.path.dirname(os.path.abspath(file))
    oncall, directory = base.oncall, base.directory
    if raw.get("oncall"):
        oncall = os.path.join(here, str(raw["oncall"]))
    if raw.get("directory"):
        directory = os.path.join(here, str(raw["directory"]))
    programmes = base.programmes
    if raw.get("programmes"):
        programmes = os.path.join(here, str(raw["programmes"]))
    at = base.at
    if raw.get("at"):
        try:
            moment = datetime.fromisoformat(str(raw["at"]))
        except ValueError:
            moment = None
        if moment is None or moment.tzinfo is None:
            raise TranscriptError(f"{where}: given at: is a time with its zone, "
                                  "like 2026-11-23T10:00+09:00")
        at = moment.timestamp()
    return Given(tuple(dict(v) for v in people), oncall, directory, at, programmes)


def flatten(text: str) -> str:
    """Return the text with every run of white space made one space."""
    return _SPACE.sub(" ", text).strip()


def _fragments(value: Any, where: str) -> tuple[str, ...]:
    if value is None:
        return ()
    items = value if isinstance(value, list) else [value]
    if not all(isinstance(item, (str, int, float)) for item in items):
        raise TranscriptError(f"{where}: expect a text or a list of texts")
    return tuple(str(item) for item in items)


def _line_of(node: Any, key: str) -> int:
    """Return the 1-based line of a key of a ruamel mapping (0 when unknown)."""
    try:
        return int(node.lc.key(key)[0]) + 1
    except (AttributeError, KeyError, IndexError, TypeError):
        return 0


def _line(node: Any, index: int) -> int:
    """Return the 1-based line of item `index` of a ruamel sequence (0 when unknown)."""
    try:
        return int(node.lc.item(index)[0]) + 1
    except (AttributeError, KeyError, IndexError, TypeError):
        return 0


def seconds(value: str, where: str) -> float:
    """Return the seconds of a duration like 45s, 10m or 2h; TranscriptError names `where`."""
    match = _DURATION.fullmatch(value.strip().lower())
    if not match:
        raise TranscriptError(f"{where}: wait takes a duration like 45s, 10m or 2h, "
                              f"not {value!r}")
    return float(match.group(1)) * _SECONDS[match.group(2)]


def _exchange(raw: Any, channel: str, where: str, line: int) -> Exchange:
    if not isinstance(raw, dict):
        raise TranscriptError(f"{where}: a step is a mapping like `send: 안녕하세요`")
    unknown = sorted(set(raw) - STEP_KEYS)
    if unknown:
        raise TranscriptError(f"{where}: unknown key {unknown[0]!r}")
    allowed = (*(SMS_ACTIONS if channel == "sms" else VOICE_ACTIONS), "wait")
    actions = [key for key in raw if key in (*VOICE_ACTIONS, *SMS_ACTIONS, "wait")]
    if len(actions) != 1 or actions[0] not in allowed:
        raise TranscriptError(f"{where}: a {channel} step needs exactly one of "
                              f"{', '.join(allowed)}")
    action = actions[0]
    value = "" if raw[action] is None else str(raw[action])
    if action == "wait":
        seconds(value, where)  # checked here, used when the step runs
    if action == "record" and not re.fullmatch(r"[0-9]{1,3}", value):
        raise TranscriptError(f"{where}: record takes the seconds spoken, not {value!r}")
    if action == "press" and not re.fullmatch(r"[0-9*#]+", value):
        raise TranscriptError(f"{where}: press takes keypad keys (0-9 * #), not {value!r}")
    ends, connects = raw.get("ends"), raw.get("connects")
    return Exchange(action, value, _fragments(raw.get("expect"), where),
                    _fragments(raw.get("expect_not"), where),
                    ends=None if ends is None else bool(ends),
                    connects=None if connects is None else bool(connects), line=line)


def parse_transcripts(text: str, file: str = "<transcript>") -> list[Transcript]:
    """Read a transcript file's text; TranscriptError names the file and line of a problem."""
    try:
        data = YAML(typ="rt").load(text)
    except YAMLError as exc:
        raise TranscriptError(f"{file}: not valid YAML: {exc}") from None
    if not isinstance(data, dict) or not isinstance(data.get("tests"), list):
        raise TranscriptError(f"{file}: expected a mapping with a `tests:` list")
    script = str(data.get("script") or "")
    given = _given(data.get("given"), Given(), file, f"{file}:{_line_of(data, 'given')}")
    out: list[Transcript] = []
    for index, raw in enumerate(data["tests"]):
        line = _line(data["tests"], index)
        where = f"{file}:{line}"
        if not isinstance(raw, dict) or not raw.get("name"):
            raise TranscriptError(f"{where}: each test needs a name")
        channel = str(raw.get("channel") or "")
        if channel not in ("sms", "voice"):
            raise TranscriptError(f"{where}: channel must be sms or voice")
        steps = raw.get("steps")
        if not isinstance(steps, list) or not steps:
            raise TranscriptError(f"{where}: a test needs a list of steps")
        exchanges = tuple(
            _exchange(step, channel, f"{file}:{_line(steps, i)}", _line(steps, i))
            for i, step in enumerate(steps)
        )
        out.append(Transcript(file, str(raw["name"]), channel,
                              str(raw.get("from") or DEFAULT_NUMBER), exchanges,
                              str(raw.get("script") or script), line,
                              _given(raw.get("given"), given, file, where)))
    return out


def load_transcripts(path: str) -> list[Transcript]:
    """Load the tests of one `*.test.yaml` file."""
    with open(path, encoding="utf-8") as handle:
        return parse_transcripts(handle.read(), file=path)


def transcript_paths(directory: str) -> list[str]:
    """Return the transcript files in a directory, sorted."""
    return sorted(os.path.join(directory, n) for n in os.listdir(directory)
                  if n.endswith((".test.yaml", ".test.yml")))
