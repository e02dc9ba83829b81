"""After a missed session: one neutral text offering the next session (reply 1) or a call
(reply 3), sent by a real RQ worker in the caller's daytime, never twice, never after STOP."""

from __future__ import annotations

from datetime import datetime

from rq import SimpleWorker

from hotline import jobs
from hotline.callbacks import queue as callbacks
from hotline.privacy import optout
from hotline.programmes import attendance, followup
from hotline.telephony import read_outbox
from hotline.transcripts.phone import AppTransport, Phone
from tests.conftest import AUTH_TOKEN, PUBLIC_URL
from tests.rq_clock import advance_schedules

CALLER = "+821012340001"


def _at(iso: str) -> float:
    return datetime.fromisoformat(iso).timestamp()


def _run_worker(conn) -> None:
    SimpleWorker(list(jobs.QUEUES), connection=conn).work(burst=True, with_scheduler=True)


def _texts(config, number=CALLER):
    return [e["body"] for e in read_outbox(config.data_dir) if e.get("to") == number]


def _missed(hotline, clock, session="jan-11", at="2027-01-11T16:00:00+09:00"):
    """The caller joined `session` of counselling; at `at` staff mark them missed, as the
    staff page does. Returns the sign-up id."""
    runtime, ask = hotline
    assert ask(CALLER, "join", programme="counselling", session=session)["status"] == "joined"
    (mine,) = ask(CALLER, "mine")["signups"]
    clock.now = _at(at)
    assert attendance.mark(runtime.redis, runtime.config, mine["id"], "missed")
    assert followup.queue_offer(runtime.redis, runtime.config, mine["id"], clock())
    return mine["id"]


def _phone(runtime):
    return Phone(AppTransport(runtime.app), PUBLIC_URL, AUTH_TOKEN, number=CALLER,
                 hotline_number="+15005550006")


def test_a_caller_who_missed_gets_one_text_and_reply_1_books_the_next_session(hotline, clock):
    runtime, ask = hotline
    conn, config = runtime.redis, runtime.config
    signup = _missed(hotline, clock)
    _run_worker(conn)
    assert _texts(config) == [
        "지난 상담에 뵙지 못했어요. 다음은 1월 18일 14:00. 답장: 1 신청, 3 전화 요청"]
    # never twice: a second mark, a mark changed back and forth, another worker run
    assert not followup.queue_offer(conn, config, signup, clock())
    attendance.mark(conn, config, signup, "attended")
    attendance.mark(conn, config, signup, "missed")
    assert not followup.queue_offer(conn, config, signup, clock())
    _run_worker(conn)
    assert len(_texts(config)) == 1

    clock.advance(300)
    assert "1월 18일 14:00 신청됐어요" in _phone(runtime).text("1").text
    (mine,) = ask(CALLER, "mine")["signups"]
    assert (mine["month"], mine["day"]) == ("1", "18")
    totals = attendance.totals(conn, config, "counselling")
    assert (totals["missed"], totals["cancelled"], totals["signups"]) == (1, 0, 2)


def test_with_no_session_left_the_text_offers_a_call_and_3_files_it(hotline, clock):
    runtime, _ = hotline
    conn, config = runtime.redis, runtime.config
    _missed(hotline, clock, session="jan-18", at="2027-01-18T17:00:00+09:00")
    _run_worker(conn)
    assert _texts(config) == ["지난 상담에 뵙지 못했어요. 이야기를 원하시면 3을 보내 주세요."]
    clock.advance(60)
    assert "요청을 받았어요" in _phone(runtime).text("3").text
    (request,) = callbacks.all_requests(conn, config)
    assert (request.topic, request.about) == ("programme", "counselling")


def test_the_text_waits_for_the_callers_morning(hotline, clock):
    runtime, _ = hotline
    conn, config = runtime.redis, runtime.config
    _missed(hotline, clock, at="2027-01-11T22:30:00+09:00")  # staff mark late at night
    _run_worker(conn)
    assert _texts(config) == []
    morning = _at("2027-01-12T09:00:00+09:00") - clock()
    advance_schedules(conn, morning - 60)
    _run_worker(conn)
    assert _texts(config) == []  # a minute before 09:00 in Seoul: still nothing
    advance_schedules(conn, 61)
    clock.advance(morning + 1)
    _run_worker(conn)
    assert len(_texts(config)) == 1


def test_no_text_to_a_caller_who_stopped_texts_nor_after_staff_took_the_mark_back(
        hotline, clock):
    runtime, ask = hotline
    conn, config = runtime.redis, runtime.config
    other = "+821012340002"
    ask(other, "join", programme="counselling", session="jan-11")
    (mine,) = ask(other, "mine")["signups"]
    _missed(hotline, clock)
    optout.opt_out(conn, config, CALLER, clock())
    _run_worker(conn)
    assert _texts(config) == []

    attendance.mark(conn, config, mine["id"], "missed")
    followup.queue_offer(conn, config, mine["id"], clock())
    attendance.mark(conn, config, mine["id"], "attended")  # a mistake, corrected at once
    _run_worker(conn)
    assert _texts(config, other) == []


def test_delete_before_the_morning_drops_the_queued_text(hotline, clock):
    runtime, ask = hotline
    conn, config = runtime.redis, runtime.config
    _missed(hotline, clock, at="2027-01-11T23:00:00+09:00")  # waits for 09:00
    assert "지웠어요" in _phone(runtime).text("삭제").text
    advance_schedules(conn, 11 * 3600)
    clock.advance(11 * 3600)
    _run_worker(conn)
    assert _texts(config) == []
    assert ask(CALLER, "mine")["signups"] == []
