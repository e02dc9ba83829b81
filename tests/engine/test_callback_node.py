"""The callback_request and callback_cancel node types in the pure engine."""

from hotline.engine.actions import Handoff, Say
from hotline.engine.inputs import Begin, Digits, Outcome
from hotline.engine.loader import parse_script
from hotline.engine.runner import step

SCRIPT = """\
spec_version: 1
name: cb
default_language: ko
start: menu
languages:
  ko: {name: 한국어}
  en: {name: English}
phrases:
  invalid: {ko: 다시 골라 주세요., en: Try again.}
  silence: {ko: 아무것도 듣지 못했어요., en: Nothing heard.}
  resume: {ko: 이어서 할까요?, en: Continue?}
  resume_yes: {ko: 이어서, en: Continue}
  resume_no: {ko: 처음부터, en: Start over}
  give_up: {ko: "급하면 {emergency}에 전화하세요.", en: "Call {emergency}."}
nodes:
  menu:
    type: menu
    text: {ko: 무엇을 도와드릴까요?, en: How can we help?}
    options:
      - key: 1
        label: {ko: 다시 전화 요청, en: Ask for a call back}
        goto: ask_callback
      - key: 2
        label: {ko: 요청 취소, en: Cancel my request}
        goto: cancel_callback
  ask_callback:
    type: callback_request
    topic: counselling
    priority: high
    text:
      ko: 다시 전화 요청을 받았어요. 보통 {hours}시간 안에 이 번호로 전화해요.
      en: Got it. A volunteer will call you from this number, usually within {hours} hours.
    existing:
      ko: 이미 요청하셨어요. {position}번째 순서예요. 보통 {hours}시간 안에 전화해요.
      en: You have already asked. You are number {position}, usually within {hours} hours.
    goto: bye
  cancel_callback:
    type: callback_cancel
    text: {ko: 다시 전화 요청을 취소했어요., en: Your request is cancelled.}
    none: {ko: 취소할 요청이 없어요., en: You have no request.}
    goto: bye
  bye:
    type: end
    text: {ko: 고맙습니다., en: Thank you.}
"""

NOW = 1_800_000_000.0


def script():
    return parse_script(SCRIPT, "cb.yaml")


def choose(key):
    s = script()
    first = step(s, None, Begin("sms", "안녕"), now=NOW)
    return s, step(s, first.session, Digits(key), now=NOW)


def says(result):
    return [a.text for a in result.actions if isinstance(a, Say)]


def test_the_node_hands_off_with_its_topic_and_the_callers_language():
    _, result = choose("1")
    assert result.handoff == Handoff("callback_request",
                                     {"topic": "counselling", "language": "ko",
                                      "priority": "high"})
    assert result.session.wait == "handoff"


def test_a_new_request_is_confirmed_with_the_usual_wait():
    s, result = choose("1")
    done = step(s, result.session, Outcome("callback_request",
                                           {"id": "1042", "position": 3, "hours": 4,
                                            "existing": False}), now=NOW)
    assert says(done) == ["다시 전화 요청을 받았어요. 보통 4시간 안에 이 번호로 전화해요.", "고맙습니다."]


def test_asking_again_confirms_the_existing_request_and_its_place():
    s, result = choose("1")
    done = step(s, result.session, Outcome("callback_request",
                                           {"id": "1042", "position": 2, "hours": 6,
                                            "existing": True}), now=NOW)
    assert says(done)[0] == "이미 요청하셨어요. 두 번째 순서예요. 보통 6시간 안에 전화해요."


def test_a_request_that_could_not_be_filed_gives_the_emergency_number():
    s, result = choose("1")
    done = step(s, result.session.with_(country="KR"), Outcome("callback_request", {}), now=NOW)
    assert says(done)[0] == "급하면 119에 전화하세요."


def test_cancel_says_whether_there_was_a_request():
    s, result = choose("2")
    assert result.handoff == Handoff("callback_cancel", {"language": "ko"})
    yes = step(s, result.session, Outcome("callback_cancel", {"cancelled": True}), now=NOW)
    no = step(s, result.session, Outcome("callback_cancel", {"cancelled": False}), now=NOW)
    assert says(yes)[0] == "다시 전화 요청을 취소했어요." and says(no)[0] == "취소할 요청이 없어요."


def test_a_callback_request_without_a_topic_is_a_script_error():
    import pytest

    from hotline.engine.loader import ScriptError

    with pytest.raises(ScriptError) as error:
        parse_script(SCRIPT.replace("    topic: counselling\n", ""), "cb.yaml")
    assert "ask_callback" in str(error.value) and "topic" in str(error.value)
