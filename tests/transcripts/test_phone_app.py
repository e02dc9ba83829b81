"""The simulated phone against the real app: signed webhooks, Redis sessions, TwiML followed."""

from __future__ import annotations

import textwrap
import threading

import pytest
from werkzeug.serving import make_server

from hotline.transcripts.phone import AppTransport, HttpTransport, Phone, PhoneError, WebhookError

CALLER = "+821012345678"

SCRIPT = """\
spec_version: 1
name: main
default_language: ko
start: main_menu
languages:
  ko: {name: 한국어, keywords: [한국어], voice: Polly.Seoyeon, speech: ko-KR,
       press: "{label}: {key}번", reply: "{key} {label}"}
  en: {name: English, keywords: [english], voice: Polly.Joanna, speech: en-US,
       press: "{label}: press {key}.", reply: "{key} {label}"}
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
      - {key: 1, label: {ko: 상담, en: Counselling}, keywords: {ko: [상담], en: [counselling]},
         goto: counselling}
      - {key: 2, label: {ko: 도시, en: City}, goto: ask_city}
      - {key: 3, label: {ko: 끝, en: Goodbye}, goto: goodbye}
  counselling:
    type: message
    text: {ko: 무료 상담 6시간이에요., en: Free counselling for 6 hours.}
    goto: main_menu
  ask_city:
    type: question
    text: {ko: 어느 도시에 계세요?, en: Which city are you in?}
    var: city
    goto: city_said
  city_said:
    type: message
    text: {ko: "{city}에 계시는군요.", en: "You are in {city}."}
    goto: main_menu
  goodbye:
    type: end
    text: {ko: 연락 주셔서 고맙습니다., en: Thank you for getting in touch.}
"""


@pytest.fixture()
def app_config(app_config, tmp_path):
    """The real app, on a small script of our own so menu edits elsewhere do not matter."""
    (tmp_path / "main.yaml").write_text(textwrap.dedent(SCRIPT), encoding="utf-8")
    return {**app_config, "SCRIPTS_DIR": str(tmp_path), "DATA_DIR": str(tmp_path)}


@pytest.fixture()
def phone(app):
    return Phone(AppTransport(app), app.config["PUBLIC_URL"], app.config["TWILIO_AUTH_TOKEN"],
                 CALLER)


def test_call_hears_the_menu_in_korean_and_keys_walk_it(phone, app):
    reply = phone.call()
    assert reply.text == "무엇을 도와드릴까요? 상담: 1번 도시: 2번 끝: 3번"
    assert reply.spoken[0].language == "ko-KR" and reply.spoken[0].voice == "Polly.Seoyeon"
    gather = reply.gather
    assert gather is not None and set(gather.input) == {"dtmf", "speech"}
    assert gather.language == "ko-KR"
    assert gather.action.startswith(app.config["PUBLIC_URL"] + "/")
    reply = phone.press("1")
    assert reply.spoken[0].text == "무료 상담 6시간이에요."
    assert "무엇을 도와드릴까요?" in reply.spoken[1].text and reply.gather is not None


def test_speech_and_silence_are_understood(phone):
    phone.call()
    assert "무료 상담 6시간이에요." in phone.say("상담").text
    silent = phone.silence()
    assert silent.spoken[0].text == "아무 소리도 듣지 못했어요."
    assert silent.gather is not None  # asked again, still listening


def test_spoken_answer_to_a_question_is_kept_and_used(phone):
    phone.call()
    assert phone.press("2").text.startswith("어느 도시에 계세요?")
    assert phone.say("서울").spoken[0].text == "서울에 계시는군요."


def test_end_node_hangs_up_and_status_callback_is_accepted(phone):
    phone.call()
    reply = phone.press("3")
    assert reply.text == "연락 주셔서 고맙습니다."
    assert reply.hangup and reply.ended
    assert phone.status_replies == [200]
    with pytest.raises(PhoneError):
        phone.press("1")


def test_dropped_call_resumes_within_30_minutes_only(phone, clock):
    phone.call()
    phone.press("2")
    phone.hangup()
    clock.advance(5 * 60)
    assert phone.call().text.startswith("이어서 할까요?")
    assert phone.press("1").text.startswith("어느 도시에 계세요?")
    phone.hangup()
    clock.advance(31 * 60)
    assert phone.call().text.startswith("무엇을 도와드릴까요?")


def test_sms_in_korean_and_english_with_segment_counts(app, redis_conn):
    korean = Phone(AppTransport(app), app.config["PUBLIC_URL"], app.config["TWILIO_AUTH_TOKEN"],
                   CALLER)
    reply = korean.text("안녕하세요")
    [message] = reply.messages
    assert message.text == "무엇을 도와드릴까요?\n1 상담\n2 도시\n3 끝"
    assert (message.segments.segments, message.segments.encoding) == (1, "UCS-2")
    assert korean.text("1").messages[0].text.startswith("무료 상담 6시간이에요.")

    english = Phone(AppTransport(app), app.config["PUBLIC_URL"],
                    app.config["TWILIO_AUTH_TOKEN"], "+12025550143")
    first = english.text("Hello").messages[0]
    assert first.text.startswith("How can we help?\n1 Counselling")
    assert first.segments.encoding == "GSM-7"
    # Each message went through Redis: the session is kept there (sealed), never the number.
    keys = redis_conn.keys("*")
    values = [redis_conn.get(k) or b"" for k in keys if redis_conn.type(k) == b"string"]
    stored = b" ".join(keys + values)
    runtime = app.extensions["hotline"]
    assert runtime.sessions.load(runtime.caller_hash(CALLER)).node in ("counselling", "main_menu")
    assert b'"node"' not in stored  # the session's JSON is encrypted
    assert b"1012345678" not in stored and b"2025550143" not in stored


def test_a_wrong_token_is_refused(app):
    phone = Phone(AppTransport(app), app.config["PUBLIC_URL"], "not-the-token", CALLER)
    with pytest.raises(WebhookError) as info:
        phone.call()
    assert info.value.status == 403


def test_http_transport_with_a_public_url_other_than_the_server(app):
    """Behind a proxy: the phone signs for the public URL and posts to the real server."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        transport = HttpTransport(f"http://127.0.0.1:{server.server_port}")
        phone = Phone(transport, app.config["PUBLIC_URL"], app.config["TWILIO_AUTH_TOKEN"],
                      CALLER)
        assert phone.call().text.startswith("무엇을 도와드릴까요?")
        assert phone.press("1").spoken[0].text == "무료 상담 6시간이에요."
        texter = Phone(transport, app.config["PUBLIC_URL"], app.config["TWILIO_AUTH_TOKEN"],
                       "+12025550143")
        assert texter.text("Hello").messages[0].text.startswith("How can we help?")
    finally:
        server.shutdown()
