"""The whole callback: a caller asks, a volunteer texts NEXT, the bridged call, DONE.

Through the real app (signed webhooks), a real RQ worker (SimpleWorker burst), real Redis;
outbound goes to the outbox, or to the local stand-in for the Twilio API.
"""

import xml.etree.ElementTree as ET
from urllib.parse import urlsplit

import pytest
from rq import SimpleWorker
from rq.registry import ScheduledJobRegistry

from hotline import job_context as context
from hotline import jobs
from hotline.callbacks import bridge
from hotline.callbacks import queue as callbacks
from hotline.callbacks.queue import Priority, Status
from hotline.config import load_config
from hotline.conversation.volunteer_commands import handle
from hotline.engine.loader import load_script, parse_script
from hotline.people import volunteers
from hotline.privacy.vault import new_key
from hotline.telephony import TwilioTransport, read_outbox
from tests.conftest import SCRIPTS_DIR
from tests.engine.test_callback_node import SCRIPT
from tests.twilio_api_stub import TwilioApiStub

MAIN = load_script(f"{SCRIPTS_DIR}/main.yaml")  # the words volunteers hear are its phrases

CALLER = "+821012345678"
MINA = "+821022223333"
HOTLINE = "+15005550006"


@pytest.fixture()
def app_config(app_config, tmp_path, request):
    # settings are read once, when the app is made: a test asking for `missed_on` gets an
    # app made with MISSED_CALL_ON_MAIN on
    missed = {"MISSED_CALL_ON_MAIN": True} if "missed_on" in request.fixturenames else {}
    return {**app_config, "ENCRYPTION_KEY": new_key(), "DATA_DIR": str(tmp_path),
            "HOTLINE_NUMBER": HOTLINE, "FLASH_NUMBER": "+15005550007", **missed}


@pytest.fixture()
def hotline(app, clock):
    runtime = app.extensions["hotline"]
    runtime.scripts.replace({"main": parse_script(SCRIPT, "main.yaml", name="main")})
    context.configure(app.extensions["hotline"].config, clock=clock)
    yield runtime
    context.configure({})


@pytest.fixture()
def mina(hotline):
    return volunteers.add(hotline.redis, hotline.config, "Mina", MINA, ("ko",))


def sms(signed_post, body, sid, number=CALLER):
    response = signed_post("/twilio/sms", {"From": number, "To": HOTLINE, "Body": body,
                                           "MessageSid": sid})
    assert response.status_code == 200
    return " ".join(m.text or "" for m in ET.fromstring(response.data).iter("Message"))


def post(signed_post, url, params):
    parts = urlsplit(url)
    response = signed_post(parts.path + (f"?{parts.query}" if parts.query else ""), params)
    assert response.status_code == 200
    return ET.fromstring(response.data)


def work(hotline):
    SimpleWorker(list(jobs.QUEUES), connection=hotline.redis).work(burst=True)


def ask_for_callback(signed_post):
    sms(signed_post, "안녕하세요", "SM01")
    return sms(signed_post, "1", "SM02")


def whisper_call(hotline):
    calls = [e for e in read_outbox(hotline.config.data_dir) if e["kind"] == "call"]
    return calls[-1], ET.fromstring(calls[-1]["twiml"])


def test_a_caller_asks_a_volunteer_calls_back_through_the_hotline_number(
        hotline, mina, signed_post, clock):
    reply = ask_for_callback(signed_post)
    assert "다시 전화 요청을 받았어요. 보통 24시간 안에" in reply
    (req,) = callbacks.all_requests(hotline.redis, hotline.config)
    assert req.topic == "counselling" and req.priority.value == "high"

    clock.advance(3 * 3600)
    reply = handle(hotline.redis, hotline.config, MINA, "다음", "SM10", now=clock())
    assert reply.startswith(f"요청 {req.id}: 한국어, 상담, 3시간 대기")
    work(hotline)
    call, twiml = whisper_call(hotline)
    assert call["to"] == MINA and call["from"] == HOTLINE and CALLER[1:] not in str(call)
    gather = twiml.find("Gather")
    assert gather.get("numDigits") == "1" and "1번을 누르세요" in gather.find("Say").text

    dialled = post(signed_post, gather.get("action"), {"Digits": "1", "CallSid": "CA1",
                                                       "To": MINA, "From": HOTLINE})
    dial = dialled.find("Dial")
    assert dial.get("callerId") == HOTLINE and dial.find("Number").text == CALLER
    ended = post(signed_post, dial.get("action"), {"DialCallStatus": "completed",
                                                   "CallSid": "CA1"})
    assert f"완료 {req.id}" in ended.find("Say").text
    autoclose = ScheduledJobRegistry(jobs.DEFAULT, connection=hotline.redis)
    (job_id,) = autoclose.get_job_ids()
    assert autoclose.get_scheduled_time(job_id).timestamp() == clock() + bridge.AUTOCLOSE_AFTER

    assert handle(hotline.redis, hotline.config, MINA, f"완료 {req.id}", "SM11",
                  now=clock()).startswith(f"요청 {req.id}번을 완료")
    closed = callbacks.get(hotline.redis, hotline.config, req.id)
    assert closed.status == Status.DONE
    assert callbacks.number_of(hotline.redis, hotline.config, req.id) is None


def test_asking_twice_confirms_the_place_and_a_twilio_retry_adds_nothing(
        hotline, signed_post):
    callbacks.create(hotline.redis, hotline.config, "+821055556666", language="ko",
                     topic="clinic", now=hotline.clock() - 60, priority=Priority.HIGH)
    ask_for_callback(signed_post)
    sms(signed_post, "안녕하세요", "SM05")
    again = sms(signed_post, "1", "SM06")
    assert "이미 요청하셨어요. 두 번째 순서예요" in again
    sms(signed_post, "1", "SM06")  # Twilio retries the same message
    assert len(callbacks.all_requests(hotline.redis, hotline.config)) == 2


def test_asking_again_while_a_volunteer_has_the_request_never_says_number_0(
        hotline, mina, signed_post, clock):
    ask_for_callback(signed_post)
    handle(hotline.redis, hotline.config, MINA, "NEXT", "SM10", now=clock())
    sms(signed_post, "안녕하세요", "SM05")
    again = sms(signed_post, "1", "SM06")
    assert "이미 요청하셨어요. 첫 번째 순서예요" in again
    assert "0번째" not in again and "1번째" not in again


def test_a_caller_can_cancel_from_the_menu(hotline, signed_post):
    ask_for_callback(signed_post)
    sms(signed_post, "안녕하세요", "SM07")
    assert "취소했어요" in sms(signed_post, "2", "SM08")
    (req,) = callbacks.all_requests(hotline.redis, hotline.config)
    assert req.status == Status.CANCELLED


def test_a_volunteer_who_does_not_press_1_loses_nothing(hotline, mina, signed_post, clock):
    ask_for_callback(signed_post)
    newer = callbacks.create(hotline.redis, hotline.config, "+821055556666", language="ko",
                             topic="clinic", now=clock() + 10).request
    handle(hotline.redis, hotline.config, MINA, "NEXT", "SM10", now=clock() + 20)
    work(hotline)
    call, twiml = whisper_call(hotline)
    # voicemail took the call, nobody pressed 1: the call completes without /connect
    post(signed_post, call["status_callback"], {"CallStatus": "completed", "CallSid": "CA2"})
    (first,) = [r for r in callbacks.all_requests(hotline.redis, hotline.config)
                if r.id != newer.id]
    assert first.status == Status.WAITING
    assert callbacks.position(hotline.redis, hotline.config, first) == 1
    # pressing another key also puts it back
    handle(hotline.redis, hotline.config, MINA, "NEXT", "SM11", now=clock() + 30)
    work(hotline)
    _, twiml = whisper_call(hotline)
    said = post(signed_post, twiml.find("Gather").get("action"), {"Digits": "9"})
    assert said.find("Dial") is None and "대기열" in said.find("Say").text
    assert callbacks.get(hotline.redis, hotline.config, first.id).status == Status.WAITING


def test_a_caller_who_does_not_answer_is_tried_again_in_daytime(hotline, mina, signed_post,
                                                                 clock):
    ask_for_callback(signed_post)
    handle(hotline.redis, hotline.config, MINA, "NEXT", "SM10", now=clock())
    work(hotline)
    _, twiml = whisper_call(hotline)
    dial = post(signed_post, twiml.find("Gather").get("action"), {"Digits": "1"}).find("Dial")
    said = post(signed_post, dial.get("action"), {"DialCallStatus": "no-answer"})
    assert said.find("Say").text == MAIN.phrase("volunteer_caller_missed", "ko")
    (req,) = callbacks.all_requests(hotline.redis, hotline.config)
    assert req.status == Status.LATER and req.attempts == 1
    registry = ScheduledJobRegistry(jobs.CALLBACKS, connection=hotline.redis)
    assert registry.get_job_ids() == [f"requeue-{req.id}-1"]


def test_the_same_flow_against_the_stand_in_twilio_api(hotline, mina, signed_post, clock):
    stub = TwilioApiStub().start()
    try:
        from twilio.rest import Client

        client = Client("AC" + "0" * 32, "tok", http_client=stub.http_client())
        context.configure(hotline.config, transport=TwilioTransport(client, HOTLINE),
                          clock=clock)
        ask_for_callback(signed_post)
        handle(hotline.redis, hotline.config, MINA, "NEXT", "SM10", now=clock())
        work(hotline)
        (call,) = stub.requests
        assert call["what"] == "Calls" and call["form"]["To"] == MINA
        assert call["form"]["From"] == HOTLINE
        twiml = ET.fromstring(call["form"]["Twiml"])
        dial = post(signed_post, twiml.find("Gather").get("action"), {"Digits": "1"})
        assert dial.find("Dial").get("callerId") == HOTLINE
        assert read_outbox(hotline.config.data_dir) == []
    finally:
        stub.stop()


def test_a_missed_call_on_the_flash_number_is_rejected_busy_and_asks_once(hotline,
                                                                           signed_post):
    for sid in ("CA1", "CA2", "CA3"):
        response = post(signed_post, "/twilio/calls/flash",
                        {"From": CALLER, "To": "+15005550007", "CallSid": sid})
        assert [child.tag for child in response] == ["Reject"]
        assert response.find("Reject").get("reason") == "busy"
    (req,) = callbacks.all_requests(hotline.redis, hotline.config)
    assert req.topic == "missed_call" and req.status == Status.WAITING


def test_unsigned_call_webhooks_are_refused(client):
    for path in ("/twilio/calls/connect?request=1001", "/twilio/calls/flash",
                 "/twilio/calls/status?request=1001", "/twilio/calls/dialed?request=1001"):
        assert client.post(path, data={"Digits": "1"}).status_code == 403


def test_short_calls_to_the_main_number_count_only_when_staff_turn_it_on():
    from hotline.callbacks.intake import is_flash, short_call_is_missed

    off = load_config({"MISSED_CALL_SECONDS": 5}, environ={})
    on = load_config({"MISSED_CALL_ON_MAIN": True, "MISSED_CALL_SECONDS": 5}, environ={})
    assert not short_call_is_missed(off, "completed", "3", pressed=False)
    assert short_call_is_missed(on, "completed", "3", pressed=False)
    assert not short_call_is_missed(on, "completed", "3", pressed=True)
    assert not short_call_is_missed(on, "completed", "40", pressed=False)
    assert not short_call_is_missed(on, "completed", "junk", pressed=False)
    assert is_flash(load_config({"FLASH_NUMBER": "+15005550007"}, environ={}), "+1 500-555-0007")
    assert not is_flash(load_config({"FLASH_NUMBER": None}, environ={}), "+15005550007")


def test_a_call_that_got_through_but_never_got_done_is_closed_later(hotline, mina, signed_post,
                                                                    clock):
    ask_for_callback(signed_post)
    handle(hotline.redis, hotline.config, MINA, "NEXT", "SM10", now=clock())
    work(hotline)
    _, twiml = whisper_call(hotline)
    dial = post(signed_post, twiml.find("Gather").get("action"), {"Digits": "1"}).find("Dial")
    post(signed_post, dial.get("action"), {"DialCallStatus": "completed"})
    registry = ScheduledJobRegistry(jobs.DEFAULT, connection=hotline.redis)
    job = jobs.queue(hotline.redis, jobs.DEFAULT).fetch_job(registry.get_job_ids()[0])
    registry.remove(job)
    jobs.queue(hotline.redis, jobs.DEFAULT).enqueue_job(job)  # as the scheduler would
    work(hotline)
    (req,) = callbacks.all_requests(hotline.redis, hotline.config)
    assert req.status == Status.DONE
    # the note is sealed like the caller's words
    assert "automatically" in callbacks.note_text(hotline.config, req.note)
    assert "automatically" not in req.note
    assert callbacks.number_of(hotline.redis, hotline.config, req.id) is None


# --- missed calls on the main number (MISSED_CALL_ON_MAIN) ----------------------------
# A short call in which the caller pressed nothing becomes a call back request, only
# when staff turn the setting on.


def status(signed_post, sid, seconds, call_status="completed", to=HOTLINE):
    response = signed_post("/twilio/status", {
        "CallSid": sid, "From": CALLER, "To": to, "CallStatus": call_status,
        "CallDuration": str(seconds), "Direction": "inbound"})
    assert response.status_code == 200 and b"<Response" in response.data


@pytest.fixture()
def missed_on(app, hotline):
    assert hotline.config.missed_call_on_main  # see app_config
    return hotline


def test_a_short_silent_call_to_the_main_number_asks_for_a_call_back(missed_on, signed_post):
    signed_post("/twilio/voice", {"CallSid": "CA1", "From": CALLER, "To": HOTLINE,
                                  "CallStatus": "ringing", "Direction": "inbound"})
    status(signed_post, "CA1", 3)
    (req,) = callbacks.all_requests(missed_on.redis, missed_on.config)
    assert req.topic == "missed_call" and req.status == callbacks.Status.WAITING
    status(signed_post, "CA1", 3)  # Twilio retries the status callback
    status(signed_post, "CA2", 2)  # and the caller rings again at once
    assert len(callbacks.all_requests(missed_on.redis, missed_on.config)) == 1


def test_a_caller_who_pressed_a_key_or_stayed_on_is_no_missed_call(missed_on, signed_post):
    signed_post("/twilio/voice", {"CallSid": "CA3", "From": CALLER, "To": HOTLINE})
    signed_post("/twilio/voice/gather", {"CallSid": "CA3", "From": CALLER, "To": HOTLINE,
                                         "Digits": "9"})
    status(signed_post, "CA3", 4)
    status(signed_post, "CA4", 45)  # a real call that lasted
    status(signed_post, "CA5", 2, call_status="busy")
    assert callbacks.all_requests(missed_on.redis, missed_on.config) == []


def test_off_by_default(hotline, signed_post):
    status(signed_post, "CA6", 2)
    assert callbacks.all_requests(hotline.redis, hotline.config) == []
