"""The linter's problems in Korean for the scripts page: a short Korean line per kind of
problem, shown before the linter's own (English, detailed) message."""

from __future__ import annotations

import re

from hotline.web.texts import say

# (what the linter's message says, the Korean line); the first that matches wins.
KINDS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern), text) for pattern, text in (
        (r"takes \d+ segments?", say("lint_too_long")),
        (r"has no '\w+' translation", say("lint_no_translation")),
        (r"which is not a declared", say("lint_undeclared_language")),
        (r"loanword", say("lint_loanword")),
        (r"neutral_words", say("lint_neutral_word")),
        (r"may not agree", say("lint_particle")),
        (r"^unreachable", say("lint_unreachable")),
        (r"^dead end", say("lint_dead_end")),
        (r"goto loop", say("lint_loop")),
        (r"is not a node", say("lint_no_such_node")),
        (r"used twice|is also option|names both", say("lint_twice")),
        (r"missing .*phrase", say("lint_missing_phrase")),
        (r"caller keyword", say("lint_caller_word")),
        (r"template", say("lint_template")),
        (r"needs voice", say("lint_voice")),
        (r"it may use only", say("lint_placeholder")),
        (r"fails when a caller", say("lint_fails")),
        (r"cannot read|YAML|spec_version", say("lint_unreadable")),
    ))
OTHER = say("lint_other")
ERROR, WARNING = say("lint_error"), say("lint_warning")


def in_korean(message: str) -> str:
    """The Korean line for a linter message (what kind of problem it is)."""
    return next((text for pattern, text in KINDS if pattern.search(message)), OTHER)


def severity_name(severity: str) -> str:
    """오류 / 경고 for the problem's severity."""
    return ERROR if severity == "error" else WARNING
