"""Caller keywords (STOP, START, HELP, DELETE): matching, the script's own words, the
linter, and the replies a caller reads."""

from __future__ import annotations

import pytest

from hotline.conversation.caller_words import PHRASES as REPLY_PHRASES
from hotline.engine.caller_words import find_caller_word, parse_caller_words
from hotline.engine.lint import lint
from hotline.engine.loader import load_script, parse_script
from hotline.engine.loader import load_script as _load_script
from hotline.engine.segments import count_segments
from tests.conftest import SCRIPTS_DIR

# What callers get for each caller word: the scripts' phrases (ivr_scripts/main.yaml).
REPLIES = {kind: _load_script(f"{SCRIPTS_DIR}/main.yaml").phrases[name]
           for kind, name in REPLY_PHRASES.items()}


@pytest.mark.parametrize("text, kind, language", [
    ("STOP", "stop", "en"), (" stop. ", "stop", "en"), ("Ｓｔｏｐ", "stop", "en"),
    ("Unsubscribe", "stop", "en"), ("CANCEL", "stop", "en"), ("end", "stop", "en"),
    ("quit!", "stop", "en"), ("중지", "stop", "ko"), ("TD", "stop", "zh"),
    ("стоп", "stop", "ru"), ("START", "start", "en"), ("yes", "start", "en"),
    ("UNSTOP", "start", "en"), ("HELP", "help", "en"), ("info", "help", "en"),
    ("DELETE", "delete", "en"), ("삭제", "delete", "ko"), ("지워 주세요", "delete", "ko"),
    ("删除", "delete", "zh"), ("Удалить", "delete", "ru"),
])
def test_a_whole_message_that_is_a_keyword_is_found(text, kind, language):
    word = find_caller_word(text)
    assert word is not None and (word.kind, word.language) == (kind, language)


@pytest.mark.parametrize("text", ["please stop", "don't stop", "help me", "삭제해도 되나요",
                                  "1", "", "   ", "stopping", "도움", "помощь", "x" * 500])
def test_words_inside_a_longer_message_are_not_keywords(text):
    # "help me", "도움" and "помощь" alone may be a cry for help: never the HELP keyword.
    assert find_caller_word(text) is None


def test_only_twilios_own_english_stop_and_start_words_are_answered_by_twilio():
    assert find_caller_word("STOP").twilio_handled
    assert find_caller_word("yes").twilio_handled
    assert not find_caller_word("중지").twilio_handled
    assert not find_caller_word("HELP").twilio_handled
    assert not find_caller_word("DELETE").twilio_handled


def test_the_script_adds_its_own_words_and_the_defaults_stay():
    lists, problems = parse_caller_words({"delete": {"ko": ["없애 주세요"]},
                                          "stop": {"ko": "멈춤"}})
    assert problems == []
    assert find_caller_word("없애 주세요", lists).kind == "delete"
    assert find_caller_word("멈춤", lists).kind == "stop"
    assert find_caller_word("삭제", lists).kind == "delete"  # the default is still there
    assert find_caller_word("STOP", lists).kind == "stop"  # Twilio's words cannot go


def test_the_main_script_words_are_read_from_its_file():
    script = load_script(f"{SCRIPTS_DIR}/main.yaml")
    lists, problems = parse_caller_words(script.extra.get("caller_words"))
    assert problems == []
    assert lists["delete"]["ko"][:1] == ("삭제",) and "删除" in lists["delete"]["zh"]
    assert "удалить" in lists["delete"]["ru"] and "중지" in lists["stop"]["ko"]


@pytest.mark.parametrize("value, expected", [
    ("stop", "caller_words must map stop, start, help and delete to word lists"),
    ({"pause": {"en": ["p"]}}, "caller_words: unknown kind 'pause'"),
    ({"stop": ["x"]}, "caller_words stop must map a language to a list of words"),
    ({"help": {"ko": ["!!"]}}, "caller word '!!' (help, ko) has no letters"),
    ({"help": {"en": ["stop"]}}, "caller word 'stop' is both stop and help"),
])
def test_bad_caller_words_are_reported(value, expected):
    _, problems = parse_caller_words(value)
    assert any(p.startswith(expected) for p in problems), problems


MENU = """
spec_version: 1
name: t
default_language: en
start: menu
languages:
  en: {name: English, voice: Polly.Joanna, speech: en-US}
phrases:
  invalid: {en: Again.}
  silence: {en: Nothing heard.}
  resume: {en: Continue?}
  resume_yes: {en: Continue}
  resume_no: {en: Start over}
  give_up: {en: "Call {emergency}."}
nodes:
  menu:
    type: menu
    text: {en: Choose.}
    options:
      - {key: 1, label: {en: Cancel}, keywords: {en: [cancel]}, goto: bye}
      - {key: 2, label: {en: Info}, keywords: {en: [info]}, goto: bye}
      - {key: 3, label: {en: Again}, keywords: {en: ["yes"]}, goto: bye}
  bye: {type: end, text: {en: Bye.}}
"""


def test_the_linter_refuses_a_menu_keyword_that_is_stop_and_warns_for_help():
    found = [(p.severity, p.node, p.message) for p in lint(parse_script(MENU, "t.yaml"))]
    refused = ("option 1 keyword 'cancel' is the caller keyword STOP ('cancel'): a caller "
               "who sends it never reaches this option; use another word")
    assert ("error", "menu", refused) in found
    assert [s for s, _, m in found if "'info'" in m] == ["warning"]
    assert not any("'yes'" in m for _, _, m in found)  # START counts only after a STOP
    assert len(found) == 2


def test_the_main_script_has_no_menu_keyword_that_would_opt_a_caller_out():
    problems = lint(load_script(f"{SCRIPTS_DIR}/main.yaml"))
    assert not [p for p in problems if "caller keyword" in p.message]


@pytest.mark.parametrize("kind", sorted(REPLIES))
def test_every_reply_is_one_segment_and_neutral_in_every_language(kind):
    script = load_script(f"{SCRIPTS_DIR}/main.yaml")
    banned = [w for words in script.neutral_words.values() for w in words]
    for language, text in REPLIES[kind].items():
        assert count_segments(text).segments == 1, (kind, language, len(text))
        assert not [w for w in banned if w.casefold() in text.casefold()], (kind, language)
        assert not [w for w in script.loanwords.get(language, ()) if w in text]
