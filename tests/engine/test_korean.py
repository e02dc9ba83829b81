"""Korean that agrees with what is filled in: particles after codes and places, ordinals."""

from __future__ import annotations

import pathlib

import pytest

from hotline.engine.korean import agree, final_consonant, ordinal
from hotline.engine.lint import lint
from hotline.engine.loader import load_script, parse_script
from hotline.engine.volunteer_phrases import fill

SCRIPTS = pathlib.Path(__file__).resolve().parents[2] / "ivr_scripts"


@pytest.mark.parametrize(("code", "said"), [
    ("K6M", "K6M은"), ("K7Q", "K7Q는"), ("A2B", "A2B는"), ("X3L", "X3L은"),
    ("Q21", "Q21은"), ("P92", "P92는"), ("R40", "R40은"), ("B7N", "B7N은"),
])
def test_the_particle_after_a_code_follows_the_korean_reading_of_its_last_sound(code, said):
    assert fill("{code}은(는) 이미 끝났어요.", {"code": code}) == f"{said} 이미 끝났어요."


@pytest.mark.parametrize(("value", "said"), [
    ("서울", "서울로"), ("인천", "인천으로"), ("부산", "부산으로"), ("대구", "대구로"),
    ("7", "7로"), ("3", "3으로"), ("2", "2로"), ("LA", "LA로"),
])
def test_euro_follows_the_last_sound_and_rieul_takes_ro(value, said):
    assert agree(f"{value}(으)로 가요") == f"{said} 가요"


@pytest.mark.parametrize(("text", "said"), [
    ("김민지이(가) 맡았어요", "김민지가 맡았어요"), ("요청 K6M을(를) 봐요", "요청 K6M을 봐요"),
    ("버전 2을(를) 올렸어요", "버전 2를 올렸어요"), ("버전 3을(를) 올렸어요", "버전 3을 올렸어요"),
    ("쉼터와(과) 병원", "쉼터와 병원"), ("병원과(와) 쉼터", "병원과 쉼터"),
])
def test_every_written_pair_is_resolved(text, said):
    assert agree(text) == said


@pytest.mark.parametrize(("n", "said"), [
    (1, "첫 번째"), (2, "두 번째"), (3, "세 번째"), (4, "네 번째"), (10, "열 번째"),
    (11, "열한 번째"), (12, "열두 번째"), (20, "스무 번째"), (21, "스물한 번째"),
    (35, "서른다섯 번째"),
])
def test_ordinals_are_spoken_korean_not_digits(n, said):
    assert agree(f"{n}번째예요.") == f"{said}예요."
    assert ordinal(n) == said.split()[0]


def test_a_value_that_is_not_a_letter_or_digit_keeps_both_forms_rather_than_guess():
    assert final_consonant("...") is None
    assert agree("★은(는) 좋아요") == "★은(는) 좋아요"


def test_a_node_text_fills_a_code_and_the_emergency_number_with_the_right_particles():
    script = parse_script("""
spec_version: 1
name: t
default_language: ko
start: hi
languages: {ko: {name: 한국어}}
phrases:
  invalid: {ko: 다시.}
  silence: {ko: 못 들었어요.}
  resume: {ko: 이어서 할까요?}
  resume_yes: {ko: 이어서}
  resume_no: {ko: 처음부터}
  give_up: {ko: "{emergency}에 전화하세요."}
nodes:
  hi:
    type: end
    text: {ko: "{emergency}(으)로 전화하세요. 코드 {code}은(는) 지워요."}
""", "t.yaml")
    from hotline.engine.model import Context
    from hotline.engine.session import Session

    ctx = Context(script, Session(script="t", node="hi", language="ko", country="KR", channel="sms",
                                  vars={"code": "K6M"}), 0.0)
    assert ctx.pick(script.nodes["hi"].text) == "119로 전화하세요. 코드 K6M은 지워요."
    ctx = Context(script, Session(script="t", node="hi", language="ko", country="US", channel="voice",
                                  vars={"code": "K7Q"}), 0.0)
    assert ctx.pick(script.nodes["hi"].text) == "911로 전화하세요. 코드 K7Q는 지워요."


def test_the_linter_warns_of_a_bare_particle_after_a_placeholder():
    text = (SCRIPTS / "main.yaml").read_text(encoding="utf-8").replace(
        'ko: "{code} 건은 이미 끝났어요."', 'ko: "{code}는 이미 끝났어요."')
    problems = [p.message for p in lint(parse_script(text, "main.yaml"))]
    assert any("'{code}는' may not agree" in m for m in problems), problems


def test_the_shipped_script_has_no_bare_particle_and_says_no_digit_ordinal():
    script = load_script(str(SCRIPTS / "main.yaml"))
    assert not [p for p in lint(script) if "may not agree" in p.message]
