"""Volunteer SMS commands: NEXT, DONE, ON, OFF, HELP (and Korean aliases), on real Redis."""

import pytest

from hotline import jobs
from hotline.callbacks import queue as callbacks
from hotline.callbacks.queue import Status
from hotline.config import load_config
from hotline.conversation.volunteer_commands import handle
from hotline.people import volunteers
from hotline.privacy.vault import new_key
from hotline.scripts.volunteer_texts import text as phrase

NOW = 1_800_000_000.0
MINA = "+821022223333"
SAM = "+12025550123"


@pytest.fixture()
def config():
    return load_config({"KEY_PREFIX": "t:", "SECRET_KEY": "s", "ENCRYPTION_KEY": new_key()}, environ={})


@pytest.fixture()
def team(redis_conn, config):
    mina = volunteers.add(redis_conn, config, "Mina", MINA, ("ko", "en"))
    sam = volunteers.add(redis_conn, config, "Sam", SAM, ("en",))
    return mina, sam


_sids = iter(range(10**6))


def say(conn, config, language, name, **values):
    """What the scripts' phrase volunteer_<name> says in `language`."""
    return phrase(conn, config, f"volunteer_{name}", language, **values)


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
    assert text(redis_conn, config, MINA, f"완료 {req.id} 쉼터 안내함") == \
        say(redis_conn, config, "ko", "closed", id=req.id)
    assert text(redis_conn, config, MINA, "다음") == say(redis_conn, config, "ko", "empty")
    closed = callbacks.get(redis_conn, config, req.id)
    assert closed.status == Status.DONE and "안내" not in closed.note  # sealed
    assert callbacks.note_text(config, closed.note) == "쉼터 안내함"


def test_next_on_an_empty_queue_changes_nothing(redis_conn, config, team):
    ask(redis_conn, config)  # Korean only; Sam speaks English
    assert text(redis_conn, config, SAM, "NEXT") == say(redis_conn, config, "en", "empty")
    assert jobs.queue(redis_conn, jobs.CALLBACKS).count == 0


def test_done_closes_only_my_open_request(redis_conn, config, team):
    req = ask(redis_conn, config, number="+12025550199", language="en")
    text(redis_conn, config, SAM, "NEXT")
    assert text(redis_conn, config, MINA, f"DONE {req.id}") == \
        say(redis_conn, config, "ko", "not_yours", id=req.id)
    assert text(redis_conn, config, SAM, "done 99999") == \
        say(redis_conn, config, "en", "not_found", id="99999")
    assert text(redis_conn, config, SAM, "DONE") == say(redis_conn, config, "en", "done_needs_id")
    assert callbacks.get(redis_conn, config, req.id).status == Status.CALLING
    assert text(redis_conn, config, SAM, f"Done #{req.id} talked") == \
        say(redis_conn, config, "en", "closed", id=req.id)
    assert callbacks.number_of(redis_conn, config, req.id) is None
    assert text(redis_conn, config, SAM, f"DONE {req.id}") == \
        say(redis_conn, config, "en", "not_found", id=req.id)


def test_on_and_off_set_availability(redis_conn, config, team):
    mina = team[0]
    assert text(redis_conn, config, SAM, "off") == say(redis_conn, config, "en", "off")
    assert not volunteers.get(redis_conn, config, team[1].id).available
    assert text(redis_conn, config, MINA, "OFF") == say(redis_conn, config, "ko", "off")  # her first language
    assert not volunteers.get(redis_conn, config, mina.id).available
    assert text(redis_conn, config, MINA, "시작") == say(redis_conn, config, "ko", "on")
    assert volunteers.get(redis_conn, config, mina.id).available
    assert text(redis_conn, config, MINA, "끝") == say(redis_conn, config, "ko", "off")


def test_junk_and_help_get_the_help_text_and_change_nothing(redis_conn, config, team):
    req = ask(redis_conn, config)
    for junk in ("", "   ", "hello?", "ㅋㅋ", "NEXTT", "DONE; DROP TABLE", "x" * 2000):
        reply = text(redis_conn, config, SAM, junk)
        assert reply == say(redis_conn, config, "en", "unknown")
        assert "NEXT" in reply and "DONE" in reply
    assert text(redis_conn, config, SAM, "help") == say(redis_conn, config, "en", "help")
    assert callbacks.get(redis_conn, config, req.id).status == Status.WAITING


def test_a_twilio_retry_of_the_same_message_does_nothing_twice(redis_conn, config, team):
    first = ask(redis_conn, config)
    second = ask(redis_conn, config, number="+821055556666")
    reply = text(redis_conn, config, MINA, "NEXT", sid="SMretry")
    assert text(redis_conn, config, MINA, "NEXT", sid="SMretry") == reply
    assert callbacks.get(redis_conn, config, second.id).status == Status.WAITING
    assert callbacks.get(redis_conn, config, first.id).status == Status.CALLING
    assert jobs.queue(redis_conn, jobs.CALLBACKS).count == 1


def test_replies_are_in_the_volunteers_first_language(redis_conn, config, team):
    # Mina reads Korean first, Sam English: the same commands, each in their own words
    assert text(redis_conn, config, MINA, "help") == (
        "명령: 다음, 완료 번호 [메모], 확인 코드, 넘김 코드, 시작, 끝, 휴가 날짜, 도움")
    assert text(redis_conn, config, SAM, "help").startswith("Commands: NEXT")
    assert text(redis_conn, config, MINA, "next") == "지금 기다리는 요청이 없어요."
    assert text(redis_conn, config, SAM, "다음") == "No callbacks are waiting now."


def test_next_while_off_is_refused_with_how_to_turn_on(redis_conn, config, team):
    req = ask(redis_conn, config)
    assert text(redis_conn, config, MINA, "끝") == say(redis_conn, config, "ko", "off")
    reply = text(redis_conn, config, MINA, "다음")
    assert reply == say(redis_conn, config, "ko", "next_off")
    assert "시작" in reply  # how to turn ON
    assert callbacks.get(redis_conn, config, req.id).status == Status.WAITING
    assert jobs.queue(redis_conn, jobs.CALLBACKS).count == 0
    assert text(redis_conn, config, SAM, "OFF") == say(redis_conn, config, "en", "off")
    assert text(redis_conn, config, SAM, "NEXT") == say(redis_conn, config, "en", "next_off")
    assert text(redis_conn, config, MINA, "시작") == say(redis_conn, config, "ko", "on")
    assert text(redis_conn, config, MINA, "다음").startswith(f"요청 {req.id}:")


def test_one_volunteer_holds_one_request_until_done(redis_conn, config, team):
    first = ask(redis_conn, config)
    second = ask(redis_conn, config, number="+821055556666")
    assert text(redis_conn, config, MINA, "NEXT").startswith(f"요청 {first.id}:")
    assert text(redis_conn, config, MINA, "NEXT") == say(redis_conn, config, "ko", "holding",
                                                         id=first.id)
    assert callbacks.get(redis_conn, config, second.id).status == Status.WAITING
    text(redis_conn, config, MINA, f"DONE {first.id}")
    assert text(redis_conn, config, MINA, "NEXT").startswith(f"요청 {second.id}:")


def test_two_next_at_the_same_moment_give_one_request(redis_conn, config, team):
    import threading

    for n in range(4):
        ask(redis_conn, config, number=f"+82105555000{n}")
    start = threading.Barrier(4)
    replies = []

    def send(i):
        start.wait()  # each thread on its own pooled connection, all at once
        replies.append(handle(redis_conn, config, MINA, "NEXT", f"SMnext{i}", now=NOW))

    threads = [threading.Thread(target=send, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    mine = [r for r in callbacks.all_requests(redis_conn, config, NOW)
            if r.status == Status.CALLING and r.volunteer == team[0].id]
    assert len(mine) == 1
    assert jobs.queue(redis_conn, jobs.CALLBACKS).count == 1  # her phone rings once
    assert sum(r.startswith("요청 ") and "대기" in r for r in replies) == 1
    assert replies.count(say(redis_conn, config, "ko", "holding", id=mine[0].id)) == 3


def test_staff_may_raise_how_many_requests_one_volunteer_holds(redis_conn, config, team):
    config = config.replace(volunteer_max_requests=2)
    reqs = [ask(redis_conn, config, number=f"+82105555100{n}") for n in range(3)]
    assert text(redis_conn, config, SAM, "OFF")  # Sam is not in the way
    assert text(redis_conn, config, MINA, "NEXT").startswith(f"요청 {reqs[0].id}:")
    assert text(redis_conn, config, MINA, "NEXT").startswith(f"요청 {reqs[1].id}:")
    assert text(redis_conn, config, MINA, "NEXT") == say(redis_conn, config, "ko", "holding",
                                                         id=reqs[0].id)
