"""The simulated phone reads TwiML built by the twilio library and follows it like Twilio.

A small Flask app stands in for the hotline here: it checks signatures with twilio's own
RequestValidator and answers with TwiML documents built with the twilio library.
"""

from __future__ import annotations

import threading

import pytest
from flask import Flask, request
from twilio.request_validator import RequestValidator
from twilio.twiml.messaging_response import MessagingResponse
from twilio.twiml.voice_response import Gather, VoiceResponse
from werkzeug.serving import make_server

from hotline.transcripts.phone import AppTransport, HttpTransport, Phone, PhoneError, WebhookError

PUBLIC = "https://hotline.example.org"
TOKEN = "test-token"


def _stand_in() -> tuple[Flask, list[dict[str, str]]]:
    app = Flask(__name__)
    seen: list[dict[str, str]] = []

    @app.before_request
    def check_signature():
        url = PUBLIC + request.full_path.rstrip("?")
        ok = RequestValidator(TOKEN).validate(url, request.form.to_dict(),
                                              request.headers.get("X-Twilio-Signature", ""))
        if not ok:
            return "bad signature", 403
        seen.append({"path": request.full_path.rstrip("?"), **request.form.to_dict()})
        return None

    @app.post("/twilio/voice")
    def voice():
        r = VoiceResponse()
        gather = Gather(input="dtmf speech", language="ko-KR", num_digits=1,
                        action=PUBLIC + "/twilio/voice/gather?node=main")
        gather.say("무엇을 도와드릴까요?", voice="Polly.Seoyeon", language="ko-KR")
        r.append(gather)
        r.say("아무것도 듣지 못했어요.", voice="Polly.Seoyeon", language="ko-KR")
        r.redirect(PUBLIC + "/twilio/voice/again")
        return str(r), 200, {"Content-Type": "text/xml"}

    @app.post("/twilio/voice/again")
    def again():
        r = VoiceResponse()
        r.say("Goodbye.", voice="Polly.Joanna", language="en-US")
        r.hangup()
        return str(r)

    @app.post("/twilio/voice/gather")
    def gather():
        r = VoiceResponse()
        if request.form.get("Digits") == "5":
            r.dial("+821099998888")
            r.say("통화가 끝났어요.", language="ko-KR")
        elif request.form.get("Digits") == "6":
            dial = r.dial(action=PUBLIC + "/twilio/voice/dialled")
            dial.number("+821011112222")
            dial.number("+821033334444")
        elif request.form.get("Digits") == "7":
            r.reject(reason="busy")
        elif request.form.get("Digits") == "8":
            return "oops", 500
        else:
            heard = request.form.get("Digits") or request.form.get("SpeechResult")
            r.say(f"들은 것: {heard}", language="ko-KR")
            r.hangup()
        return str(r)

    @app.post("/twilio/voice/dialled")
    def dialled():
        r = VoiceResponse()
        r.say(f"결과: {request.form.get('DialCallStatus')}", language="ko-KR")
        r.hangup()
        return str(r)

    @app.post("/twilio/sms")
    def sms():
        r = MessagingResponse()
        r.message("무엇을 도와드릴까요?\n1 무료 건강 프로그램")
        r.message("x" * 170)
        return str(r)

    @app.post("/twilio/status")
    def status():
        return "", 204

    return app, seen


@pytest.fixture()
def stand_in():
    return _stand_in()


def _phone(app: Flask, token: str = TOKEN) -> Phone:
    return Phone(AppTransport(app), PUBLIC, token, "+821012345678", "+15005550006")


def test_call_hears_prompt_and_waits_for_keys_or_speech(stand_in):
    app, seen = stand_in
    phone = _phone(app)
    reply = phone.call()
    assert reply.text == "무엇을 도와드릴까요?"
    assert reply.spoken[0].language == "ko-KR" and reply.spoken[0].voice == "Polly.Seoyeon"
    assert reply.gather is not None and set(reply.gather.input) == {"dtmf", "speech"}
    assert reply.gather.language == "ko-KR"
    first = seen[0]
    assert first["path"] == "/twilio/voice"
    assert first["CallSid"].startswith("CA") and first["CallStatus"] == "ringing"
    assert first["From"] == "+821012345678" and first["Direction"] == "inbound"
    assert first["ApiVersion"] == "2010-04-01" and first["AccountSid"].startswith("AC")


def test_press_follows_the_gather_action_with_digits(stand_in):
    app, seen = stand_in
    phone = _phone(app)
    phone.call()
    reply = phone.press("34")  # numDigits=1: Twilio keeps the first key only
    assert reply.text == "들은 것: 3"
    assert reply.hangup and reply.ended
    assert seen[1]["path"] == "/twilio/voice/gather?node=main"
    assert seen[1]["CallSid"] == seen[0]["CallSid"]
    assert seen[-1]["path"] == "/twilio/status" and seen[-1]["CallStatus"] == "completed"


def test_say_sends_speech_result_and_confidence(stand_in):
    app, seen = stand_in
    phone = _phone(app)
    phone.call()
    assert phone.say("상담").text == "들은 것: 상담"
    assert seen[1]["SpeechResult"] == "상담" and float(seen[1]["Confidence"]) > 0


def test_silence_runs_the_verbs_after_gather_and_follows_redirect(stand_in):
    app, _ = stand_in
    phone = _phone(app)
    phone.call()
    reply = phone.silence()
    assert reply.text == "아무것도 듣지 못했어요.\nGoodbye."
    assert reply.redirects == [PUBLIC + "/twilio/voice/again"]
    assert reply.hangup
    with pytest.raises(PhoneError):
        phone.press("1")  # the call is over


def test_dial_and_reject_are_reported(stand_in):
    app, _ = stand_in
    phone = _phone(app)
    phone.call()
    reply = phone.press("5")
    assert reply.dialed == ["+821099998888"] and not reply.ended
    assert phone.dial_ends().text == "통화가 끝났어요."  # no action: the verbs after <Dial>
    phone.call()
    reply = phone.press("6")
    assert reply.dialed == ["+821011112222", "+821033334444"]
    assert reply.dial_action == PUBLIC + "/twilio/voice/dialled"
    assert phone.dial_ends("no-answer").text == "결과: no-answer"
    phone.call()
    reply = phone.press("7")
    assert reply.rejected == "busy" and reply.ended


def test_server_error_is_reported_not_hidden(stand_in):
    app, _ = stand_in
    phone = _phone(app)
    phone.call()
    with pytest.raises(WebhookError) as info:
        phone.press("8")
    assert info.value.status == 500


def test_wrong_token_is_refused(stand_in):
    app, _ = stand_in
    with pytest.raises(WebhookError) as info:
        _phone(app, token="not-the-token").call()
    assert info.value.status == 403


def test_sms_reply_messages_with_segment_counts(stand_in):
    app, seen = stand_in
    reply = _phone(app).text("안녕하세요")
    first, second = reply.messages
    assert first.text == "무엇을 도와드릴까요?\n1 무료 건강 프로그램"
    assert (first.segments.encoding, first.segments.segments) == ("UCS-2", 1)
    assert (second.segments.encoding, second.segments.segments) == ("GSM-7", 2)
    sent = seen[0]
    assert sent["Body"] == "안녕하세요" and sent["MessageSid"] == sent["SmsSid"]
    assert sent["MessageSid"].startswith("SM") and sent["NumSegments"] == "1"
    assert sent["NumMedia"] == "0"


def test_http_transport_talks_to_a_running_server(stand_in):
    app, _ = stand_in
    server = make_server("127.0.0.1", 0, app)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        transport = HttpTransport(f"http://127.0.0.1:{server.server_port}")
        phone = Phone(transport, PUBLIC, TOKEN)
        assert phone.call().text == "무엇을 도와드릴까요?"
        assert phone.press("3").text == "들은 것: 3"
        assert phone.text("hi").messages[0].segments.segments == 1
    finally:
        server.shutdown()
