"""Transcript tests: the file format, running through the real app, failures, node coverage."""

from __future__ import annotations

import os
import textwrap

import pytest

from hotline.engine import load_scripts
from hotline.transcripts import (
    TranscriptError,
    load_transcripts,
    parse_transcripts,
    run_directory,
    run_file,
    transcript_paths,
    uncovered,
)

SCRIPTS_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))),
                           "ivr_scripts")

SCRIPT = """\
spec_version: 1
name: main
default_language: ko
start: main_menu
languages:
  ko: {name: 한국어, voice: Polly.Seoyeon, speech: ko-KR, press: "{label}: {key}번",
       reply: "{key} {label}"}
  en: {name: English, voice: Polly.Joanna, speech: en-US, press: "{label}: press {key}.",
       reply: "{key} {label}"}
phrases:
  invalid: {ko: 다시 골라 주세요., en: Please choose again.}
  silence: {ko: 아무 소리도 듣지 못했어요., en: We did not hear anything.}
  resume: {ko: 이어서 할까요?, en: Continue?}
  resume_yes: {ko: 이어서, en: Continue}
  resume_no: {ko: 처음부터, en: Start over}
  give_up: {ko: "급하면 {emergency}번에 전화하세요.", en: "In an emergency, call {emergency}."}
nodes:
  main_menu:
    type: menu
    text: {ko: 무엇을 도와드릴까요?, en: How can we help?}
    options:
      - {key: 1, label: {ko: 상담, en: Counselling}, goto: counselling}
      - {key: 2, label: {ko: 끝, en: Goodbye}, goto: goodbye}
      - {key: 3, label: {ko: 도시, en: City}, goto: ask_city}
  ask_city:
    type: question
    text: {ko: 어느 도시에 계세요?, en: Which city are you in?}
    var: city
    goto: main_menu
  counselling:
    type: message
    text: {ko: 무료 상담 6시간이에요., en: Free counselling for 6 hours.}
    goto: main_menu
  goodbye:
    type: end
    text: {ko: 고맙습니다., en: Thank you.}
"""


@pytest.fixture()
def scripts(tmp_path):
    (tmp_path / "main.yaml").write_text(SCRIPT, encoding="utf-8")
    return tmp_path


@pytest.fixture()
def base(redis_url, redis_conn, tmp_path):
    return {"REDIS_URL": redis_url, "DATA_DIR": str(tmp_path / "data")}


def _write(directory, name, text):
    path = directory / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return str(path)


PASSING = """\
    script: main
    tests:
      - name: SMS to counselling
        channel: sms
        steps:
          - send: 안녕하세요
            expect: [무엇을 도와드릴까요?, 1 상담]
          - send: "1"
            expect: 6시간
            expect_not: 다시 골라
      - name: Call ends with thanks
        channel: voice
        from: "+12025550143"
        steps:
          - call:
            expect: "상담: 1번"
          - press: "2"
            expect: 고맙습니다
            ends: true
"""


def test_passing_file_runs_through_the_app_and_leaves_no_keys(scripts, base, redis_conn):
    path = _write(scripts, "main.test.yaml", PASSING)
    results = run_file(path, base)
    assert [(r.name, r.passed, r.failures) for r in results] == [
        ("SMS to counselling", True, []), ("Call ends with thanks", True, [])]
    assert results[0].file == path and results[0].channel == "sms"
    assert "무료 상담 6시간이에요." in results[0].replies[1]
    assert redis_conn.keys("*") == []  # each transcript cleans up its own keys


def test_failures_say_step_input_expectation_and_reply(scripts, base):
    path = _write(scripts, "main.test.yaml", """\
        tests:
          - name: wrong hopes
            channel: voice
            steps:
              - call:
                expect: [무엇을 도와드릴까요?, 병원]
              - press: "1"
                expect_not: 6시간
              - press: "2"
                ends: false
    """)
    [result] = run_file(path, base)
    assert not result.passed
    first, second, third = result.failures
    assert first.startswith("step 1 (line 5): call: expected '병원', got '무엇을 도와드릴까요?")
    assert second.startswith("step 2 (line 7): press '1': expected no '6시간', got '무료 상담")
    assert third.startswith("step 3 (line 9): press '2': expected the call to go on, but it ended")


def test_a_step_the_phone_cannot_do_stops_the_test_with_a_reason(scripts, base):
    path = _write(scripts, "main.test.yaml", """\
        tests:
          - name: pressing after the end
            channel: voice
            steps:
              - call:
              - press: "2"
              - press: "1"
                expect: 상담
    """)
    [result] = run_file(path, base)
    assert result.failures == [("step 3 (line 7): press '1': no call is waiting for input "
                                "(call first, or the call ended)")]


def test_wait_moves_the_app_clock(scripts, base):
    path = _write(scripts, "main.test.yaml", """\
        tests:
          - name: resume then fresh
            channel: voice
            steps:
              - call:
              - press: "3"
              - hangup:
              - wait: 10m
              - call:
                expect: 이어서 할까요?
              - hangup:
              - wait: 31 min
              - call:
                expect: 무엇을 도와드릴까요?
                expect_not: 이어서
    """)
    assert [r.failures for r in run_file(path, base)] == [[]]


@pytest.mark.parametrize("body,message", [
    ("tests: []\nfoo: [", "not valid YAML"),
    ("name: x\n", "expected a mapping with a `tests:` list"),
    ("tests:\n  - channel: sms\n    steps: [{send: hi}]\n", ":2: each test needs a name"),
    ("tests:\n  - name: a\n    channel: fax\n    steps: [{send: hi}]\n", "channel must be"),
    ("tests:\n  - name: a\n    channel: sms\n    steps: []\n", "needs a list of steps"),
    ("tests:\n  - name: a\n    channel: sms\n    steps:\n      - press: '1'\n",
     ":5: a sms step needs exactly one of send, wait"),
    ("tests:\n  - name: a\n    channel: voice\n    steps:\n      - call:\n      - press: one\n",
     ":6: press takes keypad keys"),
    ("tests:\n  - name: a\n    channel: voice\n    steps:\n      - wait: soon\n",
     "wait takes a duration"),
    ("tests:\n  - name: a\n    channel: sms\n    steps:\n      - send: hi\n        expct: x\n",
     "unknown key 'expct'"),
])
def test_format_errors_name_file_and_line(body, message):
    with pytest.raises(TranscriptError) as info:
        parse_transcripts(body, file="t.test.yaml")
    assert str(info.value).startswith("t.test.yaml")
    assert message in str(info.value)


def test_run_directory_reports_a_broken_file_as_a_failure(scripts, base):
    _write(scripts, "a.test.yaml", PASSING)
    _write(scripts, "b.test.yaml", "tests: 3\n")
    results = run_directory(str(scripts), base)
    assert [(os.path.basename(r.file), r.passed) for r in results] == [
        ("a.test.yaml", True), ("a.test.yaml", True), ("b.test.yaml", False)]
    assert "b.test.yaml: expected a mapping" in results[2].failures[0]


def test_coverage_names_each_node_never_shown(scripts, base):
    path = _write(scripts, "main.test.yaml", PASSING)
    script = load_scripts(str(scripts))["main"]
    missing = uncovered(script, run_file(path, base))
    # SMS reached counselling but never ended; the call ended but never heard counselling;
    # nothing was said in English.
    assert "sms/ko: goodbye" in missing and "voice/ko: counselling" in missing
    assert "sms/ko: ask_city" in missing and "voice/ko: ask_city" in missing
    assert "sms/ko: counselling" not in missing and "voice/ko: goodbye" not in missing
    assert {m for m in missing if "/en:" in m} == {
        f"{channel}/en: {node}" for channel in ("sms", "voice")
        for node in ("main_menu", "counselling", "goodbye", "ask_city")}


@pytest.mark.slow
def test_shipped_transcripts_pass_and_show_every_node_on_both_channels_in_both_languages(base):
    """Every node of every shipped script, on SMS and voice, in each of its languages."""
    results = run_directory(SCRIPTS_DIR, base)
    assert results, "no transcript tests shipped"
    assert [f"{r.name}: {r.failures}" for r in results if not r.passed] == []
    for script in load_scripts(SCRIPTS_DIR).values():
        assert uncovered(script, results) == [], f"{script.name}: nodes no transcript shows"


def test_every_shipped_transcript_file_loads():
    paths = transcript_paths(SCRIPTS_DIR)
    assert paths
    for path in paths:
        assert load_transcripts(path)


def test_without_settings_a_run_uses_its_own_redis_not_the_configured_server(
        scripts, monkeypatch):
    """`hotline scripts test` must not queue pages or callbacks on a live server."""
    monkeypatch.setenv("HOTLINE_REDIS_URL", "redis://127.0.0.1:1/0")  # nothing listens here
    _write(scripts, "main.test.yaml", PASSING)
    results = run_directory(str(scripts))
    assert [r.failures for r in results] == [[], []]


def test_given_is_read_for_the_file_and_overridden_per_test(tmp_path):
    path = _write(tmp_path, "x.test.yaml", """\
        given:
          volunteers:
            - {name: 민지, phone: "+821011110001", languages: [ko, en]}
          oncall: oncall.sample.yaml
          at: 2026-11-23T10:00+09:00
        tests:
          - name: weekday morning
            channel: sms
            steps: [{send: 안녕}]
          - name: saturday night, nobody registered
            channel: sms
            given: {volunteers: [], at: "2026-11-28T23:30+09:00"}
            steps: [{send: 안녕}]
    """)
    first, second = load_transcripts(path)
    assert first.given.volunteers[0]["phone"] == "+821011110001"
    assert first.given.oncall == str(tmp_path / "oncall.sample.yaml")
    assert first.given.at == 1_795_395_600.0  # 2026-11-23 01:00 UTC
    assert second.given.volunteers == () and second.given.oncall == first.given.oncall
    assert second.given.at == 1_795_876_200.0


@pytest.mark.parametrize("given,message", [
    ("given: {at: 2026-11-23T10:00}", "a time with its zone"),
    ("given: {people: []}", "given: takes volunteers, oncall, directory, programmes and at"),
    ("given: {volunteers: [민지]}", "given volunteers are a list"),
])
def test_given_mistakes_are_named(given, message):
    body = f"{given}\ntests:\n  - name: a\n    channel: sms\n    steps: [{{send: hi}}]\n"
    with pytest.raises(TranscriptError) as info:
        parse_transcripts(body, file="t.test.yaml")
    assert message in str(info.value) and str(info.value).startswith("t.test.yaml:1")


def test_a_given_that_cannot_be_applied_fails_the_test(scripts, base):
    path = _write(scripts, "main.test.yaml", """\
        given: {oncall: missing-rota.yaml}
        tests:
          - name: no rota file
            channel: sms
            steps: [{send: 안녕, expect: 무엇을}]
    """)
    [result] = run_file(path, base)
    assert not result.passed and result.failures[0].startswith("given: ")
    assert "missing-rota.yaml" in result.failures[0]
