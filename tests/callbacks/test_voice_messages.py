"""Voice messages: a caller who cannot type (or calls when nobody answers) leaves one; it
becomes a callback request; the volunteer hears it; it is deleted at Twilio.

The real app (signed webhooks, the main scripts), real Redis, real RQ workers
(SimpleWorker burst, with the scheduler for retries moved by tests/rq_clock.py), and the
local stand-in for the Twilio REST API (tests/twilio_api_stub.py) for the audio and the
deletes.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from urllib.parse import parse_qs, urlsplit

import pytest
from rq import SimpleWorker
from rq.registry import FailedJobRegistry, ScheduledJobRegistry

from hotline import job_context as context
from hotline import jobs
from hotline.callbacks import history, voicemail
from hotline.callbacks import queue as callbacks
from hotline.callbacks.outcomes import Outcome, OutcomeError, record
from hotline.callbacks.queue import Status
from hotline.conversation.volunteer_commands import handle
from hotline.people import volunteers
from hotline.privacy.vault import caller_hash, new_key
from hotline.telephony import read_outbox
from tests.rq_clock import advance_schedules
from tests.twilio_api_stub import TwilioApiStub

CALLER = "+821012345678"
MINA = "+821022223333"
HOTLINE = "+15005550006"
ACCOUNT = "AC" + "1" * 32
AUDIO = b"ID3\x03\x00fake-mp3-audio" * 100


@pytest.fixture()
def stub():
    server = TwilioApiStub().start()
    yield server
    server.stop()


@pytest.fixture()
def app_config(app_config, tmp_path, stub, request):
    extra = {}
    if "after_hours" in request.fixturenames:
        extra["OFFICE_HOURS"] = "09:00-18:00 Asia/Seoul"
    if "transcribing" in request.fixturenames:
        extra["TRANSCRIBE_MESSAGES"] = True
    return {**app_config, "ENCRYPTION_KEY": new_key(), "DATA_DIR": str(tmp_path),
            "HOTLINE_NUMBER": HOTLINE, "TWILIO_ACCOUNT_SID": ACCOUNT,
            "TWILIO_API_URL": stub.url, **extra}


@pytest.fixture()
def hotline(app, clock):
    runtime = app.extensions["hotline"]
    context.configure(runtime.config, clock=clock)
    yield runtime
    context.configure({})


@pytest.fixture()
def mina(hotline):
    return volunteers.add(hotline.redis, hotline.config, "Mina", MINA, ("ko",))


@pytest.fixture()
def after_hours():
    """The app is made with OFFICE_HOURS 09:00-18:00 Seoul (the clock says 17:20 UTC:
    02:20 in Seoul)."""


@pytest.fixture()
def transcribing():
    """The app is made with TRANSCRIBE_MESSAGES on."""


class Phone:
    """A caller on a voice call through the signed webhooks."""

    def __init__(self, signed_post, sid="CA" + "7" * 32, number=CALLER):
        self.post, self.sid, self.number = signed_post, sid, number

    def _params(self, **extra):
        return {"CallSid": self.sid, "From": self.number, "To": HOTLINE,
                "CallStatus": "in-progress", "Direction": "inbound", **extra}

    def call(self):
        return _xml(self.post("/twilio/voice", self._params()))

    def press(self, digits):
        return _xml(self.post("/twilio/voice/gather", self._params(Digits=digits)))

    def recorded(self, record, sid="RE" + "a" * 32, seconds="14", **extra):
        """Twilio posts the recording to the <Record>'s action."""
        return _xml(self.post(_path(record.get("action")),
                              self._params(RecordingSid=sid, RecordingDuration=seconds,
                                           RecordingUrl=f"https://api.twilio.com/x/{sid}",
                                           **extra)))


def _xml(response):
    assert response.status_code == 200, response.data
    return ET.fromstring(response.data)


def _path(url):
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def work(hotline, scheduler=False):
    SimpleWorker(list(jobs.QUEUES), connection=hotline.redis).work(
        burst=True, with_scheduler=scheduler)


def leave_message(signed_post, stub, sid="RE" + "a" * 32):
    """Main menu 4 (call back), then 5 (leave a message), record 14 seconds."""
    phone = Phone(signed_post)
    phone.call()
    phone.press("4")
    answer = phone.press("5")
    stub.recordings[sid] = AUDIO
    return phone, answer, phone.recorded(answer.find("Record"), sid=sid)


# ---- the caller's side: TwiML -------------------------------------------------------------

def test_a_caller_who_cannot_type_records_a_message_from_the_voice_menu(hotline, signed_post,
                                                                         stub):
    phone = Phone(signed_post)
    phone.call()
    menu = phone.press("4")
    assert "녹음: 5번" in menu.find("Gather/Say").text
    answer = phone.press("5")
    said, record = answer.find("Say"), answer.find("Record")
    assert "삐 소리 뒤에 2분 안에 말씀하세요" in said.text
    assert record.get("maxLength") == "120" and record.get("playBeep") == "true"
    assert record.get("finishOnKey") == "#" and record.get("transcribe") is None
    action = urlsplit(record.get("action"))
    assert action.path == "/twilio/voicemail/recorded"
    assert parse_qs(action.query) == {"topic": ["other"], "lang": ["ko"]}
    assert list(answer)[-1].tag == "Hangup"  # silence: the call ends

    thanks = phone.recorded(record)
    assert thanks.find("Say").text == "말씀을 잘 받았어요. 곧 이 번호로 다시 전화드릴게요."
    assert thanks[-1].tag == "Hangup"
    (req,) = callbacks.all_requests(hotline.redis, hotline.config)
    assert req.status == Status.WAITING and req.message and req.topic == "other"
    message = voicemail.message_of(hotline.redis, hotline.config, req.id)
    assert message.sid == "RE" + "a" * 32 and message.seconds == 14


def test_in_an_sms_the_option_says_to_call(hotline, signed_post):
    def text(body, sid):
        response = signed_post("/twilio/sms", {"From": CALLER, "To": HOTLINE, "Body": body,
                                               "MessageSid": sid})
        return " ".join(m.text or "" for m in ET.fromstring(response.data).iter("Message"))

    text("안녕하세요", "SM1")
    text("4", "SM2")
    assert "말은 전화로 남길 수 있어요" in text("5", "SM3")
    assert callbacks.all_requests(hotline.redis, hotline.config) == []


def test_with_transcription_on_twilio_is_asked_for_it_and_it_is_kept_sealed(
        transcribing, hotline, signed_post, stub):
    _, answer, _ = leave_message(signed_post, stub)
    record = answer.find("Record")
    assert record.get("transcribe") == "true"
    assert record.get("transcribeCallback").endswith("/twilio/voicemail/transcribed")
    done = signed_post("/twilio/voicemail/transcribed", {
        "RecordingSid": "RE" + "a" * 32, "TranscriptionStatus": "completed",
        "TranscriptionText": "I need a doctor for my son", "CallSid": "CA" + "7" * 32})
    assert done.status_code == 200
    (req,) = callbacks.all_requests(hotline.redis, hotline.config)
    assert voicemail.message_of(hotline.redis, hotline.config, req.id).text == \
        "I need a doctor for my son"
    kept = b"".join(v for v in hotline.redis.hgetall(
        callbacks.keys(hotline.config).recording(req.id)).values())
    assert b"doctor" not in kept and b"RE" + b"a" * 32 not in kept  # sealed


def test_outside_office_hours_a_call_back_request_becomes_a_voice_message(
        after_hours, hotline, signed_post, clock):
    clock.now = 1_800_000_000.0  # 2027-01-15 08:00 UTC = 17:00 in Seoul: open
    phone = Phone(signed_post)
    phone.call()
    phone.press("4")
    assert "요청을 받았어요" in phone.press("1").find("Say").text
    clock.advance(2 * 3600)  # 19:00 in Seoul: closed
    late = Phone(signed_post, sid="CA" + "8" * 32, number="+821055556666")
    late.call()
    late.press("4")
    answer = late.press("1")
    assert answer.find("Record") is not None and "삐 소리" in answer.find("Say").text
    assert len(callbacks.all_requests(hotline.redis, hotline.config)) == 1  # not filed yet
    late.recorded(answer.find("Record"), sid="RE" + "b" * 32)
    assert len(callbacks.all_requests(hotline.redis, hotline.config)) == 2


def test_an_urgent_call_nobody_takes_offers_a_message_for_the_call_back(hotline,
                                                                       signed_post, stub):
    from hotline.urgent import cases as urgent

    phone = Phone(signed_post)
    phone.call()
    nobody = phone.press("0")  # urgent help; nobody is on call at all
    says = [s.text for s in nobody.findall("Say")]
    assert any("119" in s for s in says) and any("삐 소리 뒤에" in s for s in says)
    record = nobody.find("Record")
    query = parse_qs(urlsplit(record.get("action")).query)
    assert query["topic"] == ["urgent"] and len(query["case"][0]) >= 3
    stub.recordings["RE" + "c" * 32] = AUDIO
    phone.recorded(record, sid="RE" + "c" * 32)
    case = urgent.get(hotline.redis, hotline.config, query["case"][0])
    (req,) = callbacks.all_requests(hotline.redis, hotline.config)
    assert req.id == case.callback and req.message  # the case's own call back


def test_the_recording_webhook_needs_a_signature_and_keeps_no_number(hotline, client,
                                                                     signed_post, stub):
    refused = client.post("/twilio/voicemail/recorded?topic=other&lang=ko",
                          data={"From": CALLER, "RecordingSid": "RE" + "d" * 32})
    assert refused.status_code == 403
    leave_message(signed_post, stub)
    national = CALLER[3:].encode()
    for key in hotline.redis.scan_iter(match=f"{hotline.config.key_prefix}cb:rec*"):
        dump = repr(hotline.redis.hgetall(key) if hotline.redis.type(key) == b"hash"
                    else hotline.redis.zrange(key, 0, -1)).encode()
        assert national not in dump and b"RE" + b"a" * 32 not in dump
        assert b"api.twilio.com" not in dump  # no link to the audio is kept


# ---- the volunteer hears it --------------------------------------------------------------

def test_the_whisper_plays_the_message_through_a_signed_short_lived_url(hotline, mina,
                                                                       signed_post, stub,
                                                                       client, clock):
    leave_message(signed_post, stub)
    (req,) = callbacks.all_requests(hotline.redis, hotline.config)
    handle(hotline.redis, hotline.config, MINA, "NEXT", "SM10", now=clock())
    from hotline.telephony import OutboxTransport

    context.configure(hotline.config, clock=clock,  # the call goes to the outbox
                      transport=OutboxTransport(hotline.config.data_dir, HOTLINE))
    work(hotline)
    (call,) = [e for e in read_outbox(hotline.config.data_dir) if e["kind"] == "call"]
    root = ET.fromstring(call["twiml"])
    tags = [child.tag for child in root]
    assert tags[:3] == ["Say", "Play", "Gather"]
    assert root[0].text == "전화하신 분이 남긴 말씀입니다."
    url = urlsplit(root.find("Play").text)
    assert url.path == f"/media/voicemail/{req.id}" and "api.twilio.com" not in call["twiml"]

    heard = client.get(f"{url.path}?{url.query}")
    assert heard.status_code == 200 and heard.mimetype == "audio/mpeg"
    assert heard.data == AUDIO
    assert client.get(url.path).status_code == 403  # no signature
    assert client.get(f"{url.path}?{url.query.replace('sig=', 'sig=0')}").status_code == 403
    clock.advance(voicemail.PLAY_TTL + 1)
    assert client.get(f"{url.path}?{url.query}").status_code == 403  # expired


# ---- deletion at Twilio --------------------------------------------------------------------

def test_closing_the_request_deletes_the_recording_at_twilio(hotline, mina, signed_post,
                                                              stub, clock):
    leave_message(signed_post, stub)
    (req,) = callbacks.all_requests(hotline.redis, hotline.config)
    callbacks.take_next(hotline.redis, hotline.config, ["ko"], mina.id, clock())
    record(hotline.redis, hotline.config, mina, req.id, Outcome.DONE, clock())
    work(hotline)
    assert stub.deleted == ["RE" + "a" * 32] and stub.recordings == {}
    assert voicemail.message_of(hotline.redis, hotline.config, req.id) is None
    assert not hotline.redis.exists(callbacks.keys(hotline.config).recording(req.id))
    assert hotline.redis.zcard(callbacks.keys(hotline.config).recordings) == 0


def test_a_delete_that_fails_is_retried_by_the_worker_until_twilio_confirms(
        hotline, mina, signed_post, stub, clock):
    leave_message(signed_post, stub)
    (req,) = callbacks.all_requests(hotline.redis, hotline.config)
    stub.fail_deletes = 2
    callbacks.close(hotline.redis, hotline.config, req.id, Status.CANCELLED, clock())
    work(hotline, scheduler=True)  # first try: 500, a retry is scheduled
    job_id = jobs.hotline_keys.recording_delete_job(req.id)
    scheduled = ScheduledJobRegistry(jobs.DEFAULT, connection=hotline.redis)
    assert job_id in scheduled.get_job_ids() and stub.deleted == []
    assert hotline.redis.exists(callbacks.keys(hotline.config).recording(req.id))  # kept

    advance_schedules(hotline.redis, jobs.RECORDING_RETRY.intervals[0])
    work(hotline, scheduler=True)  # second try: 500 again
    assert stub.deleted == []
    advance_schedules(hotline.redis, jobs.RECORDING_RETRY.intervals[1])
    work(hotline, scheduler=True)  # third try: deleted
    assert stub.deleted == ["RE" + "a" * 32]
    assert not hotline.redis.exists(callbacks.keys(hotline.config).recording(req.id))
    deletes = [r for r in stub.requests if r.get("method") == "DELETE"]
    assert len(deletes) == 3
    assert job_id not in FailedJobRegistry(jobs.DEFAULT, connection=hotline.redis).get_job_ids()


def test_delete_by_the_caller_deletes_the_recording_and_the_history(hotline, mina,
                                                                     signed_post, stub, clock):
    leave_message(signed_post, stub)
    (req,) = callbacks.all_requests(hotline.redis, hotline.config)
    history.add(hotline.redis, hotline.config, req.caller, history.Entry(
        at=clock() - 3600, kind="request", ref="999", topic="clinic", outcome="done"))
    response = signed_post("/twilio/sms", {"From": CALLER, "To": HOTLINE, "Body": "삭제",
                                           "MessageSid": "SM99"})
    assert "지웠어요" in response.data.decode()
    work(hotline)
    assert stub.deleted == ["RE" + "a" * 32]
    assert history.of_caller(hotline.redis, hotline.config,
                             caller_hash(hotline.config, CALLER), clock()) == []
    assert list(hotline.redis.scan_iter(match=f"{hotline.config.key_prefix}cb:rec*")) == []


def test_hotline_forget_deletes_the_recording(hotline, signed_post, stub, app_config):
    from click.testing import CliRunner

    from hotline.cli import main

    leave_message(signed_post, stub)
    env = {"HOTLINE_REDIS_URL": app_config["REDIS_URL"],
           "HOTLINE_SECRET_KEY": app_config["SECRET_KEY"],
           "HOTLINE_ENCRYPTION_KEY": app_config["ENCRYPTION_KEY"],
           "HOTLINE_DATA_DIR": app_config["DATA_DIR"]}
    result = CliRunner().invoke(main, ["forget", CALLER], env=env)
    assert result.exit_code == 0, result.output
    work(hotline)
    assert stub.deleted == ["RE" + "a" * 32]


def test_at_the_retention_limit_the_recording_is_deleted(hotline, signed_post, stub, clock):
    from hotline import domains

    leave_message(signed_post, stub)
    domains.purge(hotline.redis, hotline.config, clock() + 3600)
    work(hotline)
    assert stub.deleted == []  # within the retention period: kept
    domains.purge(hotline.redis, hotline.config, clock() + 8 * 86400)
    work(hotline)
    assert stub.deleted == ["RE" + "a" * 32]


# ---- case history --------------------------------------------------------------------------

def test_a_returning_caller_brings_their_history_with_outcome_code_and_sealed_note(
        hotline, mina, signed_post, stub, clock):
    leave_message(signed_post, stub)
    (first,) = callbacks.all_requests(hotline.redis, hotline.config)
    callbacks.take_next(hotline.redis, hotline.config, ["ko"], mina.id, clock())
    with pytest.raises(OutcomeError):
        record(hotline.redis, hotline.config, mina, first.id, Outcome.DONE, clock(),
               disposition="not a code!")
    record(hotline.redis, hotline.config, mina, first.id, Outcome.DONE, clock(),
           note="병원 두 곳 안내함", disposition="referred")
    stored = hotline.redis.hgetall(callbacks.keys(hotline.config).req(first.id))
    assert "병원".encode() not in stored[b"note"]  # sealed
    dump = b"".join(hotline.redis.zrange(
        callbacks.keys(hotline.config).history(first.caller), 0, -1))
    assert "병원".encode() not in dump and CALLER[3:].encode() not in dump

    clock.advance(2 * 86400)
    again = Phone(signed_post, sid="CA" + "9" * 32)
    again.call()
    again.press("4")
    again.press("1")
    (second,) = [r for r in callbacks.all_requests(hotline.redis, hotline.config)
                 if r.id != first.id]
    (earlier,) = history.of_caller(hotline.redis, hotline.config, second.caller, clock(),
                                   exclude=second.id)
    assert (earlier.ref, earlier.topic, earlier.outcome, earlier.disposition, earlier.note) \
        == (first.id, "other", "done", "referred", "병원 두 곳 안내함")
    clock.advance(8 * 86400)  # past the retention period (7 days)
    assert history.of_caller(hotline.redis, hotline.config, second.caller, clock()) == []


def test_a_silent_recording_files_the_request_and_is_deleted_at_once(hotline, signed_post,
                                                                      stub):
    phone = Phone(signed_post)
    phone.call()
    phone.press("4")
    record = phone.press("5").find("Record")
    stub.recordings["RE" + "0" * 32] = b""
    phone.recorded(record, sid="RE" + "0" * 32, seconds="0")
    (req,) = callbacks.all_requests(hotline.redis, hotline.config)
    assert not req.message  # the caller still asked for a call back
    work(hotline)
    assert stub.deleted == ["RE" + "0" * 32]
    assert hotline.redis.zcard(callbacks.keys(hotline.config).recordings) == 0
