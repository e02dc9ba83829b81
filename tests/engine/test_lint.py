"""The script linter: one small bad script per rule, each problem naming the right node."""

from __future__ import annotations

import copy
import json
import pathlib
from dataclasses import dataclass, field
from typing import Any, ClassVar

import pytest

from hotline.engine.lint import ERROR, WARNING, errors, format_problem, lint, lint_directory
from hotline.engine.loader import ScriptError, parse_script
from hotline.engine.model import PHRASES, Node, Script

GOOD: dict[str, Any] = {
    "spec_version": 1,
    "name": "t",
    "default_language": "ko",
    "start": "menu",
    "languages": {
        "ko": {"name": "한국어", "keywords": ["korean"], "reply": "{key} {label}",
               "voice": "Polly.Seoyeon", "speech": "ko-KR"},
        "en": {"name": "English", "keywords": ["영어"], "reply": "{key} {label}",
               "voice": "Polly.Joanna", "speech": "en-US"},
    },
    "phrases": {name: {"ko": "다시 골라 주세요.", "en": "Please choose again."}
                for name in PHRASES},
    "neutral_words": {"ko": ["난민"], "en": ["refugee", "north korea"]},
    "loanwords": {"ko": ["클리닉", "셸터"]},
    "nodes": {
        "menu": {
            "type": "menu",
            "text": {"ko": "고르세요.", "en": "Choose."},
            "options": [
                {"key": 1, "label": {"ko": "상담", "en": "Counselling"},
                 "keywords": {"ko": ["마음"], "en": ["counsel"]}, "goto": "info"},
                {"key": 2, "label": {"ko": "도시", "en": "City"}, "goto": "ask"},
                {"key": 0, "label": {"ko": "끝", "en": "End"}, "goto": "bye"},
            ],
        },
        "info": {"type": "message", "text": {"ko": "상담은 무료예요.", "en": "It is free."},
                 "goto": "menu"},
        "ask": {"type": "question", "text": {"ko": "어느 도시?", "en": "Which city?"},
                "var": "city", "goto": "bye"},
        "bye": {"type": "end", "text": {"ko": "고맙습니다.", "en": "Thank you."}},
    },
}


def script(change=None) -> dict[str, Any]:
    """A copy of the good script, changed by `change(data)`."""
    data = copy.deepcopy(GOOD)
    if change:
        change(data)
    return data


def problems_of(data: dict[str, Any]) -> list[tuple[str, str, str]]:
    """Lint the script (written out as YAML text, as staff would) -> (severity, node, message)."""
    parsed = parse_script(json.dumps(data, ensure_ascii=False), file="t.yaml")
    return [(p.severity, p.node, p.message) for p in lint(parsed, "t.yaml")]


def only(data: dict[str, Any]) -> tuple[str, str, str]:
    """The one problem the script has."""
    found = problems_of(data)
    assert len(found) == 1, found
    return found[0]


def test_the_good_script_has_no_problems():
    assert problems_of(script()) == []


# -- targets, reachability, dead ends, loops ----------------------------------------------

def test_unknown_goto_names_the_node():
    severity, node, message = only(script(lambda d: d["nodes"]["info"].update(goto="nowhere")))
    assert (severity, node) == (ERROR, "info")
    assert "'nowhere'" in message


def test_unknown_option_target_names_the_option():
    def change(d):
        d["nodes"]["menu"]["options"][2]["goto"] = "gone"  # 'bye' stays reachable via 'ask'
    assert only(script(change)) == (ERROR, "menu", "option 0 goes to 'gone', which is not a node")


def test_unreachable_node():
    def change(d):
        d["nodes"]["orphan"] = {"type": "message", "text": {"ko": "가", "en": "a"},
                                "goto": "menu"}
    severity, node, message = only(script(change))
    assert (severity, node) == (ERROR, "orphan") and message.startswith("unreachable")


def test_dead_end_message_without_goto():
    severity, node, message = only(script(lambda d: d["nodes"]["info"].pop("goto")))
    assert (severity, node) == (ERROR, "info") and message.startswith("dead end")


def test_dead_end_question_without_goto():
    def change(d):
        d["nodes"]["ask"].pop("goto")
        d["nodes"]["menu"]["options"].append(
            {"key": 3, "label": {"ko": "안녕", "en": "Bye"}, "goto": "bye"})
    severity, node, message = only(script(change))
    assert (severity, node) == (ERROR, "ask") and message.startswith("dead end")


def test_end_node_needs_no_goto():
    assert not [p for p in problems_of(script()) if p[1] == "bye"]


def test_message_loop_that_never_waits_is_reported_once():
    def change(d):
        d["nodes"]["info"]["goto"] = "info2"
        d["nodes"]["info2"] = {"type": "message", "text": {"ko": "나", "en": "b"},
                               "goto": "info"}
    severity, node, message = only(script(change))
    assert (severity, node) == (ERROR, "info")
    assert message == "goto loop that never waits for the caller: info -> info2 -> info"


def test_a_loop_through_a_menu_is_fine():
    # info -> menu -> info is the normal "back to the list" pattern: the menu waits.
    assert problems_of(script()) == []


# -- translations and phrases -------------------------------------------------------------

def test_missing_translation_of_a_text():
    severity, node, message = only(script(lambda d: d["nodes"]["info"]["text"].pop("en")))
    assert (severity, node, message) == (ERROR, "info", "text has no 'en' translation")


def test_missing_translation_of_an_option_label():
    def change(d):
        d["nodes"]["menu"]["options"][1]["label"].pop("ko")
    assert only(script(change)) == (ERROR, "menu", "option 2 label has no 'ko' translation")


def test_missing_translation_of_a_phrase():
    assert only(script(lambda d: d["phrases"]["give_up"].pop("en"))) == (
        ERROR, "phrases", "phrase give_up has no 'en' translation")


def test_missing_engine_phrase():
    severity, node, message = only(script(lambda d: d["phrases"].pop("resume")))
    assert (severity, node) == (ERROR, "phrases")
    assert message.startswith("missing engine phrase 'resume'")


def test_text_in_an_undeclared_language_is_a_warning():
    # zh and ru written ahead of their menus are quiet (see the test on texts written ahead)
    found = only(script(lambda d: d["nodes"]["info"]["text"].update(ja="無料")))
    assert found[:2] == (WARNING, "info") and "'ja'" in found[2]
    assert problems_of(script(lambda d: d["nodes"]["info"]["text"].update(zh="免费"))) == []


# -- menus -------------------------------------------------------------------------------

def test_duplicate_option_key():
    def change(d):
        d["nodes"]["menu"]["options"][1]["key"] = 1
    assert only(script(change)) == (ERROR, "menu", "option key 1 is used twice")


def test_voice_also_must_name_a_language_of_the_script():
    def change(d):
        d["nodes"]["menu"]["options"][2]["voice_also"] = ["zh"]
    with pytest.raises(ScriptError) as caught:
        parse_script(json.dumps(script(change), ensure_ascii=False), file="t.yaml")
    assert [(p.node, p.message) for p in caught.value.problems] == [
        ("menu", "option 0: voice_also names 'zh', which is not one of the script's languages")]
    assert problems_of(script(lambda d: d["nodes"]["menu"]["options"][2].update(
        voice_also=["en"]))) == []


def test_duplicate_keyword_after_normalizing():
    def change(d):
        d["nodes"]["menu"]["options"][1]["keywords"] = {"ko": ["마 음!"]}
    severity, node, message = only(script(change))
    assert (severity, node) == (ERROR, "menu")
    assert message == "option 2 keyword '마 음!' is also option 1's keyword"


def test_keyword_equal_to_another_options_label():
    def change(d):
        d["nodes"]["menu"]["options"][2]["keywords"] = {"en": ["COUNSELLING"]}
    severity, node, message = only(script(change))
    assert (severity, node) == (ERROR, "menu") and "option 1's label" in message


def test_same_word_twice_in_one_option_is_fine():
    def change(d):
        d["nodes"]["menu"]["options"][0]["keywords"] = {"ko": ["상담", "마음"]}
    assert problems_of(script(change)) == []


# -- SMS segment budget ------------------------------------------------------------------

def _message(d, ko=None, en=None, budget=None):
    if ko is not None:
        d["nodes"]["info"]["text"]["ko"] = ko
    if en is not None:
        d["nodes"]["info"]["text"]["en"] = en
    if budget is not None:
        d["nodes"]["info"]["sms_segments"] = budget


@pytest.mark.parametrize("text, fits", [
    ("가" * 70, True), ("가" * 71, False),  # UCS-2: 70 in one SMS
    ("😀" * 35, True), ("😀" * 35 + "가", False),  # an emoji is two UTF-16 units
], ids=["70", "71", "35-emoji", "35-emoji-1"])
def test_korean_sms_budget_is_exact(text, fits):
    found = problems_of(script(lambda d: _message(d, ko=text)))
    if fits:
        assert found == []
    else:
        assert len(found) == 1 and found[0][:2] == (ERROR, "info")
        assert "SMS in 'ko' takes 2 segments" in found[0][2]


@pytest.mark.parametrize("text, fits", [
    ("a" * 160, True), ("a" * 161, False),  # GSM-7: 160 in one SMS
    ("€" * 80, True), ("€" * 80 + "a", False),  # extension characters count twice
    ("ç" * 70, True), ("ç" * 71, False),  # ç is not GSM-7: the whole text is UCS-2
], ids=["160", "161", "80-euro", "80-euro-1", "70-c-cedilla", "71-c-cedilla"])
def test_english_sms_budget_is_exact(text, fits):
    found = problems_of(script(lambda d: _message(d, en=text)))
    assert (found == []) is fits, found
    if not fits:
        assert found[0][:2] == (ERROR, "info") and "SMS in 'en'" in found[0][2]


def test_menu_budget_counts_the_option_lines():
    # The caller also receives the lines "\n1 상담", "\n2 도시", "\n0 끝": 5 + 5 + 4 = 14
    # characters. A 56-character text still fits one SMS with them; 57 does not.
    fits = problems_of(script(lambda d: d["nodes"]["menu"]["text"].update(ko="가" * 56)))
    assert fits == []
    found = problems_of(script(lambda d: d["nodes"]["menu"]["text"].update(ko="가" * 57)))
    assert len(found) == 1 and found[0][:2] == (ERROR, "menu")
    assert "71 UCS-2 characters" in found[0][2]


def test_sms_segments_raises_the_budget():
    assert problems_of(script(lambda d: _message(d, ko="가" * 134, budget=2))) == []
    found = problems_of(script(lambda d: _message(d, ko="가" * 135, budget=2)))
    assert len(found) == 1 and "takes 3 segments" in found[0][2]


def test_phrase_over_budget_is_reported_on_phrases():
    found = only(script(lambda d: d["phrases"]["give_up"].update(ko="가" * 71)))
    assert found[:2] == (ERROR, "phrases") and "phrase give_up in 'ko'" in found[2]


def test_emergency_number_is_counted_as_it_is_sent():
    # {emergency} becomes three digits: 67 + 3 = 70 fits, 68 + 3 = 71 does not.
    assert problems_of(script(lambda d: _message(d, ko="가" * 67 + "{emergency}"))) == []
    assert len(problems_of(script(lambda d: _message(d, ko="가" * 68 + "{emergency}")))) == 1


# -- wording -----------------------------------------------------------------------------

def test_neutral_word_in_text_any_case():
    severity, node, message = only(script(lambda d: _message(d, en="For REFUGEES only.")))
    assert (severity, node) == (ERROR, "info") and "'refugee'" in message


def test_neutral_word_from_another_language_list():
    severity, node, message = only(script(lambda d: _message(d, ko="North Korea 출신")))
    assert (severity, node) == (ERROR, "info") and "'north korea'" in message


def test_neutral_word_in_option_label_and_phrase():
    def change(d):
        d["nodes"]["menu"]["options"][1]["label"]["ko"] = "난민 도움"
        d["phrases"]["resume"]["en"] = "Refugee, continue?"
    found = problems_of(script(change))
    assert {(s, n) for s, n, _ in found} == {(ERROR, "menu"), (ERROR, "phrases")}


def test_neutral_words_in_keywords_are_allowed():
    # Keywords are what callers type; they are never sent.
    def change(d):
        d["nodes"]["menu"]["options"][0]["keywords"] = {"en": ["refugee"]}
    assert problems_of(script(change)) == []


def test_loanword_is_only_a_warning():
    data = script(lambda d: _message(d, ko="가까운 클리닉이에요."))
    found = only(data)
    assert found[:2] == (WARNING, "info") and "'클리닉'" in found[2]
    parsed = parse_script(json.dumps(data, ensure_ascii=False), file="t.yaml")
    assert errors(lint(parsed)) == []


# -- templates, loader problems, node hooks ----------------------------------------------

def test_language_without_voice_is_a_warning():
    found = only(script(lambda d: d["languages"]["ko"].pop("voice")))
    assert found[:2] == (WARNING, "languages") and found[2].startswith("ko needs voice:")


def test_reply_template_without_key():
    found = only(script(lambda d: d["languages"]["en"].update(reply="{label}")))
    assert found[:2] == (ERROR, "languages") and "must contain {key}" in found[2]


def test_reply_template_with_unknown_name():
    found = problems_of(script(lambda d: d["languages"]["ko"].update(reply="{number} {label}")))
    assert (ERROR, "languages") in {(s, n) for s, n, _ in found}


def test_loader_problems_are_reported_the_same_way(tmp_path):
    data = script(lambda d: d["nodes"]["info"].update(type="nonsense"))
    path = tmp_path / "bad.yaml"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    found = lint(str(path))
    assert [(p.file, p.node, p.severity) for p in found] == [(str(path), "info", ERROR)]
    assert "unknown node type 'nonsense'" in found[0].message
    assert format_problem(found[0]).startswith(f"{path}:info: unknown node type")


def test_bad_sms_segments_is_a_loader_problem():
    data = script(lambda d: _message(d, budget=0))
    with pytest.raises(Exception) as caught:
        parse_script(json.dumps(data, ensure_ascii=False))
    assert "sms_segments" in str(caught.value)


def test_all_problems_are_collected_at_once():
    def change(d):
        d["nodes"]["info"]["text"].pop("en")
        d["nodes"]["info"]["goto"] = "nowhere"
        d["phrases"].pop("silence")
    nodes = {n for _, n, _ in problems_of(script(change))}
    assert nodes == {"info", "phrases"} and len(problems_of(script(change))) == 3


@dataclass(frozen=True)
class PickyNode(Node):
    """A node type with its own rule, as later node types add them."""

    kind: ClassVar[str] = "picky"
    ends: ClassVar[bool] = True

    def check(self, script: Script) -> list[str]:
        return ["needs a directory to search"]

    def enter(self, ctx):  # type: ignore[no-untyped-def]
        from hotline.engine.model import Step
        return Step(end=True)


def test_node_types_add_their_own_checks():
    parsed = parse_script(json.dumps(script(), ensure_ascii=False))
    nodes = dict(parsed.nodes)
    nodes["bye"] = PickyNode(id="bye", text={})
    found = lint(Script(**{**parsed.__dict__, "nodes": nodes}))
    assert [(p.node, p.message) for p in found] == [("bye", "needs a directory to search")]


def test_format_marks_warnings():
    data = script(lambda d: _message(d, ko="셸터"))
    parsed = parse_script(json.dumps(data, ensure_ascii=False))
    assert format_problem(lint(parsed, "main.yaml")[0]).startswith("main.yaml:info: warning: ")


# -- the shipped scripts -----------------------------------------------------------------

def test_ivr_scripts_lint_clean():
    found = lint_directory(str(pathlib.Path(__file__).resolve().parents[2] / "ivr_scripts"))
    assert [format_problem(p) for p in errors(found)] == []


def test_unquoted_comma_in_a_one_line_text_explains_the_fix(tmp_path):
    path = tmp_path / "comma.yaml"
    text = json.dumps(GOOD, ensure_ascii=False)
    parsed = parse_script(text)  # the good script, then one node written by hand
    path.write_text(parsed.source.replace(
        '"info": {"type": "message", "text": {"ko": "상담은 무료예요.", "en": "It is free."}',
        '"info": {"type": "message", "text": {ko: 상담은 무료예요., en: Sorry, it is free.}'),
        encoding="utf-8")
    found = lint(str(path))
    assert [(p.node, p.severity) for p in found] == [("info", ERROR)]
    assert "has no text (put a text that holds a comma in quotes)" in found[0].message


@dataclass(frozen=True)
class LaterNode(Node):
    """A node that hands off first and says its `done` text once the capability answers."""

    kind: ClassVar[str] = "later"
    ends: ClassVar[bool] = True
    done: dict[str, str] = field(default_factory=dict)

    def texts(self) -> dict[str, dict[str, str]]:
        return {"done": self.done}

    def enter(self, ctx):  # type: ignore[no-untyped-def]
        from hotline.engine.actions import Handoff
        from hotline.engine.model import Step
        return Step((Handoff("later"),), wait="handoff")


def test_texts_said_after_a_handoff_are_measured_too():
    parsed = parse_script(json.dumps(script(), ensure_ascii=False))
    nodes = dict(parsed.nodes)
    nodes["bye"] = LaterNode(id="bye", text={}, done={"ko": "가" * 71, "en": "Done."})
    found = lint(Script(**{**parsed.__dict__, "nodes": nodes}))
    assert [(p.node, p.message.split(" takes")[0]) for p in found] == [("bye", "done in 'ko'")]


# -- texts to volunteers (pages, command replies) -----------------------------------------

def _main_phrases() -> dict[str, Any]:
    from hotline.engine.loader import load_script
    from hotline.engine.volunteer_phrases import VOLUNTEER_PHRASES

    phrases = load_script("ivr_scripts/main.yaml").phrases
    # In the languages of script() (main.yaml's zh and ru are linted with main.yaml).
    return {name: {code: text for code, text in phrases[name].items() if code in ("ko", "en")}
            for name in VOLUNTEER_PHRASES}


def with_volunteer_phrases(change=None) -> dict[str, Any]:
    data = script()
    data["phrases"].update(_main_phrases())
    if change:
        change(data["phrases"])
    return data


def test_the_main_script_has_every_volunteer_phrase_and_they_pass():
    from hotline.engine.volunteer_phrases import VOLUNTEER_PHRASES

    assert set(VOLUNTEER_PHRASES) <= set(_main_phrases())
    assert problems_of(with_volunteer_phrases()) == []


def test_a_volunteer_page_over_one_segment_is_an_error():
    long = "긴급 {code} {language}: '{words}' " + "맡으실 분은 확인 {code} 답장을 보내 주세요. " * 3
    found = only(with_volunteer_phrases(lambda p: p["urgent_page"].update(ko=long)))
    assert found[:2] == (ERROR, "phrases")
    assert "phrase urgent_page in 'ko' takes 2 segments" in found[2]
    assert "with sample values" in found[2]


def test_a_volunteer_phrase_with_an_unknown_placeholder_is_an_error():
    found = only(with_volunteer_phrases(
        lambda p: p["urgent_taken"].update(en="{code} was taken by {name}.")))
    assert found[:2] == (ERROR, "phrases") and "uses {name}" in found[2]


def test_a_volunteer_phrase_missing_or_untranslated_or_not_neutral():
    assert only(with_volunteer_phrases(lambda p: p.pop("volunteer_holding")))[2].startswith(
        "missing volunteer phrase 'volunteer_holding'")
    assert only(with_volunteer_phrases(lambda p: p["volunteer_on"].pop("ko")))[2] == (
        "phrase volunteer_on has no 'ko' translation")
    severity, _, message = only(with_volunteer_phrases(
        lambda p: p["urgent_page"].update(en="URGENT {code} refugee '{words}' ACK {code}")))
    assert severity == ERROR and "'refugee'" in message
    severity, _, message = only(with_volunteer_phrases(
        lambda p: p["volunteer_help"].update(ko="명령: 다음, 완료, 클리닉 안내")))
    assert severity == WARNING and "loanword '클리닉'" in message


def test_a_text_written_ahead_in_zh_or_ru_is_quiet_but_an_unknown_code_warns():
    def ahead(data):
        data["phrases"]["invalid"].update({"zh": "请再选一次。", "ru": "Выберите снова."})

    assert problems_of(script(ahead)) == []

    def typo(data):
        data["phrases"]["invalid"]["kr"] = "다시 골라 주세요."

    assert only(script(typo)) == (
        "warning", "phrases",
        "phrase invalid is written in 'kr', which is not a declared language")
