"""The sample script ivr_scripts/main.yaml, walked through the engine in Korean and English."""

from __future__ import annotations

import pathlib

import pytest

from hotline.engine import Ask, Begin, Digits, Say, Text, load_script, step
from hotline.engine.segments import count_segments
from hotline.engine.wording import sms_text

SCRIPTS = pathlib.Path(__file__).resolve().parents[2] / "ivr_scripts"
MAIN = load_script(str(SCRIPTS / "main.yaml"))

PROGRAMMES = {  # key in the programmes menu -> facts the caller must get, per language
    "1": {"ko": ["무료 상담", "6시간", "혼자", "여럿이"], "en": ["6 hours", "one-to-one", "group"]},
    "2": {"ko": ["또래 상담가", "20시간", "40시간"], "en": ["peer counsellor", "20 hours", "40 hours"]},
    "3": {"ko": ["치아", "만성 질환"], "en": ["oral health", "chronic disease"]},
    "4": {"ko": ["로스앤젤레스", "한의사", "무료"], "en": ["Korean-medicine", "Los Angeles"]},
}


def _texts(result) -> list[str]:
    return [a.text for a in result.actions if isinstance(a, (Say, Ask))]


@pytest.mark.parametrize("language, first", [("ko", "안녕하세요"), ("en", "Hello")])
@pytest.mark.parametrize("key", sorted(PROGRAMMES))
def test_each_programme_by_sms(language, first, key):
    result = step(MAIN, None, Begin("sms", first, "KR"), now=0)
    result = step(MAIN, result.session, Text("1"), now=1)
    result = step(MAIN, result.session, Text(key), now=2)
    said = _texts(result)
    for fact in PROGRAMMES[key][language]:
        assert fact in said[0]
    # The programme's text ends with one step (1: a call back about it), and fits one SMS.
    read = sms_text(result.actions[-1], MAIN.languages[language])
    assert read.splitlines()[-2].startswith("1 ") and count_segments(read).segments == 1
    result = step(MAIN, result.session, Text("0"), now=3)  # 0 goes back to the list
    assert result.session.node == "programmes"
    result = step(MAIN, result.session, Text("0"), now=4)
    assert result.session.node == "main_menu"
    assert count_segments(sms_text(result.actions[-1], MAIN.languages[language])).segments == 1


def test_voice_switches_to_english_with_key_9():
    result = step(MAIN, None, Begin("voice", "", "US"), now=0)
    assert _texts(result) == ["무엇을 도와드릴까요?"]
    result = step(MAIN, result.session, Digits("9"), now=1)
    result = step(MAIN, result.session, Digits("2"), now=2)
    assert _texts(result) == ["How can we help?"]


def test_privacy_note_promises_only_what_the_hotline_does():
    result = step(MAIN, None, Begin("sms", "안녕", "KR"), now=0)
    result = step(MAIN, result.session, Text("비밀"), now=1)
    assert "이름은 묻지 않아요" in _texts(result)[0]

