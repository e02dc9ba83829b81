"""The outcome codes ("dispositions") staff set, of which a volunteer picks one when they
close a request: e.g. `referred: 병원 안내함 Referred to a clinic`. Kept in Redis (keys:
cb:dispositions) as one ordered list, edited on the staff page."""

from __future__ import annotations

import json
import re

import redis

from hotline import keys as hotline_keys
from hotline.config import Settings

MAX_CODES = 30
CODE = re.compile(r"^[a-z0-9_-]{1,40}$")


class DispositionError(ValueError):
    """A line staff wrote that is not `code: label` (the message names the line)."""


def current(conn: redis.Redis, config: Settings,
            default: tuple[tuple[str, str], ...] = ()) -> list[tuple[str, str]]:
    """The outcome codes in the order staff set them (`default` until they do: the web
    pages' own, in hotline/web/texts.yaml)."""
    raw = conn.get(hotline_keys.of(config).callbacks.dispositions)
    if not raw:
        return list(default)
    return [(str(code), str(label)) for code, label in json.loads(raw)]


def known(conn: redis.Redis, config: Settings, code: str) -> bool:
    """Whether a volunteer may pick `code`: one of staff's list (before staff set one,
    any well-formed code: the pages offer their defaults)."""
    codes = current(conn, config)
    return code in dict(codes) if codes else bool(CODE.match(code))


def parse(text: str) -> list[tuple[str, str]]:
    """Read staff's lines, one `code: label` each (blank lines skipped)."""
    out: list[tuple[str, str]] = []
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        code, _, label = line.partition(":")
        code, label = code.strip().lower(), " ".join(label.split())[:80]
        if not CODE.match(code) or not label:
            raise DispositionError(f"line {number}: write code: label (a-z, 0-9, _ and -)")
        if code in dict(out):
            raise DispositionError(f"line {number}: {code} twice")
        out.append((code, label))
    if not out or len(out) > MAX_CODES:
        raise DispositionError(f"between 1 and {MAX_CODES} codes")
    return out


def save(conn: redis.Redis, config: Settings, codes: list[tuple[str, str]]) -> None:
    """Replace the list (requests closed before keep the code they were given)."""
    conn.set(hotline_keys.of(config).callbacks.dispositions,
             json.dumps(codes, ensure_ascii=False))


def as_text(codes: list[tuple[str, str]]) -> str:
    """The list as staff edit it."""
    return "\n".join(f"{code}: {label}" for code, label in codes)
