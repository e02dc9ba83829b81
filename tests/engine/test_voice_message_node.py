"""The voice_message node type and the Record action, in the pure engine: a call records,
an SMS is told to call, a callback_request sends calls after hours to it."""

import pytest

from hotline.engine.actions import End, Handoff, Record, Say, action_from_dict, action_to_dict
from hotline.engine.inputs import Begin, Digits, Outcome
from hotline.engine.lint import lint
from hotline.engine.loader import ScriptError, parse_script
from hotline.engine.runner import step

SCRIPT = """\
spec_version: 1
name: vm
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
        label: {ko: 다시 전화, en: Call me back}
        goto: ask_callback
      - key: 2
        label: {ko: 녹음, en: Leave a message}
        goto: leave
  ask_callback:
    type: callback_request
    topic: clinic
    text: {ko: 요청을 받았어요., en: Got it.}
    after_hours: leave
    goto: bye
  leave:
    type: voice_message
    topic: clinic
    max_seconds: 60
    text: {ko: 삐 소리 뒤에 말씀하세요., en: Speak after the beep.}
    sms: {ko: 전화로 남겨 주세요., en: Please call to leave one.}
    goto: menu
  bye:
    type: end
    text: {ko: 고맙습니다., en: Thank you.}
"""
NOW = 1_800_000_000.0


def choose(channel, key):
    s = parse_script(SCRIPT, "vm.yaml")
    first = step(s, None, Begin(channel, ""), now=NOW)
    return s, step(s, first.session, Digits(key), now=NOW)


def test_on_a_call_the_node_says_its_text_then_records_and_the_call_ends():
    _, result = choose("voice", "2")
    assert result.actions[:2] == (Say("삐 소리 뒤에 말씀하세요.", "ko"),
                                  Record("clinic", "ko", max_length=60))
    assert isinstance(result.actions[-1], End)


def test_by_sms_the_node_says_to_call_and_goes_on():
    _, result = choose("sms", "2")
    said = [a.text for a in result.actions]
    assert said == ["전화로 남겨 주세요.", "무엇을 도와드릴까요?"]  # and the menu again
    assert not any(isinstance(a, Record) for a in result.actions)


def test_after_hours_a_callback_request_goes_to_the_voice_message():
    s, result = choose("voice", "1")
    assert result.handoff == Handoff("callback_request", {
        "topic": "clinic", "language": "ko", "priority": "normal", "after_hours": True})
    closed = step(s, result.session, Outcome("callback_request", {"after_hours": True}),
                  now=NOW)
    assert Record("clinic", "ko", max_length=60) in closed.actions
    open_now = step(s, result.session, Outcome("callback_request", {"id": "7"}), now=NOW)
    assert next(a.text for a in open_now.actions if isinstance(a, Say)) == "요청을 받았어요."


def test_record_survives_json_as_every_action_does():
    action = Record("urgent", "en", 120, case="K7Q")
    assert action_from_dict(action_to_dict(action)) == action


def test_after_hours_must_name_a_voice_message_and_sms_text_is_required():
    wrong = SCRIPT.replace("after_hours: leave", "after_hours: bye")
    assert any("must be a voice_message" in p.message for p in lint(parse_script(wrong, "x")))
    no_sms = SCRIPT.replace("    sms: {ko: 전화로 남겨 주세요., en: Please call to leave one.}\n", "")
    assert any("needs sms:" in p.message for p in lint(parse_script(no_sms, "x")))
    with pytest.raises(ScriptError):
        parse_script(SCRIPT.replace("max_seconds: 60", "max_seconds: 600"), "x")
