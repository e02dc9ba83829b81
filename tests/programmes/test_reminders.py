"""Reminders: a day before a session, never in the caller's night, sent by a real RQ
worker with its scheduler, the app's clock and RQ's schedule moved on together."""

from __future__ import annotations

from datetime import datetime

import pytest
from rq import SimpleWorker
from rq.registry import ScheduledJobRegistry

from hotline import jobs
from hotline.callbacks import queue as callbacks
from hotline.privacy import optout
from hotline.programmes import attendance, reminders, store
from hotline.programmes.model import Session
from hotline.telephony import read_outbox
from hotline.transcripts.phone import AppTransport, Phone
from tests.conftest import AUTH_TOKEN, PUBLIC_URL
from tests.rq_clock import advance_schedules

SEOUL_CALLER, US_CALLER = "+821012340001", "+12025550143"


def _session(day: str, at: str, zone: str = "Asia/Seoul") -> Session:
    return Session("s", day, at, zone)


@pytest.mark.parametrize(("session", "caller", "expected"), [
    (_session("2027-01-11", "14:00"), SEOUL_CALLER, "2027-01-10T14:00:00+09:00"),
    # 08:00 the day before is before 09:00: the evening before that instead
    (_session("2027-01-11", "08:00"), SEOUL_CALLER, "2027-01-09T20:00:00+09:00"),
    # 22:30 the day before is after 21:00: moved back to 20:00 that evening
    (_session("2027-01-11", "22:30"), SEOUL_CALLER, "2027-01-10T20:00:00+09:00"),
    # a Los Angeles check-up at 10:00 for a Korean number: 03:00 in Seoul, moved back
    (_session("2027-01-16", "10:00", "America/Los_Angeles"), SEOUL_CALLER,
     "2027-01-15T20:00:00+09:00"),
])
def test_a_reminder_goes_a_day_before_but_never_in_the_callers_night(session, caller, expected):
    zone = reminders.caller_timezone(caller, session.timezone)
    at = datetime.fromtimestamp(reminders.send_at(session, 24, zone)).astimezone(
        datetime.fromisoformat(expected).tzinfo)
    assert at.isoformat() == expected


def test_the_callers_timezone_comes_from_their_number_else_the_sessions():
    assert reminders.caller_timezone(SEOUL_CALLER, "America/Los_Angeles") == "Asia/Seoul"
    assert reminders.caller_timezone(US_CALLER, "America/Los_Angeles") == "America/New_York"
    # a Russian mobile number may be anywhere from Kaliningrad to Kamchatka: the session's
    assert reminders.caller_timezone("+79001234567", "Asia/Vladivostok") == "Asia/Vladivostok"


def _run_worker(conn) -> None:
    SimpleWorker(list(jobs.QUEUES), connection=conn).work(burst=True, with_scheduler=True)


def _texts_to(config, number):
    return [e["body"] for e in read_outbox(config.data_dir) if e["to"] == number]


def test_a_real_worker_sends_the_reminder_when_it_falls_due_and_not_before(hotline, clock):
    runtime, ask = hotline
    conn, config = runtime.redis, runtime.config
    assert ask(SEOUL_CALLER, "join", programme="counselling", session="jan-11")["status"] == "joined"
    due = datetime.fromisoformat("2027-01-10T14:00:00+09:00").timestamp()
    (job_id,) = ScheduledJobRegistry(jobs.DEFAULT, connection=conn).get_job_ids()
    assert job_id.startswith("progrem-")

    almost = due - clock() - 60
    clock.advance(almost)
    advance_schedules(conn, almost)
    _run_worker(conn)
    assert _texts_to(config, SEOUL_CALLER) == []  # a minute early: nothing yet

    clock.advance(61)
    advance_schedules(conn, 61)
    _run_worker(conn)
    (body,) = _texts_to(config, SEOUL_CALLER)
    assert body == "1월 11일 14:00 상담 잊지 마세요. 답장: 1 확인, 2 취소, 3 전화 요청"
    _run_worker(conn)
    assert len(_texts_to(config, SEOUL_CALLER)) == 1  # once


def test_no_reminder_after_a_cancel_or_a_stop(hotline, clock):
    runtime, ask = hotline
    conn, config = runtime.redis, runtime.config
    ask(SEOUL_CALLER, "join", programme="counselling", session="jan-11")
    (mine,) = ask(SEOUL_CALLER, "mine")["signups"]
    ask(SEOUL_CALLER, "cancel", signup=mine["id"])
    assert ScheduledJobRegistry(jobs.DEFAULT, connection=conn).get_job_ids() == []
    ask(US_CALLER, "join", language="en", programme="counselling", session="jan-11")
    optout.opt_out(conn, config, US_CALLER, clock())
    week = 8 * 86400
    clock.advance(week)
    advance_schedules(conn, week)
    _run_worker(conn)
    assert read_outbox(config.data_dir) == []


def _reminded(hotline, clock, *numbers):
    """They join counselling on Jan 11; the reminders fall due, a real worker sends them;
    returns their phones."""
    runtime, ask = hotline
    numbers = numbers or (SEOUL_CALLER,)
    for number in numbers:
        ask(number, "join", programme="counselling", session="jan-11")
    due = datetime.fromisoformat("2027-01-10T14:00:00+09:00").timestamp() - clock() + 1
    clock.advance(due)
    advance_schedules(runtime.redis, due)
    _run_worker(runtime.redis)
    for number in numbers:
        (body,) = _texts_to(runtime.config, number)
        assert body.endswith("답장: 1 확인, 2 취소, 3 전화 요청")
    clock.advance(600)  # they read it ten minutes later
    phones = [Phone(AppTransport(runtime.app), PUBLIC_URL, AUTH_TOKEN, number=number,
                    hotline_number="+15005550006") for number in numbers]
    return phones[0] if len(phones) == 1 else phones


def test_replying_1_to_a_reminder_confirms_the_seat(hotline, clock):
    runtime, _ = hotline
    phone = _reminded(hotline, clock)
    assert "확인했어요. 그때 만나요." in phone.text("1").text
    (seat,) = attendance.roster(runtime.redis, runtime.config,
                                store.get(runtime.redis, runtime.config, "counselling"),
                                store.get(runtime.redis, runtime.config, "counselling")
                                .session("jan-11"))
    assert seat.confirmed


def test_replying_2_cancels_and_3_asks_for_a_call_about_it(hotline, clock):
    runtime, ask = hotline
    phone, other = _reminded(hotline, clock, SEOUL_CALLER, "+821012340009")
    assert "취소했어요. 번호도 지웠어요." in phone.text("2").text
    assert ask(SEOUL_CALLER, "mine")["signups"] == []
    assert "요청을 받았어요" in other.text("3").text
    (request,) = callbacks.all_requests(runtime.redis, runtime.config)
    assert (request.topic, request.about) == ("programme", "counselling")


def test_a_reminder_leaves_a_conversation_the_caller_is_in_alone(hotline, clock):
    runtime, ask = hotline
    phone = Phone(AppTransport(runtime.app), PUBLIC_URL, AUTH_TOKEN, number=SEOUL_CALLER,
                  hotline_number="+15005550006")
    ask(SEOUL_CALLER, "join", programme="counselling", session="jan-11")
    due = datetime.fromisoformat("2027-01-10T14:00:00+09:00").timestamp() - clock() + 1
    clock.advance(due - 60)
    advance_schedules(runtime.redis, due)
    phone.text("안녕")  # the caller is at the main menu when the reminder goes
    clock.advance(60)
    _run_worker(runtime.redis)
    assert "무료 건강 지원이에요" in phone.text("1").text  # 1 still answers the menu
