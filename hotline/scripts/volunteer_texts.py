"""What volunteers read, in their own language, from the live scripts' phrases.

Every SMS a volunteer gets (urgent pages, "taken by another", the answers to ACK, NEXT,
DONE, ON, OFF, HELP) is a phrase of the entry script (ivr_scripts/main.yaml `phrases:`,
names in hotline.engine.volunteer_phrases), so staff edit the words and the linter checks
them. The phrases follow the published script version (one GET to see which is current;
a version is compiled once per process). A phrase missing from the live scripts falls back
to English (FALLBACK); a volunteer whose languages the scripts do not speak reads the
script's default language.
"""

from __future__ import annotations

import logging
import os
import threading
from typing import Any

import redis

from hotline import keys as hotline_keys
from hotline.config import Settings
from hotline.engine.model import Texts
from hotline.engine.volunteer_phrases import FALLBACK, fill
from hotline.people.volunteers import Volunteer

log = logging.getLogger("hotline.people.volunteers")

ENTRY = "main"  # the script whose phrases hold the volunteers' texts
_DEFAULT_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                            "ivr_scripts")


class _Phrases:
    """The phrases and languages of one script version."""

    def __init__(self, phrases: dict[str, Texts], languages: tuple[str, ...], default: str):
        self.phrases = phrases
        self.languages = languages
        self.default = default


_cache: dict[tuple[str, str, int], _Phrases] = {}
_lock = threading.Lock()


def _scripts_dir(config: Settings) -> str:
    path = str(config.scripts_dir or "ivr_scripts")
    return path if os.path.isdir(path) else _DEFAULT_DIR


def _compile(texts: dict[str, str]) -> _Phrases:
    from hotline.scripts.versions import compile_texts

    scripts = compile_texts(texts)
    script = scripts.get(ENTRY) or next(iter(scripts.values()))
    return _Phrases(dict(script.phrases), tuple(script.languages), script.default_language)


def _live(conn: redis.Redis, config: Settings) -> _Phrases:
    """The phrases of the script version callers get now (empty when none loads)."""
    from hotline.scripts import versions as script_versions

    directory = _scripts_dir(config)
    number = script_versions.current_number(conn, config)
    key = (hotline_keys.prefix(config), directory, number)
    found = _cache.get(key)
    if found is not None:
        return found
    with _lock:
        try:
            if number:
                version = script_versions.get(conn, config, number)
                texts = version.texts if version else {}
            else:
                texts = script_versions.read_directory(directory)
            found = _compile(texts)
        except Exception as exc:  # noqa: BLE001  a text must still go out: the fallback
            log.error("volunteer phrases unreadable (%s); using the built-in English",
                      type(exc).__name__)
            found = _Phrases({}, ("en",), "en")
        if len(_cache) > 32:
            _cache.clear()
        _cache[key] = found
    return found


def language_of(conn: redis.Redis, config: Settings, volunteer: Volunteer | None) -> str:
    """The volunteer's first language the scripts speak (else the scripts' default)."""
    live = _live(conn, config)
    for code in volunteer.languages if volunteer else ():
        if code in live.languages:
            return code
    return live.default


def phrase(conn: redis.Redis, config: Settings, name: str, language: str) -> str:
    """Phrase `name` in `language` as staff wrote it ({placeholders} not filled in)."""
    live = _live(conn, config)
    by_language = live.phrases.get(name) or {}
    return by_language.get(language) or by_language.get(live.default) or FALLBACK[name]


def text(conn: redis.Redis, config: Settings, name: str, lang: str, /,
         **values: Any) -> str:
    """Phrase `name` in language `lang` with its {placeholders} filled in."""
    raw = phrase(conn, config, name, lang)
    filled = {k: str(v) for k, v in values.items()}
    if "{staff}" in raw and "staff" not in filled:
        filled["staff"] = staff_contact(conn, config, lang)
    return fill(raw, filled)


def staff_contact(conn: redis.Redis, config: Settings, language: str) -> str:
    """Who a volunteer asks: the STAFF_CONTACT setting, else the phrase volunteer_staff."""
    contact = str(config.staff_contact or "").strip()
    return contact or text(conn, config, "volunteer_staff", language)


def for_volunteer(conn: redis.Redis, config: Settings, volunteer: Volunteer | None,
                  name: str, /, **values: Any) -> str:
    """Phrase `name` in the volunteer's language, filled in."""
    return text(conn, config, name, language_of(conn, config, volunteer), **values)
