"""Volunteer SMS commands: NEXT, DONE, ON, OFF, HELP (and Korean aliases), on real Redis."""

import pytest

from hotline import callbacks, jobs, volunteers
from hotline.callbacks import Status
from hotline.privacy import new_key
from hotline.volunteer_commands import REPLIES, handle

NOW = 1_800_000_000.0
MINA = "+821022223333"
SAM = "+12025550123"


@pytest.fixture()
def config():
    return {"KEY_PREFIX": "t:", "SECRET_KEY": "s", "ENCRYPTION_KEY": new_key()}


@pytest.fixture()
def team(redis_conn, config):
    mina = volunteers.add(redis_conn, config, "Mina", MINA, ("ko", "en"))
    sam = volunteers.add(redis_conn, config, "Sam", SAM, ("en",))
    return mina, sam


_sids = iter(range(10**6))


def text(conn, config, number, body, sid=None, now=NOW):
    return handle(conn, config, number, body, sid or f"SM{next(_sids):032d}", now=now)


def ask(conn, config, number="+821012345678", language="ko", waited=1800):
    return callbacks.create(conn, config, number, language=language, topic="shelter",
                            now=NOW - waited).request


def test_a_caller_is_never_taken_for_a_volunteer(redis_conn, config, team):
    assert text(redis_conn, config, "+821012345678", "NEXT") is None
    assert text(redis_conn, config, "+821012345678", "도움") is None


def test_next_takes_the_oldest_request_in_my_languages_and_rings_me(redis_conn, config, team):
    ask(redis_conn, config)
    req = ask(redis_conn, config, number="+12025550199", language="en", waited=7200)
    # Mina speaks ko and en: the older English request comes first; she reads Korean first
    reply = text(redis_conn, config, MINA, "next")
    assert reply.startswith(f"요청 {req.id}: 영어, 쉼터, 2시간 대기")
    taken = callbacks.get(redis_conn, config, req.id)
    assert taken.status == Status.CALLING and taken.volunteer == team[0].id
    (job,) = jobs.queue(redis_conn, jobs.CALLBACKS).get_jobs()
    assert job.args == (req.id, team[0].id)


def test_korean_aliases_answer_in_korean(redis_conn, config, team):
    req = ask(redis_conn, config)
    reply = text(redis_conn, config, MINA, "다음")
    assert reply.startswith(f"요청 {req.id}: 한국어, 쉼터, 30분 대기")
    assert text(redis_conn, config, MINA, "다음") == REPLIES["ko"]["empty"]
    assert text(redis_conn, config, MINA, f"완료 {req.id} 쉼터 안내함") == \
        REPLIES["ko"]["closed"].format(id=req.id)
    closed = callbacks.get(redis_conn, config, req.id)
    assert closed.status == Status.DONE and closed.note == "쉼터 안내함"


def test_next_on_an_empty_queue_changes_nothing(redis_conn, config, team):
    ask(redis_conn, config)  # Korean only; Sam speaks English
    assert text(redis_conn, config, SAM, "NEXT") == REPLIES["en"]["empty"]
    assert jobs.queue(redis_conn, jobs.CALLBACKS).count == 0


def test_done_closes_only_my_open_request(redis_conn, config, team):
    req = ask(redis_conn, config, number="+12025550199", language="en")
    text(redis_conn, config, SAM, "NEXT")
    assert text(redis_conn, config, MINA, f"DONE {req.id}") == \
        REPLIES["ko"]["not_yours"].format(id=req.id)
    assert text(redis_conn, config, SAM, "done 99999") == \
        REPLIES["en"]["not_found"].format(id="99999")
    assert text(redis_conn, config, SAM, "DONE") == REPLIES["en"]["done_needs_id"]
    assert callbacks.get(redis_conn, config, req.id).status == Status.CALLING
    assert text(redis_conn, config, SAM, f"Done #{req.id} talked") == \
        REPLIES["en"]["closed"].format(id=req.id)
    assert callbacks.number_of(redis_conn, config, req.id) is None
    assert text(redis_conn, config, SAM, f"DONE {req.id}") == \
        REPLIES["en"]["not_found"].format(id=req.id)


def test_on_and_off_set_availability(redis_conn, config, team):
    mina = team[0]
    assert text(redis_conn, config, SAM, "off") == REPLIES["en"]["off"]
    assert not volunteers.get(redis_conn, config, team[1].id).available
    assert text(redis_conn, config, MINA, "OFF") == REPLIES["ko"]["off"]  # her first language
    assert not volunteers.get(redis_conn, config, mina.id).available
    assert text(redis_conn, config, MINA, "시작") == REPLIES["ko"]["on"]
    assert volunteers.get(redis_conn, config, mina.id).available
    assert text(redis_conn, config, MINA, "끝") == REPLIES["ko"]["off"]


def test_junk_and_help_get_the_help_text_and_change_nothing(redis_conn, config, team):
    req = ask(redis_conn, config)
    for junk in ("", "   ", "hello?", "ㅋㅋ", "NEXTT", "DONE; DROP TABLE", "x" * 2000):
        reply = text(redis_conn, config, SAM, junk)
        assert REPLIES["en"]["help"] in reply
    assert text(redis_conn, config, SAM, "help") == REPLIES["en"]["help"]
    assert callbacks.get(redis_conn, config, req.id).status == Status.WAITING


def test_a_twilio_retry_of_the_same_message_does_nothing_twice(redis_conn, config, team):
    first = ask(redis_conn, config)
    second = ask(redis_conn, config, number="+821055556666")
    reply = text(redis_conn, config, MINA, "NEXT", sid="SMretry")
    assert text(redis_conn, config, MINA, "NEXT", sid="SMretry") == reply
    assert callbacks.get(redis_conn, config, second.id).status == Status.WAITING
    assert callbacks.get(redis_conn, config, first.id).status == Status.CALLING
    assert jobs.queue(redis_conn, jobs.CALLBACKS).count == 1
