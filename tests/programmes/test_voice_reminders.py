"""A caller who joined by voice gets the reminder as a short call (through the outbox, as
every outbound call), whose keys 1/2/3 work as the SMS replies do."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import datetime
from urllib.parse import urlsplit

from rq import SimpleWorker

from hotline import jobs
from hotline.callbacks import queue as callbacks
from hotline.programmes import attendance, store
from hotline.telephony import read_outbox
from hotline.transcripts.phone import AppTransport, Phone
from tests.conftest import AUTH_TOKEN, PUBLIC_URL
from tests.rq_clock import advance_schedules

FIRST, SECOND, THIRD = "+821012345678", "+821012345679", "+821012345670"


def _join_by_voice(runtime, number):
    phone = Phone(AppTransport(runtime.app), PUBLIC_URL, AUTH_TOKEN, number=number,
                  hotline_number="+15005550006")
    phone.call()
    for key in ("1", "5", "1"):  # programmes, join, the check-up in LA
        phone.press(key)
    assert "1월 16일 10:00 신청됐어요" in phone.press("1").text


def _calls_due(runtime, clock):
    """The reminders fall due (20:00 in Seoul the evening before 10:00 in LA) and a real
    worker places them; returns the calls in the outbox."""
    due = datetime.fromisoformat("2027-01-15T20:00:00+09:00").timestamp() - clock() + 1
    clock.advance(due)
    advance_schedules(runtime.redis, due)
    SimpleWorker(list(jobs.QUEUES), connection=runtime.redis).work(burst=True,
                                                                   with_scheduler=True)
    return read_outbox(runtime.config.data_dir)


def _press(signed_post, call, digits):
    gather = ET.fromstring(call["twiml"]).find("Gather")
    parts = urlsplit(gather.get("action"))
    response = signed_post(f"{parts.path}?{parts.query}",
                           {"Digits": digits, "CallSid": "CA" + digits * 32,
                            "From": "+15005550006", "To": call["to"]})
    assert response.status_code == 200
    return ET.fromstring(response.data)


def test_a_voice_caller_gets_a_reminder_call_and_its_keys_confirm_cancel_or_ask_a_call(
        hotline, clock, signed_post):
    runtime, ask = hotline
    conn, config = runtime.redis, runtime.config
    for number in (FIRST, SECOND, THIRD):
        _join_by_voice(runtime, number)
    calls = _calls_due(runtime, clock)
    assert [c["kind"] for c in calls] == ["call"] * 3  # calls, and no SMS
    by_number = {c["to"]: c for c in calls}
    gather = ET.fromstring(by_number[FIRST]["twiml"]).find("Gather")
    said = [s.text for s in gather.findall("Say")]
    assert said[0] == ("1월 16일 10:00, 건강 검진 잊지 마세요. "
                       "오시면 1번, 취소는 2번, 전화 요청은 3번을 누르세요.")
    assert gather.find("Say").get("voice") == "Polly.Seoyeon"

    assert [s.text for s in _press(signed_post, by_number[FIRST], "1").iter("Say")] == [
        "확인했어요. 그때 만나요."]
    programme = store.get(conn, config, "checkup-la")
    seats = attendance.roster(conn, config, programme, programme.session("jan-16"))
    assert [s.confirmed for s in seats if s.masked.endswith("78")] == [True]

    assert "취소했어요" in _press(signed_post, by_number[SECOND], "2").find("Say").text
    assert ask(SECOND, "mine")["signups"] == []

    assert "요청을 받았어요" in _press(signed_post, by_number[THIRD], "3").find("Say").text
    (request,) = callbacks.all_requests(conn, config)
    assert (request.topic, request.about) == ("programme", "checkup-la")

    again = _press(signed_post, by_number[FIRST], "7")  # another key: the reminder again
    assert "잊지 마세요" in again.find("Gather").find("Say").text


def test_the_reminder_call_answers_only_twilio(hotline, clock, client):
    runtime, _ = hotline
    _join_by_voice(runtime, FIRST)
    (call,) = _calls_due(runtime, clock)
    action = urlsplit(ET.fromstring(call["twiml"]).find("Gather").get("action"))
    response = client.post(f"{action.path}?{action.query}", data={"Digits": "2"})
    assert response.status_code == 403
