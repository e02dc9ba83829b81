"""Published versions of the menu scripts, kept in Redis; the live set is the current one.

A version is the YAML text of every script file exactly as staff wrote it (comments kept),
with who published it, when, and a message. Versions are numbered 1, 2, 3...; the current
one is always the newest: a rollback publishes an earlier version's texts again as a new
version. The files in SCRIPTS_DIR are the starting version: until the first publish Redis
holds nothing and the app answers with the files; the first publish stores them first as
version 1, so a rollback can always go back to them.

Keys (under KEY_PREFIX): `scripts:counter` (last number), `scripts:versions` (hash:
number -> JSON), `scripts:current` (the number web nodes follow, see web/live_scripts.py).
"""

from __future__ import annotations

import difflib
import json
import os
from dataclasses import dataclass, field
from typing import Any

import redis

from hotline import keys as hotline_keys
from hotline.config import Settings
from hotline.engine.lint import errors, lint
from hotline.engine.loader import Problem, ScriptError, parse_script, parse_scripts, script_paths
from hotline.engine.model import Script
from hotline.scripts.scriptset import ENTRY_SCRIPT

MAX_TEXT = 256_000  # characters one script file may hold (a whole menu is ~15 000)
STARTING_BY = "ivr_scripts/"  # who "published" the starting version: the files

# Store one version and make it current, atomically (two publishes never share a number).
# With ARGV[2] == "seed" it stores only when no version exists yet.
_STORE = """
if ARGV[2] == 'seed' and redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
local n = redis.call('INCR', KEYS[1])
redis.call('HSET', KEYS[2], n, ARGV[1])
redis.call('SET', KEYS[3], n)
return n
"""


class VersionError(Exception):
    """A publish or rollback that cannot be done; the message says why, for staff."""


class LintFailed(VersionError):
    """The scripts have lint errors and may not be published; `problems` lists them all."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        count = len(errors(problems))
        super().__init__(f"not published: {count} lint error{'s' if count != 1 else ''}")


@dataclass(frozen=True)
class Version:
    """One published version: the text of each script file and who published it when."""

    number: int
    texts: dict[str, str]
    by: str
    at: float
    message: str = ""
    rollback_of: int | None = None
    changed: tuple[str, ...] = field(default_factory=tuple)  # files differing from before

    def summary(self) -> dict[str, Any]:
        """Return the version without its texts (for history listings)."""
        return {"version": self.number, "by": self.by, "at": self.at,
                "message": self.message, "rollback_of": self.rollback_of,
                "changed": list(self.changed), "files": sorted(self.texts)}


def _keys(config: Settings) -> tuple[str, str, str]:
    keys = hotline_keys.of(config)
    return keys.scripts_counter, keys.scripts_versions, keys.scripts_current


def read_directory(directory: str) -> dict[str, str]:
    """Return the text of every script file in a directory, by file name."""
    texts: dict[str, str] = {}
    for path in script_paths(directory):
        try:
            with open(path, encoding="utf-8") as handle:
                texts[os.path.basename(path)] = handle.read()
        except UnicodeDecodeError:
            raise VersionError(f"{path} is not UTF-8 text: save it as UTF-8") from None
    return texts


def check_texts(texts: dict[str, str]) -> list[Problem]:
    """Return every lint problem of a set of script texts, the set as a whole included."""
    problems: list[Problem] = []
    names: dict[str, str] = {}
    for file, text in sorted(texts.items()):
        if len(text) > MAX_TEXT:
            problems.append(Problem(file, "", f"too long: {len(text)} characters "
                                    f"(at most {MAX_TEXT})"))
            continue
        try:
            script = parse_script(text, file=file)
        except ScriptError as exc:
            problems.extend(exc.problems)
            continue
        if script.name in names:
            problems.append(Problem(file, "", f"script name '{script.name}' is also used by "
                                    f"{names[script.name]}"))
        names[script.name] = file
        problems.extend(lint(script, file))
    if not texts:
        problems.append(Problem("", "", "no scripts to publish"))
    elif len(names) > 1 and ENTRY_SCRIPT not in names:
        problems.append(Problem("", "", f"no script is named '{ENTRY_SCRIPT}': new callers "
                                "start there"))
    return problems


def compile_texts(texts: dict[str, str]) -> dict[str, Script]:
    """Parse every text into a Script, by script name; ScriptError lists all problems."""
    return parse_scripts(texts)


def _decode(number: int, raw: bytes | str) -> Version:
    data = json.loads(raw)
    return Version(number=number, texts=dict(data["texts"]), by=str(data.get("by", "")),
                   at=float(data.get("at", 0)), message=str(data.get("message", "")),
                   rollback_of=data.get("rollback_of"),
                   changed=tuple(data.get("changed") or ()))


def _store(conn: redis.Redis, config: Settings, texts: dict[str, str], by: str,
           at: float, message: str, rollback_of: int | None, changed: list[str],
           seed: bool = False) -> int:
    value = json.dumps({"texts": texts, "by": by, "at": at, "message": message,
                        "rollback_of": rollback_of, "changed": changed},
                       ensure_ascii=False, separators=(",", ":"))
    number = conn.eval(_STORE, 3, *_keys(config), value, "seed" if seed else "")
    return int(number)


def current_number(conn: redis.Redis, config: Settings) -> int:
    """Return the number of the current version (0: none published, the files are live)."""
    raw = conn.get(_keys(config)[2])
    return int(raw) if raw else 0


def get(conn: redis.Redis, config: Settings, number: int) -> Version | None:
    """Return version `number`, or None when there is no such version."""
    raw = conn.hget(_keys(config)[1], str(number))
    return _decode(number, raw) if raw else None


def current(conn: redis.Redis, config: Settings) -> Version | None:
    """Return the current version, or None when nothing was published yet."""
    number = current_number(conn, config)
    return get(conn, config, number) if number else None


def history(conn: redis.Redis, config: Settings) -> list[Version]:
    """Return every version, newest first."""
    raw: dict[Any, Any] = conn.hgetall(_keys(config)[1])
    versions = [_decode(int(n), value) for n, value in raw.items()]
    return sorted(versions, key=lambda v: v.number, reverse=True)


def live_texts(conn: redis.Redis, config: Settings) -> tuple[int, dict[str, str]]:
    """Return (version number, texts) callers get now: the current version, else the files."""
    version = current(conn, config)
    if version is not None:
        return version.number, version.texts
    return 0, read_directory(str(config.scripts_dir))


def _changed(before: dict[str, str], after: dict[str, str]) -> list[str]:
    return sorted(f for f in set(before) | set(after) if before.get(f) != after.get(f))


def seed(conn: redis.Redis, config: Settings, now: float) -> None:
    """Store the files of SCRIPTS_DIR as version 1 when no version exists yet."""
    if current_number(conn, config):
        return
    texts = read_directory(str(config.scripts_dir))
    if texts:
        _store(conn, config, texts, STARTING_BY, now, "starting version (the files)", None,
               sorted(texts), seed=True)


def publish(conn: redis.Redis, config: Settings, texts: dict[str, str], by: str,
            message: str, now: float) -> tuple[Version, bool]:
    """Make `texts` the current version; return (version, whether a new one was made).

    LintFailed when any script has a lint error (warnings do not stop it). Texts the same
    as the current version's make no new version.
    """
    problems = check_texts(texts)
    if errors(problems):
        raise LintFailed(problems)
    seed(conn, config, now)
    latest = current(conn, config)
    before = latest.texts if latest else {}
    if latest is not None and before == texts:
        return latest, False
    number = _store(conn, config, dict(texts), by, now, message, None, _changed(before, texts))
    version = get(conn, config, number)
    assert version is not None
    return version, True


def rollback(conn: redis.Redis, config: Settings, number: int, by: str, message: str,
             now: float) -> Version:
    """Publish version `number`'s texts again as a new version (history keeps everything)."""
    target = get(conn, config, number)
    if target is None:
        known = current_number(conn, config)
        span = f"1..{known}" if known else "none published yet"
        raise VersionError(f"there is no version {number} (versions: {span})")
    latest = current(conn, config)
    if latest is not None and latest.number == number:
        raise VersionError(f"version {number} is the current version already")
    problems = check_texts(target.texts)  # the engine may have changed since it was live
    if errors(problems):
        raise LintFailed(problems)
    before = latest.texts if latest else {}
    new = _store(conn, config, dict(target.texts), by, now,
                 message or f"rollback to version {number}", number,
                 _changed(before, target.texts))
    version = get(conn, config, new)
    assert version is not None
    return version


def diff(before: dict[str, str], after: dict[str, str], old: str = "before",
         new: str = "after") -> str:
    """Return a unified diff of two sets of script texts, file by file."""
    out: list[str] = []
    for file in _changed(before, after):
        out.extend(difflib.unified_diff(
            before.get(file, "").splitlines(keepends=True),
            after.get(file, "").splitlines(keepends=True),
            fromfile=f"{file} ({old})", tofile=f"{file} ({new})", n=2))
        if out and not out[-1].endswith("\n"):
            out[-1] += "\n"
    return "".join(out)


def previous(versions: list[Version], version: Version) -> Version | None:
    """Return the version published just before `version` in a history list."""
    older = [v for v in versions if v.number < version.number]
    return max(older, key=lambda v: v.number) if older else None
