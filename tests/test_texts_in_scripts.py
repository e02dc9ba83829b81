"""Every text a caller or volunteer receives is a phrase of the scripts, never Python.

Staff edit the scripts' phrases (ivr_scripts/main.yaml) and `hotline scripts lint` checks
them (a translation in every language, one SMS segment, neutral words, loanwords); a
sentence written in Python escapes both. This scans the string literals of hotline/ and
workers/ (docstrings and exception messages aside) and fails on:
- any Hangul, Cyrillic or CJK text outside the places listed in ALLOWED below;
- a table of texts keyed by language code ({"ko": ..., "en": ...}) outside them;
- an English sentence handed to a function that says or texts it (say, message, send_sms).
"""

from __future__ import annotations

import ast
import os
import re
from dataclasses import dataclass

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# Letters of the hotline's non-Latin languages: Hangul (jamo, compatibility jamo,
# syllables), Cyrillic, CJK ideographs, kana.
FOREIGN = re.compile("[\u1100-\u11ff\u3130-\u318f\uac00-\ud7af\u0400-\u04ff"
                     "\u3400-\u4dbf\u4e00-\u9fff\u3040-\u30ff]")
LANGUAGE_CODES = {"ko", "en", "zh", "ru"}
# Functions that put their text argument in front of a caller or volunteer.
SENDERS = {"say", "_say", "message", "send_sms", "say_twiml", "enqueue_sms", "Say"}
SENTENCE = re.compile(r"[A-Za-z]+[ ,]+[A-Za-z]+[ ,]+[A-Za-z]+")  # three words or more

# Where non-Latin text is no text sent to anyone, or is the engine's built-in line for a
# phrase missing from the scripts. path -> why; (path, name) -> why for one name only.
ALLOWED: dict[str | tuple[str, str], str] = {
    "hotline/engine/volunteer_phrases.py": "built-in lines for a phrase missing from the "
                                           "scripts (the engine's fallback)",
    "hotline/engine/directory_words.py": "the directory node's built-in words for a script "
                                         "that does not give its own",
    "hotline/engine/caller_words.py": "default caller words (what callers send: STOP...)",
    "hotline/engine/triage.py": "default urgent words (what callers send)",
    "hotline/engine/korean.py": "Korean particles and ordinal words that make a filled-in "
                                "phrase agree with its values (no sentence of its own)",
    ("hotline/engine/urgent_node.py", "DEFAULT_YES"): "built-in yes/no labels of a triage "
                                                      "question without its own",
    ("hotline/engine/urgent_node.py", "DEFAULT_NO"): "built-in yes/no labels",
    ("hotline/engine/urgent_node.py", "YES_WORDS"): "words callers answer with",
    ("hotline/engine/urgent_node.py", "NO_WORDS"): "words callers answer with",
    ("hotline/engine/nodes.py", "example"): "the staff reference's YAML examples",
    ("hotline/engine/callback_node.py", "example"): "the staff reference's YAML examples",
    ("hotline/engine/directory_node.py", "example"): "the staff reference's YAML examples",
    ("hotline/engine/urgent_node.py", "example"): "the staff reference's YAML examples",
    ("hotline/engine/programme_node.py", "example"): "the staff reference's YAML examples",
    ("hotline/engine/checkin_node.py", "example"): "the staff reference's YAML examples",
    ("hotline/engine/programme_followup_node.py", "example"):
        "the staff reference's YAML examples",
    ("hotline/engine/voice_message_node.py", "example"): "the staff reference's YAML examples",
    "hotline/directory/": "place names, address and opening-hours words callers and "
                          "directory files use: matched, not sent",
    ("hotline/conversation/volunteer_commands.py", "ALIASES"): "the command words "
                                                               "volunteers send",
    ("hotline/channels/fallback.py", "KOREAN"): "the last-resort answer when no script is "
                                                "loaded (else the phrase "
                                                "fallback_unavailable)",
    ("hotline/channels/fallback.py", "ENGLISH"): "the last-resort answer (English)",
}


@dataclass(frozen=True)
class Finding:
    path: str
    line: int
    owner: str
    text: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line} ({self.owner or 'module'}): {self.text[:60]!r}"


def _python_files(root: str) -> list[str]:
    found = []
    for top in ("hotline", "workers"):
        for folder, _, files in os.walk(os.path.join(root, top)):
            found += [os.path.relpath(os.path.join(folder, f), root).replace(os.sep, "/")
                      for f in files if f.endswith(".py")]
    return sorted(found)


def _skipped(tree: ast.AST) -> set[int]:
    """ids of the nodes not to scan: docstrings, and exception messages (for staff)."""
    skip: set[int] = set()
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if (isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef))
                and body and isinstance(body[0], ast.Expr)
                and isinstance(body[0].value, ast.Constant)):
            skip.add(id(body[0].value))
        if isinstance(node, ast.Raise):
            skip.update(id(n) for n in ast.walk(node))
    return skip


def _owners(tree: ast.Module) -> dict[int, str]:
    """id of every node -> the name it is assigned to (module or class level), if any."""
    owners: dict[int, str] = {}

    def visit(statements: list[ast.stmt]) -> None:
        for statement in statements:
            if isinstance(statement, ast.ClassDef):
                visit(statement.body)
                continue
            targets: list[ast.expr] = []
            if isinstance(statement, ast.Assign):
                targets = statement.targets
            elif isinstance(statement, ast.AnnAssign):
                targets = [statement.target]
            names = [t.id for t in targets if isinstance(t, ast.Name)]
            owner = names[0] if names else (
                statement.name if isinstance(statement, (ast.FunctionDef,
                                                         ast.AsyncFunctionDef)) else "")
            for node in ast.walk(statement):
                owners.setdefault(id(node), owner)

    visit(tree.body)
    return owners


def _allowed(path: str, owner: str) -> bool:
    return any(key == (path, owner) or (isinstance(key, str) and path.startswith(key))
               for key in ALLOWED)


def _call_name(call: ast.Call) -> str:
    func = call.func
    return func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")


def sentences_in_code(root: str = ROOT) -> list[Finding]:
    """Every caller- or volunteer-facing sentence written in Python under `root`."""
    findings: list[Finding] = []
    for path in _python_files(root):
        with open(os.path.join(root, path), encoding="utf-8") as handle:
            tree = ast.parse(handle.read(), path)
        skip, owners = _skipped(tree), _owners(tree)

        def add(node: ast.AST, text: str, path: str = path,
                owners: dict[int, str] = owners) -> None:
            owner = owners.get(id(node), "")
            if not _allowed(path, owner):
                findings.append(Finding(path, getattr(node, "lineno", 0), owner, text))

        for node in ast.walk(tree):
            if (isinstance(node, ast.Constant) and isinstance(node.value, str)
                    and id(node) not in skip and FOREIGN.search(node.value)):
                add(node, node.value)
            elif isinstance(node, ast.Dict):
                keys = {k.value for k in node.keys if isinstance(k, ast.Constant)}
                texts = [v.value for v in node.values if isinstance(v, ast.Constant)
                         and isinstance(v.value, str) and re.search("[a-z]{2}", v.value)]
                if len(keys & LANGUAGE_CODES) >= 2 and texts:
                    add(node, f"a text table by language: {texts[0]}")
            elif isinstance(node, ast.Call) and _call_name(node) in SENDERS:
                for arg in node.args:
                    parts = arg.values if isinstance(arg, ast.JoinedStr) else [arg]
                    for part in parts:
                        if (isinstance(part, ast.Constant) and isinstance(part.value, str)
                                and SENTENCE.search(part.value)):
                            add(part, part.value)
    return sorted(findings, key=lambda f: (f.path, f.line))


def test_no_caller_or_volunteer_sentence_is_written_in_python():
    found = sentences_in_code()
    assert not found, ("texts for callers or volunteers belong in the scripts' phrases "
                       "(ivr_scripts/main.yaml, names in hotline/engine/volunteer_phrases.py); "
                       "the web pages' own labels and messages in hotline/web/texts.yaml:\n"
                       + "\n".join(map(str, found)))


def test_the_scan_finds_a_sentence_of_each_kind(tmp_path):
    (tmp_path / "hotline").mkdir()
    (tmp_path / "workers").mkdir()
    (tmp_path / "hotline" / "bad.py").write_text(
        '"""Docstrings may say 안녕하세요."""\n'
        'HELLO = "안녕하세요"\n'
        'BYE = {"ko": "x", "en": "Goodbye for now"}\n'
        'def call(r):\n'
        '    r.say("Please hold the line, we connect you.")\n'
        '    raise ValueError("비밀번호")\n', encoding="utf-8")
    (tmp_path / "workers" / "ok.py").write_text('CODES = {"ko": "KR", "en": "US"}\n',
                                                encoding="utf-8")
    found = sentences_in_code(str(tmp_path))
    assert [(f.path, f.line, f.owner) for f in found] == [
        ("hotline/bad.py", 2, "HELLO"), ("hotline/bad.py", 3, "BYE"),
        ("hotline/bad.py", 5, "call")]
