"""Reminders: a day before a session, never in the caller's night, sent by a real RQ
worker with its scheduler, the app's clock and RQ's schedule moved on together."""

from __future__ import annotations

from datetime import datetime

import pytest
from rq import SimpleWorker
from rq.registry import ScheduledJobRegistry

from hotline import jobs
from hotline.privacy import optout
from hotline.programmes import reminders
from hotline.programmes.model import Session
from hotline.telephony import read_outbox
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
    assert body == "1월 11일 14:00 상담 잊지 마세요. 취소는 1번, 6번을 보내요."
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
