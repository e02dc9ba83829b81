"""The script model: typed, immutable objects built from a staff-written YAML file.

A node type is a subclass of Node that knows how to read itself from YAML (`parse`),
what it does when the caller arrives (`enter`) and with the caller's answer (`answer`).
Node types register themselves in NODE_TYPES; each documents itself (docstring +
`example`) so ivr_scripts/README.md can be written from here.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from typing import Any, ClassVar, Protocol

from hotline.engine.actions import Action
from hotline.engine.emergency import emergency_number
from hotline.engine.inputs import Input
from hotline.engine.korean import agree
from hotline.engine.session import Session

SPEC_VERSION = 1

Texts = dict[str, str]  # language code -> text


@dataclass(frozen=True)
class Language:
    """A language the script speaks, with how its channels say "press N" / "reply N"."""

    code: str
    name: str
    keywords: tuple[str, ...] = ()
    voice: str = ""
    speech: str = ""
    press: str = "{key}: {label}"
    # The language code the voice speaks, when it differs from the speech-recognition
    # code (Polly.Zhiyu speaks cmn-CN, <Gather> listens for zh-CN); else `speech`.
    voice_language: str = ""
    reply: str = "{key} {label}"


@dataclass(frozen=True)
class Option:
    """One menu option: a digit key, a label per language, optional keywords, a target."""

    key: str
    label: Texts
    goto: str
    keywords: dict[str, tuple[str, ...]] = field(default_factory=dict)
    line: int = 0
    # Languages a call also offers this option in, each by its name in its own voice
    # ("中文请按9。"); never in an SMS. For the way to the language menu.
    voice_also: tuple[str, ...] = ()


@dataclass(frozen=True)
class Step:
    """What a node did: actions, then go on (`goto`), wait (`wait`), or end (`end`).

    `invalid=True` means the caller's answer did not fit; the runner re-asks or gives up.
    `hint` (with invalid) replaces the script's `invalid` phrase: what to send instead.
    """

    actions: tuple[Action, ...] = ()
    goto: str | None = None
    wait: str | None = None
    end: bool = False
    invalid: bool = False
    hint: str = ""
    vars: dict[str, str] = field(default_factory=dict)
    language: str | None = None


class Reader(Protocol):
    """What a node type's `parse` may use to read YAML and report problems."""

    def problem(self, node: str, message: str, line: int = 0) -> None: ...
    def texts(self, value: Any, node: str, what: str, line: int) -> Texts: ...
    def words(self, value: Any, node: str, what: str, line: int) -> dict[str, tuple[str, ...]]: ...
    def options(self, value: Any, node: str, line: int) -> tuple[Option, ...]: ...


_VAR = re.compile(r"\{(\w+)\}")
# agree() of a text with nothing to fill in: only the scripts' own words (every menu label,
# on every step), never a caller's (those come in through {name}), so they may be kept.
_agreed = functools.lru_cache(maxsize=4096)(agree)


@dataclass(frozen=True)
class Context:
    """The script and session a node runs in, with helpers to pick the caller's words."""

    script: Script
    session: Session
    now: float

    @property
    def language(self) -> str:
        return self.session.language

    def fill(self, text: str, extra: dict[str, str] | None = None) -> str:
        """Replace {name} with a session variable, {emergency}, or an extra value; then make
        Korean particles and ordinals agree with what was filled in (engine.korean)."""
        if "{" not in text:
            return _agreed(text)  # a script's own words: worked out once per process
        values = dict(self.session.vars)
        values["emergency"] = emergency_number(self.session.country)
        values.update(extra or {})
        return agree(_VAR.sub(lambda m: str(values.get(m.group(1), m.group(0))), text))

    def pick(self, texts: Texts, extra: dict[str, str] | None = None) -> str:
        """Return texts in the caller's language (else the default), filled in."""
        raw = texts.get(self.language) or texts.get(self.script.default_language, "")
        return self.fill(raw, extra)

    def phrase(self, name: str, extra: dict[str, str] | None = None) -> str:
        """Return a script phrase in the caller's language, filled in."""
        return self.fill(self.script.phrase(name, self.language), extra)


@dataclass(frozen=True)
class Node:
    """Base of every node type: an id, text per language, and the line it starts on."""

    kind: ClassVar[str] = ""
    example: ClassVar[str] = ""
    waits: ClassVar[bool] = False  # True for nodes that stop and wait for the caller
    ends: ClassVar[bool] = False  # True for nodes that end the conversation (no way on needed)
    entry: ClassVar[bool] = False  # True for nodes reached without a goto (e.g. by urgent words)
    id: str
    text: Texts
    line: int = 0
    sms_segments: int = 1  # SMS segments this node's text may take (`sms_segments:` in YAML)

    @classmethod
    def parse(cls, reader: Reader, node_id: str, value: dict[str, Any], line: int) -> Node:
        """Build the node from its YAML mapping; report problems to the reader."""
        return cls(id=node_id, text=reader.texts(value.get("text"), node_id, "text", line),
                   line=line)

    def targets(self) -> tuple[str, ...]:
        """Return the ids of the nodes this node can lead to."""
        return ()

    def texts(self) -> dict[str, Texts]:
        """Return every caller-facing text of this node by a name (for the linter)."""
        return {"text": self.text} if self.text else {}

    def check(self, script: Script) -> list[str]:
        """Return errors only this node type can see (the linter adds them to its own)."""
        return []

    def enter(self, ctx: Context) -> Step:
        """The caller arrives at this node."""
        raise NotImplementedError

    def answer(self, ctx: Context, event: Input) -> Step:
        """The caller answered while this node waited."""
        return Step(invalid=True)


# Registered node types by `type:` name. Node modules add themselves with register().
NODE_TYPES: dict[str, type[Node]] = {}


def register(cls: type[Node]) -> type[Node]:
    """Class decorator: make a node type available to scripts under its `kind`."""
    NODE_TYPES[cls.kind] = cls
    return cls


# Phrases the engine itself needs, per language; a script must define each one.
PHRASES: dict[str, str] = {
    "invalid": "the answer did not match an option; the menu follows",
    "silence": "voice: nothing was heard; the menu follows",
    "resume": "asked when a caller comes back within 30 minutes",
    "resume_yes": "option label: continue where you left off",
    "resume_no": "option label: start from the beginning",
    "give_up": "after too many wrong answers; may use {emergency}",
}

# Phrases the application says when the script has them (else a built-in line): the
# notice over the rate limit (one SMS segment; the call's notice is spoken), and what an
# opted-out caller hears who asked for a text. Each may use {emergency}.
APP_PHRASES: dict[str, str] = {
    "rate_limited": "SMS over the rate limit, once a minute; should give {emergency}",
    "rate_limited_voice": "a call over the rate limit, before the hang-up; give {emergency}",
    "sms_opted_out": "voice: the text was not sent (the number sent STOP); say how to START",
}


@dataclass(frozen=True)
class Script:
    """A whole menu script: languages, phrases, word lists and nodes by id."""

    name: str
    languages: dict[str, Language]
    default_language: str
    start: str
    nodes: dict[str, Node]
    phrases: dict[str, Texts] = field(default_factory=dict)
    neutral_words: dict[str, tuple[str, ...]] = field(default_factory=dict)
    loanwords: dict[str, tuple[str, ...]] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)
    spec_version: int = SPEC_VERSION
    source: str = ""
    version: str = ""

    def kept(self, name: str) -> dict[Any, Any]:
        """A dict of what is worked out once per loaded or published version (urgent
        look-ups, menu choices, rendered documents) rather than on every step. Kept in the
        instance's own __dict__, as functools.cached_property keeps its value: a frozen
        dataclass allows that, and a changed copy (dataclasses.replace) starts without it."""
        found: dict[Any, Any] | None = self.__dict__.get(name)
        if found is None:
            found = self.__dict__.setdefault(name, {})
        return found

    def phrase(self, name: str, language: str) -> str:
        """Return a system phrase in `language`, falling back to the default language."""
        texts = self.phrases.get(name, {})
        return texts.get(language) or texts.get(self.default_language, "")

    def voice(self, code: str) -> tuple[str, str]:
        """Return (voice, speech code) a call uses for a language (its `voice:` and
        `speech:`), else the default language's; ("", "") when neither is given."""
        language = self.languages.get(code) or self.languages.get(self.default_language)
        return (language.voice, language.voice_language or language.speech) if language \
            else ("", "")
