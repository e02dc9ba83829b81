"""Chinese and Russian calls: the shipped script's voices and speech-recognition languages."""

import xml.etree.ElementTree as ET

import pytest

from hotline.channels import voice
from hotline.channels.fallback import fallback_sms
from hotline.engine import Begin, Digits, step
from hotline.engine.loader import load_script
from hotline.engine.segments import count_segments
from hotline.engine.wording import sms_text

MAIN = load_script("ivr_scripts/main.yaml")
URL = "https://hotline.example.org"


def _call_in(language_key: str):
    """A call that presses 9 (languages), then the language's key: the TwiML it hears."""
    first = step(MAIN, None, Begin("voice", "", "CN"), now=0.0)
    menu = step(MAIN, first.session, Digits("9"), now=1.0)
    chosen = step(MAIN, menu.session, Digits(language_key), now=2.0)
    return chosen, ET.fromstring(str(voice.render(chosen.actions, MAIN, URL)))


@pytest.mark.parametrize("key, language, say_voice, say_language, listens", [
    ("3", "zh", "Polly.Zhiyu", "cmn-CN", "zh-CN"),
    ("4", "ru", "Polly.Tatyana", "ru-RU", "ru-RU"),
])
def test_a_call_switched_to_chinese_or_russian_speaks_and_listens_in_it(
        key, language, say_voice, say_language, listens):
    result, root = _call_in(key)
    assert result.session.language == language
    gather = root.find("Gather")
    assert gather.get("language") == listens
    said = gather.find("Say")
    assert (said.get("voice"), said.get("language")) == (say_voice, say_language)
    assert said.text.startswith(MAIN.nodes["main_menu"].text[language])


def test_volunteer_calls_use_the_voice_that_speaks_the_language():
    assert MAIN.voice("zh") == ("Polly.Zhiyu", "cmn-CN")
    assert MAIN.voice("ru") == ("Polly.Tatyana", "ru-RU")


@pytest.mark.parametrize("language", ["ko", "en", "zh", "ru"])
def test_the_language_menu_offers_all_four_in_one_sms(language):
    first = step(MAIN, None, Begin("sms", {"ko": "안녕", "en": "hi", "zh": "你好",
                                           "ru": "привет"}[language], "KR"), now=0.0)
    assert first.session.language == language
    menu = step(MAIN, first.session, Digits("9"), now=1.0)
    text = sms_text(menu.actions[-1], MAIN.languages[language])
    for name in ("한국어", "English", "中文", "Русский"):
        assert name in text
    assert count_segments(text).segments == 1


@pytest.mark.parametrize("sender, body, line", [
    ("+8613912345678", "你好", "现在无法接通。紧急情况请打120。"),
    ("+79141234567", "Здравствуйте", "Сейчас не можем ответить. Если опасно, звоните 112."),
    ("+79141234567", "hello", "We cannot answer right now. In an emergency, call 112."),
])
def test_the_down_hotline_answers_an_sms_in_the_language_it_was_written_in(sender, body, line):
    root = ET.fromstring(str(fallback_sms(sender, body, MAIN)))
    assert root.find("Message").text == line


def test_the_language_list_on_a_call_says_each_language_in_its_own_voice():
    first = step(MAIN, None, Begin("voice", "", "CN"), now=0.0)
    menu = step(MAIN, first.session, Digits("9"), now=1.0)
    gather = ET.fromstring(str(voice.render(menu.actions, MAIN, URL))).find("Gather")
    said = [(s.text, s.get("voice"), s.get("language")) for s in gather.findall("Say")]
    assert said == [("언어를 고르세요. 한국어: 1번", "Polly.Seoyeon", "ko-KR"),
                    ("English: press 2.", "Polly.Joanna", "en-US"),
                    ("中文请按3。", "Polly.Zhiyu", "cmn-CN"),
                    ("Русский: нажмите 4.", "Polly.Tatyana", "ru-RU")]
    assert gather.get("language") == "ko-KR"  # the call still listens in its language


def test_the_korean_main_menu_on_a_call_also_says_key_9_in_chinese_and_russian():
    """A caller who reads neither Korean nor English hears the way to the language menu
    in their own language and voice; the Korean SMS menu is the same one segment."""
    first = step(MAIN, None, Begin("voice", "", "CN"), now=0.0)
    gather = ET.fromstring(str(voice.render(first.actions, MAIN, URL))).find("Gather")
    said = [("".join(s.itertext()), s.get("voice"), s.get("language"))
            for s in gather.findall("Say")]
    assert said[0][0].startswith("무엇을 도와드릴까요?")
    assert said[0][0].endswith("English: 9번")
    assert said[0][1:] == ("Polly.Seoyeon", "ko-KR")
    assert said[1:] == [("中文请按9。", "Polly.Zhiyu", "cmn-CN"),
                        ("Русский: нажмите 9.", "Polly.Tatyana", "ru-RU")]
    assert (gather.get("language"), gather.get("numDigits")) == ("ko-KR", "1")
    sms = step(MAIN, None, Begin("sms", "안녕", "KR"), now=0.0)
    text = sms_text(sms.actions[-1], MAIN.languages["ko"])
    assert text.endswith("9 English") and "中文" not in text
    assert count_segments(text).segments == 1


def test_a_chinese_main_menu_on_a_call_offers_key_9_in_russian_but_not_again_in_chinese():
    _, root = _call_in("3")
    said = [(s.text, s.get("voice")) for s in root.find("Gather").findall("Say")]
    assert said[0][0].endswith("语言请按9。") and said[0][1] == "Polly.Zhiyu"
    assert said[1:] == [("Русский: нажмите 9.", "Polly.Tatyana")]
