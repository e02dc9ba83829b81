"""Urgent path in the engine: triage questions, the urgent node, and the urgent-word jump."""

import json

import pytest

from hotline.engine.actions import Ask, End, Handoff, Say
from hotline.engine.inputs import Begin, Digits, Outcome, Text
from hotline.engine.loader import ScriptError, parse_script
from hotline.engine.runner import step
from hotline.engine.session import Session

SCRIPT = """
spec_version: 1
name: t
default_language: ko
start: main_menu
languages:
  ko: {name: 한국어}
  en: {name: English}
  ru: {name: Русский}
phrases:
  invalid: {ko: 다시 골라 주세요., en: Sorry., ru: Ещё раз.}
  silence: {ko: 못 들었어요., en: Nothing heard., ru: Не слышно.}
  resume: {ko: 이어서 할까요?, en: Continue?, ru: Продолжить?}
  resume_yes: {ko: 이어서, en: Continue, ru: Да}
  resume_no: {ko: 처음부터, en: Start over, ru: Сначала}
  give_up: {ko: "{emergency}에 전화하세요.", en: "Call {emergency}.", ru: "Звоните {emergency}."}
urgent_words:
  ko: [응급, 살려주세요, 숨을 못 쉬겠어요]
  en: [emergency, help me]
  ru: [помогите]
nodes:
  main_menu:
    type: menu
    text: {ko: 무엇을 도와드릴까요?, en: How can we help?, ru: Чем помочь?}
    options:
      - {key: 1, label: {ko: 건강, en: Health, ru: Здоровье}, goto: ask_breathing}
      - {key: 2, label: {ko: 도시, en: City, ru: Город}, goto: ask_city}
      - {key: 0, label: {ko: 급해요, en: Urgent, ru: Срочно}, goto: urgent}
  ask_breathing:
    type: triage
    text: {ko: 숨쉬기가 힘드세요?, en: Is it hard to breathe?, ru: Трудно дышать?}
    yes: urgent
    no: ask_danger
  ask_danger:
    type: triage
    text: {ko: 지금 위험하세요?, en: Are you in danger now?, ru: Вы в опасности?}
    yes: urgent
    no: thanks
  ask_city:
    type: question
    text: {ko: 어느 도시에 계세요?, en: Which city?, ru: Какой город?}
    var: city
    goto: thanks
  thanks:
    type: end
    text: {ko: 고맙습니다., en: Thank you., ru: Спасибо.}
  urgent:
    type: urgent
    text:
      ko: "곧 사람이 연락드려요 ({code}). 위험하면 {emergency}에 전화하세요."
      en: "A person will contact you soon. If in danger, call {emergency}."
      ru: "С вами скоро свяжутся. В опасности звоните {emergency}."
    nobody:
      ko: "지금 바로 {emergency}에 전화하세요. 곧 다시 전화드릴게요."
      en: "Call {emergency} now. We will call you back soon."
      ru: "Звоните {emergency}. Мы перезвоним."
"""

NOW = 1_800_000_000.0


@pytest.fixture(scope="module")
def script():
    return parse_script(SCRIPT, file="t.yaml")


def roundtrip(session):
    return Session.from_dict(json.loads(json.dumps(session.to_dict())))


def test_an_urgent_word_opens_the_conversation_on_the_urgent_path(script):
    result = step(script, None, Begin("sms", "숨을 못쉬겠어요 살려 주세요", "KR"), now=NOW)
    assert result.handoff == Handoff("urgent", {
        "language": "ko", "first_words": "숨을 못쉬겠어요 살려 주세요", "reason": "words",
        "channel": "sms"})
    session = roundtrip(result.session)
    assert session.vars.get("urgent_text") == ""  # the caller's words are not kept
    done = step(script, session, Outcome("urgent", {"status": "paging", "code": "K7Q"}),
                now=NOW + 1)
    assert done.actions == (Say("곧 사람이 연락드려요 (K7Q). 위험하면 119에 전화하세요.", "ko"),
                            End())
    assert done.session.wait is None


def test_an_urgent_word_mid_conversation_jumps_whatever_the_node(script):
    first = step(script, None, Begin("sms", "hello", "US"), now=NOW)
    city = step(script, roundtrip(first.session), Text("2"), now=NOW + 5)
    assert city.session.node == "ask_city"
    jumped = step(script, roundtrip(city.session), Text("EMERGNCY please"), now=NOW + 10)
    assert jumped.handoff is not None
    assert jumped.handoff.params["language"] == "en"
    assert jumped.handoff.params["first_words"] == "EMERGNCY please"
    assert jumped.session.node == "urgent"


def test_the_urgent_reply_uses_the_callers_language_and_country(script):
    result = step(script, None, Begin("sms", "Помогите", "RU"), now=NOW)
    done = step(script, roundtrip(result.session), Outcome("urgent", {"status": "nobody"}),
                now=NOW + 1)
    assert done.actions[0] == Say("Звоните 112. Мы перезвоним.", "ru")


def test_menu_key_zero_reaches_the_urgent_node(script):
    first = step(script, None, Begin("voice", "", "KR"), now=NOW)
    result = step(script, roundtrip(first.session), Digits("0"), now=NOW + 3)
    assert result.handoff is not None
    assert result.handoff.params["reason"] == "menu"
    assert result.handoff.params["channel"] == "voice"


def test_a_first_sms_of_the_urgent_key_alone_reaches_the_urgent_node(script):
    result = step(script, None, Begin("sms", " 0 ", "KR"), now=NOW)
    assert result.handoff == Handoff("urgent", {
        "language": "ko", "first_words": "", "reason": "menu", "channel": "sms"})
    assert result.session.node == "urgent"


def test_the_urgent_key_reaches_the_urgent_node_where_it_means_nothing_else(script):
    first = step(script, None, Begin("sms", "hello", "US"), now=NOW)
    breathing = step(script, roundtrip(first.session), Text("1"), now=NOW + 1)
    result = step(script, roundtrip(breathing.session), Text("0"), now=NOW + 2)
    assert result.handoff is not None and result.handoff.params["reason"] == "menu"
    assert result.handoff.params["language"] == "en"
    # At the resume question (an SMS after a long pause) too.
    pause = step(script, roundtrip(breathing.session), Text("hm"), now=NOW + 700)
    assert pause.session.wait == "resume"
    resumed = step(script, roundtrip(pause.session), Text("0"), now=NOW + 701)
    assert resumed.handoff is not None and resumed.session.node == "urgent"


def test_the_urgent_key_stays_an_answer_where_the_node_takes_it(script):
    first = step(script, None, Begin("sms", "안녕하세요", "KR"), now=NOW)
    city = step(script, roundtrip(first.session), Text("2"), now=NOW + 1)
    answered = step(script, roundtrip(city.session), Text("0"), now=NOW + 2)
    assert answered.handoff is None
    assert answered.session.vars["city"] == "0"


def test_without_an_urgent_option_on_the_start_menu_0_is_not_urgent(script):
    plain = parse_script(SCRIPT.replace("      - {key: 0, label: {ko: 급해요, en: Urgent, "
                                        "ru: Срочно}, goto: urgent}\n", ""), file="t.yaml")
    result = step(plain, None, Begin("sms", "0", "KR"), now=NOW)
    assert result.handoff is None and result.session.node == "main_menu"


def test_triage_yes_goes_urgent_and_no_goes_on(script):
    first = step(script, None, Begin("sms", "안녕하세요", "KR"), now=NOW)
    breathing = step(script, roundtrip(first.session), Text("1"), now=NOW + 1)
    ask = breathing.actions[-1]
    assert isinstance(ask, Ask) and ask.text == "숨쉬기가 힘드세요?"
    assert [(c.key, c.label) for c in ask.choices] == [("1", "예"), ("2", "아니요")]
    no = step(script, roundtrip(breathing.session), Text("아니요"), now=NOW + 2)
    assert no.session.node == "ask_danger"
    yes = step(script, roundtrip(no.session), Text("네"), now=NOW + 3)
    assert yes.handoff is not None
    assert yes.handoff.params["reason"] == "ask_danger"


def test_triage_other_answer_is_asked_again(script):
    first = step(script, None, Begin("sms", "안녕하세요", "KR"), now=NOW)
    breathing = step(script, roundtrip(first.session), Text("1"), now=NOW + 1)
    again = step(script, roundtrip(breathing.session), Text("잘 모르겠어요"), now=NOW + 2)
    assert again.actions[0] == Say("다시 골라 주세요.", "ko")
    assert again.session.node == "ask_breathing"


def test_no_jump_while_waiting_on_the_urgent_node(script):
    result = step(script, None, Begin("sms", "응급", "KR"), now=NOW)
    again = step(script, roundtrip(result.session), Text("응급 응급"), now=NOW + 1)
    # The caller wrote while the case was being opened: the node is shown again, once.
    assert sum(isinstance(a, Handoff) for a in again.actions) == 1


def test_a_script_without_an_urgent_node_never_jumps():
    plain = SCRIPT.split("  urgent:\n    type: urgent")[0].replace("goto: urgent", "goto: thanks")
    plain = plain.replace("yes: urgent", "yes: thanks")
    script = parse_script(plain)
    result = step(script, None, Begin("sms", "응급", "KR"), now=NOW)
    assert result.handoff is None


def test_triage_and_urgent_nodes_report_what_is_missing():
    bad = SCRIPT.replace("    yes: urgent\n    no: ask_danger\n", "")
    bad = bad.replace("      ko: \"곧 사람이", "      kx: \"곧 사람이")
    bad = bad.replace("    text:\n      kx:", "    texts:\n      kx:")
    with pytest.raises(ScriptError) as caught:
        parse_script(bad, file="t.yaml")
    messages = [str(p) for p in caught.value.problems]
    assert "t.yaml:ask_breathing: a triage question needs yes: the node to go to" in messages
    assert "t.yaml:ask_breathing: a triage question needs no: the node to go to" in messages
    assert "t.yaml:urgent: an urgent node needs text: the calm sentence" in messages


def test_triage_yes_must_lead_to_an_urgent_node():
    script = parse_script(SCRIPT.replace("yes: urgent\n    no: thanks",
                                         "yes: thanks\n    no: thanks"))
    assert script.nodes["ask_danger"].check(script) == [
        "yes goes to 'thanks' (type end): it must be an urgent node (or another triage question)"]
    assert script.nodes["ask_breathing"].check(script) == []


def test_the_urgent_node_reports_bad_urgent_word_lists():
    script = parse_script(SCRIPT.replace("  ru: [помогите]", "  ru: помогите\n  zh: {a: b}"))
    assert script.nodes["urgent"].check(script) == ["urgent_words in 'zh' must be a list"]
    assert parse_script(SCRIPT).nodes["urgent"].check(parse_script(SCRIPT)) == []
