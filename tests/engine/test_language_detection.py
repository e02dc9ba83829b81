"""The first SMS is answered in the language it is written in: Hangul, Latin, Cyrillic, Han."""

from __future__ import annotations

import pytest

from hotline.engine import Begin, parse_script, step
from hotline.engine.actions import Ask
from hotline.engine.matching import detect_language

FOUR_SOURCE = """
spec_version: 1
name: four
default_language: ko
start: main
languages:
  ko: {name: 한국어}
  en: {name: English}
  zh: {name: 中文}
  ru: {name: Русский}
phrases:
  invalid: {ko: 다시., en: Again., zh: 再试., ru: Ещё раз.}
  silence: {ko: 다시., en: Again., zh: 再试., ru: Ещё раз.}
  resume: {ko: 이어서?, en: Continue?, zh: 继续?, ru: Продолжить?}
  resume_yes: {ko: 네, en: "Yes", zh: 是, ru: Да}
  resume_no: {ko: 아니요, en: "No", zh: 否, ru: Нет}
  give_up: {ko: "{emergency}", en: "{emergency}", zh: "{emergency}", ru: "{emergency}"}
nodes:
  main:
    type: menu
    text: {ko: 무엇을 도와드릴까요?, en: How can we help?, zh: 需要什么帮助?, ru: Чем помочь?}
    options:
      - key: 1
        label: {ko: 병원, en: Clinic, zh: 医院, ru: Больница}
        goto: bye
  bye:
    type: end
    text: {ko: 고마워요., en: Thanks., zh: 谢谢., ru: Спасибо.}
"""
FOUR = parse_script(FOUR_SOURCE, file="four.yaml")
KO_EN = ["ko", "en"]


@pytest.mark.parametrize("first, language", [
    ("안녕하세요", "ko"), ("Hello", "en"), ("Здравствуйте, нужна помощь", "ru"),
    ("你好，我需要帮助", "zh"), ("", "ko"), ("123 😀", "ko"),
])
def test_first_sms_is_answered_in_the_language_it_is_written_in(first, language):
    result = step(FOUR, None, Begin("sms", first, "KR"), now=0.0)
    assert result.session.language == language
    ask = result.actions[-1]
    assert isinstance(ask, Ask) and ask.language == language
    assert ask.text == FOUR.nodes["main"].text[language]


@pytest.mark.parametrize("text", ["Seoul에서 병원", "LA 병원 어디", "I need 병원"])
def test_hangul_in_a_mixed_message_means_korean(text):
    # A Hangul syllable is two or three letters: a few of them outweigh a Latin place name.
    assert detect_language(text, KO_EN, "ko") == "ko"


@pytest.mark.parametrize("text", ["clinic in Seoul", "hospital LA please"])
def test_latin_only_is_english(text):
    assert detect_language(text, KO_EN, "ko") == "en"


def test_a_script_without_the_language_written_in_answers_in_its_default():
    assert detect_language("Здравствуйте", KO_EN, "ko") == "ko"
    assert detect_language("你好", KO_EN, "ko") == "ko"


FOUR_LANGUAGES = ["ko", "en", "zh", "ru"]


@pytest.mark.parametrize("text", ["医院 병원", "我在首尔, 병원 어디", "서울 市内"])
def test_any_hangul_means_korean_even_beside_han_characters(text):
    assert detect_language(text, FOUR_LANGUAGES, "ko") == "ko"


def test_han_characters_without_hangul_are_chinese_and_kana_beside_them_is_not():
    assert detect_language("我需要看医生 Seoul", FOUR_LANGUAGES, "ko") == "zh"
    assert detect_language("病院はどこですか", FOUR_LANGUAGES, "ko") == "ko"


def test_cyrillic_is_russian_even_with_a_latin_place_name():
    assert detect_language("Нужен врач в Seoul", FOUR_LANGUAGES, "ko") == "ru"


@pytest.mark.parametrize("first, language", [("Chinese", "zh"), ("Russian", "ru"),
                                             ("中文", "zh"), ("русский", "ru")])
def test_a_first_text_naming_a_language_gets_it(first, language):
    four = parse_script(FOUR_SOURCE.replace("zh: {name: 中文}",
                                            "zh: {name: 中文, keywords: [chinese]}")
                        .replace("ru: {name: Русский}",
                                 "ru: {name: Русский, keywords: [russian]}"), file="f.yaml")
    result = step(four, None, Begin("sms", first, "KR"), now=0.0)
    assert result.session.language == language
