"""Loading scripts: YAML text -> migrate -> typed objects. Structural errors are collected."""

from __future__ import annotations

import functools
import hashlib
import io
import os
from dataclasses import dataclass, replace
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError

import hotline.engine.callback_node
import hotline.engine.checkin_node
import hotline.engine.directory_node
import hotline.engine.nodes
import hotline.engine.programme_followup_node
import hotline.engine.programme_node
import hotline.engine.urgent_node
import hotline.engine.voice_message_node  # noqa: F401  (registers the node types)
from hotline.engine.model import (
    NODE_TYPES,
    SPEC_VERSION,
    Language,
    Node,
    Option,
    Script,
    Texts,
)


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a script, named by file and node: `file:node: message`."""

    file: str
    node: str
    message: str
    line: int = 0
    severity: str = "error"  # "error" or "warning"

    def __str__(self) -> str:
        where = f"{self.file}:{self.node}" if self.node else self.file
        return f"{where}: {self.message}"


class ScriptError(Exception):
    """A script could not be loaded; `problems` lists every reason found."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


def _line(data: Any, key: Any = None) -> int:
    """Return the 1-based line of a ruamel mapping (or of one of its keys)."""
    lc = getattr(data, "lc", None)
    if lc is None:
        return 0
    try:
        if key is not None:
            return int(lc.key(key)[0]) + 1
        return int(lc.line) + 1
    except (KeyError, TypeError, AttributeError):
        return 0


def migrate(data: dict[str, Any]) -> dict[str, Any]:
    """Bring an older spec_version up to SPEC_VERSION (version 1 is the first)."""
    return data


class _Reader:
    """Turns parsed YAML into typed objects, collecting problems instead of stopping."""

    def __init__(self, file: str):
        self.file = file
        self.problems: list[Problem] = []
        self.language_codes: tuple[str, ...] = ()  # the script's languages, once read

    def problem(self, node: str, message: str, line: int = 0) -> None:
        self.problems.append(Problem(self.file, node, message, line))

    def texts(self, value: Any, node: str, what: str, line: int) -> Texts:
        if value is None:
            return {}
        if isinstance(value, str):
            self.problem(node, f"{what} must give a text per language (e.g. ko: ..., en: ...)", line)
            return {}
        if not isinstance(value, dict):
            self.problem(node, f"{what} must be a mapping of language to text", line)
            return {}
        out: Texts = {}
        for lang, text in value.items():
            if text is None:
                # Often {ko: ..., en: Sorry, again.}: YAML reads "again." as a key of its own.
                self.problem(node, f"{what}: '{lang}' has no text (put a text that holds a "
                             "comma in quotes)", line)
                continue
            if not isinstance(text, (str, int, float)):
                self.problem(node, f"{what} in '{lang}' must be text", line)
                continue
            out[str(lang)] = str(text).strip()
        return out

    def words(self, value: Any, node: str, what: str, line: int) -> dict[str, tuple[str, ...]]:
        if value is None:
            return {}
        if not isinstance(value, dict):
            self.problem(node, f"{what} must be a mapping of language to a list of words", line)
            return {}
        out: dict[str, tuple[str, ...]] = {}
        for lang, words in value.items():
            if isinstance(words, str):
                words = [words]
            if not isinstance(words, list):
                self.problem(node, f"{what} in '{lang}' must be a list", line)
                continue
            out[str(lang)] = tuple(str(w).strip() for w in words if str(w).strip())
        return out

    def language(self, code: str, value: Any, line: int) -> Language:
        if not isinstance(value, dict):
            self.problem("languages", f"language '{code}' must be a mapping", line)
            value = {}
        keywords = value.get("keywords") or []
        if isinstance(keywords, str):
            keywords = [keywords]
        if not isinstance(keywords, list):
            self.problem("languages", f"language '{code}': keywords must be a list", line)
            keywords = []
        return Language(
            code=code,
            name=str(value.get("name", code)),
            keywords=tuple(str(k) for k in keywords),
            voice=str(value.get("voice", "")),
            speech=str(value.get("speech", "")),
            voice_language=str(value.get("voice_language", "")),
            press=str(value.get("press", "{key}: {label}")),
            reply=str(value.get("reply", "{key} {label}")),
        )

    def option(self, node: str, value: Any) -> Option | None:
        line = _line(value)
        if not isinstance(value, dict):
            self.problem(node, "each option must be a mapping with key, label and goto", line)
            return None
        key = value.get("key")
        if key is None or not str(key).strip():
            self.problem(node, "an option has no key", line)
            return None
        key = str(key).strip()
        if not (key.isdigit() or key in {"*", "#"}):
            self.problem(node, f"option key '{key}' must be digits (or * or #)", line)
        goto = value.get("goto")
        if not goto:
            self.problem(node, f"option {key} has no goto", line)
        voice_also = value.get("voice_also") or []
        if isinstance(voice_also, str):
            voice_also = [voice_also]
        if not isinstance(voice_also, list):
            self.problem(node, f"option {key}: voice_also must be a list of languages", line)
            voice_also = []
        for code in voice_also:
            if str(code) not in self.language_codes:
                self.problem(node, f"option {key}: voice_also names '{code}', which is not "
                                   "one of the script's languages", line)
        return Option(
            key=key,
            label=self.texts(value.get("label"), node, f"option {key} label", line),
            goto=str(goto or ""),
            keywords=self.words(value.get("keywords"), node, f"option {key} keywords", line),
            line=line,
            voice_also=tuple(str(code) for code in voice_also),
        )

    def options(self, value: Any, node: str, line: int) -> tuple[Option, ...]:
        if not isinstance(value, list) or not value:
            self.problem(node, "a menu needs a list of options", line)
            return ()
        return tuple(o for o in (self.option(node, v) for v in value) if o)

    def node(self, node_id: str, value: Any, line: int) -> Node | None:
        if not isinstance(value, dict):
            self.problem(node_id, "a node must be a mapping with a type", line)
            return None
        kind = value.get("type")
        cls = NODE_TYPES.get(str(kind))
        if cls is None:
            known = ", ".join(sorted(NODE_TYPES))
            self.problem(node_id, f"unknown node type '{kind}' (known: {known})", line)
            return None
        node = cls.parse(self, node_id, value, line)
        budget = value.get("sms_segments", 1)
        if isinstance(budget, bool) or not isinstance(budget, int) or not 1 <= budget <= 10:
            self.problem(node_id, f"sms_segments must be a whole number 1..10, not {budget!r}",
                         line)
            return node
        return replace(node, sms_segments=budget) if budget != node.sms_segments else node


_TOP_LEVEL = {"spec_version", "name", "languages", "default_language", "phrases", "nodes",
              "start", "neutral_words", "loanwords"}


def parse_script(text: str, file: str = "<script>", name: str | None = None) -> Script:
    """Parse YAML text into a Script; raise ScriptError listing every structural problem.

    The same text parses to the same Script, kept for the next ask: a Script is never
    changed after parsing, and parsing a large script with its line numbers is most of
    what starting an app (or a transcript, or a simulator run) costs.
    """
    return _parsed(text, file, name)


@functools.lru_cache(maxsize=64)
def _parsed(text: str, file: str, name: str | None) -> Script:
    reader = _Reader(file)
    try:
        data = YAML(typ="rt").load(io.StringIO(text))
    except YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else 0
        raise ScriptError([Problem(file, "", f"line {line}: not valid YAML", line)]) from None
    if not isinstance(data, dict):
        raise ScriptError([Problem(file, "", "a script must be a YAML mapping")])
    version = data.get("spec_version")
    if version is None:
        reader.problem("", f"missing spec_version (current: {SPEC_VERSION})")
    elif not isinstance(version, int) or not 1 <= version <= SPEC_VERSION:
        reader.problem("", f"spec_version {version!r} is not supported (1..{SPEC_VERSION})")
    data = migrate(dict(data))

    languages_raw = data.get("languages")
    languages: dict[str, Language] = {}
    if not isinstance(languages_raw, dict) or not languages_raw:
        reader.problem("languages", "declare at least one language (e.g. ko:, en:)")
    else:
        for code, value in languages_raw.items():
            languages[str(code)] = reader.language(str(code), value, _line(languages_raw, code))
    reader.language_codes = tuple(languages)
    default_language = str(data.get("default_language") or next(iter(languages), ""))
    if languages and default_language not in languages:
        reader.problem("", f"default_language '{default_language}' is not declared")

    phrases_raw = data.get("phrases") or {}
    phrases: dict[str, Texts] = {}
    if not isinstance(phrases_raw, dict):
        reader.problem("phrases", "phrases must be a mapping of name to texts")
    else:
        for key, value in phrases_raw.items():
            phrases[str(key)] = reader.texts(value, "phrases", f"phrase {key}",
                                             _line(phrases_raw, key))

    nodes_raw = data.get("nodes")
    nodes: dict[str, Node] = {}
    if not isinstance(nodes_raw, dict) or not nodes_raw:
        reader.problem("nodes", "a script needs nodes")
    else:
        for node_id, value in nodes_raw.items():
            node = reader.node(str(node_id), value, _line(nodes_raw, node_id))
            if node is not None:
                nodes[node.id] = node
    start = str(data.get("start") or "")
    if not start:
        reader.problem("", "missing start: the id of the first node")
    elif isinstance(nodes_raw, dict) and start not in nodes_raw:
        reader.problem("", f"start node '{start}' does not exist")

    if reader.problems:
        raise ScriptError(reader.problems)
    return Script(
        name=name or str(data.get("name") or os.path.splitext(os.path.basename(file))[0]),
        languages=languages,
        default_language=default_language,
        start=start,
        nodes=nodes,
        phrases=phrases,
        neutral_words=reader.words(data.get("neutral_words"), "", "neutral_words", 0),
        loanwords=reader.words(data.get("loanwords"), "", "loanwords", 0),
        extra={k: v for k, v in data.items() if k not in _TOP_LEVEL},
        spec_version=SPEC_VERSION,
        source=text,
        version=hashlib.sha256(text.encode("utf-8")).hexdigest()[:12],
    )


def load_script(path: str) -> Script:
    """Load one script file."""
    with open(path, encoding="utf-8") as handle:
        text = handle.read()
    return parse_script(text, file=path)


# Other YAML files that live beside the scripts: transcript tests and sample data files.
_NOT_SCRIPTS = (".test.yaml", ".test.yml", ".sample.yaml", ".sample.yml")


def script_paths(directory: str) -> list[str]:
    """Return the script files in a directory (*.yaml, not *.test.yaml or *.sample.yaml)."""
    names = sorted(os.listdir(directory))
    return [
        os.path.join(directory, n)
        for n in names
        if n.endswith((".yaml", ".yml")) and not n.endswith(_NOT_SCRIPTS)
    ]


def parse_scripts(texts: dict[str, str]) -> dict[str, Script]:
    """Parse YAML texts (by file name) into Scripts, by script name; ScriptError lists all
    problems found in all of them."""
    scripts: dict[str, Script] = {}
    problems: list[Problem] = []
    for file, text in sorted(texts.items()):
        try:
            script = parse_script(text, file=file)
        except ScriptError as exc:
            problems.extend(exc.problems)
            continue
        scripts[script.name] = script
    if problems:
        raise ScriptError(problems)
    return scripts


def load_scripts(directory: str) -> dict[str, Script]:
    """Load every script in a directory, by name; ScriptError lists all problems found."""
    texts = {}
    for path in script_paths(directory):
        with open(path, encoding="utf-8") as handle:
            texts[path] = handle.read()
    return parse_scripts(texts)
