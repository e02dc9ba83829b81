"""What volunteers and callers read or hear outside the menu, from the live scripts' phrases.

Every SMS a volunteer gets (urgent pages, "taken by another", the answers to ACK, NEXT,
DONE, ON, OFF, HELP), what a bridged or urgent call says to them, and the texts callers
get outside the menu (replies to STOP, START, HELP, DELETE, the text after a call back
that never got through, the urgent call nobody took) are phrases of the entry script
(ivr_scripts/main.yaml `phrases:`, names in hotline.engine.volunteer_phrases), so staff
edit the words and the linter checks them. So are the voices calls use (the script's
`languages:` voice and speech): voice() is the one table. The phrases follow the
published script version (one GET to see which is current; a version is compiled once
per process). A phrase missing from the live scripts falls back to the built-in line
(fallback_text); a volunteer whose languages the scripts do not speak reads the script's
default language.
"""

from __future__ import annotations

import logging
import os
import threading
from typing import Any

import redis

from hotline import keys as hotline_keys
from hotline.config import Settings
from hotline.engine.model import Script, Texts
from hotline.engine.volunteer_phrases import fallback_text, fill
from hotline.people.volunteers import Volunteer

log = logging.getLogger("hotline.people.volunteers")

ENTRY = "main"  # the script whose phrases hold the volunteers' texts
_DEFAULT_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                            "ivr_scripts")


class Phrases:
    """The phrases, languages and voices of one script version (a snapshot: a view that
    needs many words asks live() once and reads them all from it)."""

    def __init__(self, phrases: dict[str, Texts], languages: tuple[str, ...], default: str,
                 voices: dict[str, tuple[str, str]] | None = None):
        self.phrases = phrases
        self.languages = languages
        self.default = default
        self.voices = voices or {}

    def raw(self, name: str, language: str) -> str:
        """Phrase `name` in `language` as staff wrote it ({placeholders} not filled in)."""
        by_language = self.phrases.get(name) or {}
        return (by_language.get(language) or by_language.get(self.default)
                or fallback_text(name, language))

    def text(self, name: str, language: str, /, **values: Any) -> str:
        """Phrase `name` in `language`, filled in ({staff}: see the module's text())."""
        return fill(self.raw(name, language), {k: str(v) for k, v in values.items()})

    def has(self, name: str, language: str) -> bool:
        """Whether the scripts write phrase `name` in `language` itself."""
        return bool((self.phrases.get(name) or {}).get(language))

    def spoken(self, code: str) -> str:
        """`code` when the scripts speak it, else their default language."""
        return code if code in self.languages else self.default

    def language_for(self, volunteer: Volunteer | None) -> str:
        """The volunteer's first language the scripts speak (else the scripts' default)."""
        for code in volunteer.languages if volunteer else ():
            if code in self.languages:
                return code
        return self.default

    def voice(self, language: str) -> tuple[str, str]:
        """(Polly voice, speech code) for saying something in `language`: the script's
        `languages:` entry (else the default language's). The one voice table."""
        return self.voices.get(language) or self.voices.get(self.default) or ("", "")

    def language_name(self, code: str, language: str) -> str:
        """The name of language `code` in `language` (phrase language_<code>), else the
        code itself."""
        return self._word(f"language_{code}", language, code)

    def topic_name(self, topic: str, language: str) -> str:
        """A request's topic in `language` (phrase topic_<topic>), else as stored."""
        return self._word(f"topic_{topic}", language, topic)

    def waited(self, seconds: float, language: str) -> str:
        """A waiting time in hours or minutes in `language`: '3시간', '45 minutes'."""
        minutes = max(1, int(seconds // 60))
        if minutes >= 120:
            return self.text("waited_hours", language, n=minutes // 60)
        return self.text("waited_minutes", language, n=minutes)

    def _word(self, name: str, language: str, otherwise: str) -> str:
        known = bool(self.phrases.get(name)) or bool(fallback_text(name, ""))
        return self.text(name, language) if known else otherwise


_cache: dict[tuple[str, str, int], Phrases] = {}
_lock = threading.Lock()


def _scripts_dir(config: Settings) -> str:
    path = str(config.scripts_dir or "ivr_scripts")
    return path if os.path.isdir(path) else _DEFAULT_DIR


def of_script(script: Script) -> Phrases:
    """The phrases, languages and voices of one (entry) script."""
    return Phrases(dict(script.phrases), tuple(script.languages), script.default_language,
                   {code: script.voice(code) for code in script.languages})


def _compile(texts: dict[str, str]) -> Phrases:
    from hotline.scripts.versions import compile_texts

    scripts = compile_texts(texts)
    return of_script(scripts.get(ENTRY) or next(iter(scripts.values())))


def live(conn: redis.Redis, config: Settings) -> Phrases:
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
            found = Phrases({}, ("en",), "en")
        if len(_cache) > 32:
            _cache.clear()
        _cache[key] = found
    return found


def language_of(conn: redis.Redis, config: Settings, volunteer: Volunteer | None) -> str:
    """The volunteer's first language the scripts speak (else the scripts' default)."""
    return live(conn, config).language_for(volunteer)


def phrase(conn: redis.Redis, config: Settings, name: str, language: str) -> str:
    """Phrase `name` in `language` as staff wrote it ({placeholders} not filled in)."""
    return live(conn, config).raw(name, language)


def has(conn: redis.Redis, config: Settings, name: str, language: str) -> bool:
    """Whether the live scripts write phrase `name` in `language` itself."""
    return live(conn, config).has(name, language)


def spoken(conn: redis.Redis, config: Settings, code: str) -> str:
    """`code` when the live scripts speak it, else their default language."""
    return live(conn, config).spoken(code)


def voice(conn: redis.Redis, config: Settings, language: str) -> tuple[str, str]:
    """(Polly voice, speech code) for `language` from the live script's `languages:`."""
    return live(conn, config).voice(language)


def language_name(conn: redis.Redis, config: Settings, code: str, lang: str) -> str:
    """The name of language `code` in language `lang` (phrase language_<code>)."""
    return live(conn, config).language_name(code, lang)


def topic_name(conn: redis.Redis, config: Settings, topic: str, lang: str) -> str:
    """A request's topic in language `lang` (phrase topic_<topic>), else as stored."""
    return live(conn, config).topic_name(topic, lang)


def waited(conn: redis.Redis, config: Settings, seconds: float, lang: str) -> str:
    """A waiting time in hours or minutes in language `lang`: '3시간', '45 minutes'."""
    return live(conn, config).waited(seconds, lang)


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


class Wording:
    """The texts above, bound to one connection and configuration: what a domain below the
    scripts (people's rota notices) is handed to word its texts with."""

    def __init__(self, conn: redis.Redis, config: Settings):
        self.conn, self.config = conn, config

    def text(self, name: str, lang: str, /, **values: Any) -> str:
        """Phrase `name` in language `lang`, filled in (see text())."""
        return text(self.conn, self.config, name, lang, **values)

    def language_of(self, volunteer: Volunteer | None) -> str:
        """The volunteer's first language the scripts speak (see language_of())."""
        return language_of(self.conn, self.config, volunteer)

    def for_volunteer(self, volunteer: Volunteer | None, name: str, /, **values: Any) -> str:
        """Phrase `name` in the volunteer's language, filled in (see for_volunteer())."""
        return for_volunteer(self.conn, self.config, volunteer, name, **values)
