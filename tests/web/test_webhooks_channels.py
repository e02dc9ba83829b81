"""Channel renderers: engine actions as voice TwiML and SMS messages."""

import xml.etree.ElementTree as ET

from hotline.channels import sms, voice
from hotline.engine.actions import Ask, Choice, End, Handoff, Say
from hotline.engine.model import Language, Script
from hotline.engine.segments import count_segments

KO = Language("ko", "한국어", voice="Polly.Seoyeon", speech="ko-KR", press="{label}: {key}번",
              reply="{key} {label}")
EN = Language("en", "English", voice="Polly.Joanna", speech="en-US",
              press="{label}: press {key}.", reply="{key} {label}")
SCRIPT = Script(name="t", languages={"ko": KO, "en": EN}, default_language="ko", start="a",
                nodes={})
URL = "https://hotline.example.org"
MENU = Ask("무엇을 도와드릴까요?", "ko", "menu", (Choice("1", "병원"), Choice("2", "쉼터")))


def render_voice(*actions):
    return ET.fromstring(str(voice.render(actions, SCRIPT, URL)))


def test_voice_say_then_menu_gather_then_nothing_for_handoffs():
    root = render_voice(Say("안녕하세요.", "ko"), Handoff("x"), MENU)
    assert [child.tag for child in root] == ["Say", "Gather"]
    say = root.find("Say")
    assert (say.text, say.get("voice"), say.get("language")) == ("안녕하세요.", "Polly.Seoyeon",
                                                                  "ko-KR")
    gather = root.find("Gather")
    action = gather.get("action")
    assert action.startswith(URL + "/twilio/voice/gather?t=") and len(action) > len(URL) + 25
    # A fresh token per answer: the same key at the next question is a new delivery.
    again = render_voice(MENU).find("Gather").get("action")
    assert again != action and again.startswith(URL + "/twilio/voice/gather?t=")
    assert gather.get("numDigits") == "1"
    assert gather.get("hints") == "병원, 쉼터"
    assert gather.find("Say").text == "무엇을 도와드릴까요? 병원: 1번 쉼터: 2번"


def test_voice_speaks_each_action_in_its_own_language():
    root = render_voice(Ask("How can we help?", "en", "menu", (Choice("1", "Clinics"),)))
    gather = root.find("Gather")
    assert gather.get("language") == "en-US"
    assert gather.find("Say").get("voice") == "Polly.Joanna"
    assert gather.find("Say").text == "How can we help? Clinics: press 1."


def test_voice_menu_with_two_digit_keys_takes_more_than_one_digit():
    ask = Ask("번호를 고르세요.", "ko", "menu", (Choice("1", "가"), Choice("10", "나")))
    assert render_voice(ask).find("Gather").get("numDigits") is None


def test_voice_question_listens_for_speech_first_and_ends_on_hash():
    gather = render_voice(Ask("어느 도시에 계세요?", "ko", "text")).find("Gather")
    assert gather.get("input") == "speech dtmf"
    assert gather.get("finishOnKey") == "#"
    assert gather.get("numDigits") is None and gather.get("hints") is None


def test_voice_end_hangs_up():
    root = render_voice(Say("고맙습니다.", "ko"), End())
    assert [child.tag for child in root] == ["Say", "Hangup"]


def test_sms_joins_consecutive_texts_while_they_fit_one_segment():
    texts = sms.messages([Say("잘못 누르셨어요.", "ko"), MENU, End()], SCRIPT)
    assert texts == ["잘못 누르셨어요.\n무엇을 도와드릴까요?\n1 병원\n2 쉼터"]
    assert count_segments(texts[0]).segments == 1


def test_sms_splits_when_joining_would_take_two_segments():
    long_say = Say("가" * 60, "ko")
    texts = sms.messages([long_say, MENU], SCRIPT)
    assert texts == ["가" * 60, "무엇을 도와드릴까요?\n1 병원\n2 쉼터"]


def test_sms_end_and_handoff_add_nothing_and_an_empty_reply_is_an_empty_response():
    assert sms.messages([Handoff("x"), End()], SCRIPT) == []
    root = ET.fromstring(str(sms.render([End()], SCRIPT)))
    assert root.tag == "Response" and len(root) == 0


def test_characters_xml_cannot_hold_are_dropped_not_fatal():
    root = ET.fromstring(str(sms.render([Say("도시: 서울\x00\x07\x1b", "ko")], SCRIPT)))
    assert root.find("Message").text == "도시: 서울"
