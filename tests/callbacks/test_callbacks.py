"""The callback queue on a real Redis: asking, ordering, taking, returning, closing."""

import threading

import pytest

from hotline.callbacks import queue as callbacks
from hotline.callbacks.queue import Priority, Status
from hotline.config import load_config
from hotline.privacy.vault import new_key

NOW = 1_800_000_000.0
CALLER = "+821012345678"


@pytest.fixture()
def config():
    return load_config({"KEY_PREFIX": "t:", "SECRET_KEY": "secret", "ENCRYPTION_KEY": new_key(),
            "CALLBACK_HOURS": 6}, environ={})


def ask(conn, config, number=CALLER, language="ko", topic="counselling", now=NOW, **kw):
    return callbacks.create(conn, config, number, language=language, topic=topic, now=now, **kw)


def korean(i):
    return f"+8210{55550000 + i}"


def test_a_request_gets_a_short_id_and_its_place(redis_conn, config):
    first = ask(redis_conn, config)
    second = ask(redis_conn, config, number=korean(1), now=NOW + 5)
    assert first.request.id.isdigit() and len(first.request.id) <= 6
    assert (first.position, second.position) == (1, 2)
    assert first.request.status == Status.WAITING and not first.existing
    assert first.request.masked == "+82 10-****-**78"


def test_asking_again_returns_the_open_request_and_its_place(redis_conn, config):
    ask(redis_conn, config, number=korean(1))
    first = ask(redis_conn, config, now=NOW + 1)
    again = ask(redis_conn, config, number="+82 10-1234-5678", topic="clinic", now=NOW + 60)
    assert again.existing and again.request.id == first.request.id
    assert again.position == 2 and again.request.topic == "counselling"


def test_the_same_message_sid_never_makes_a_second_request(redis_conn, config):
    first = ask(redis_conn, config, idem="SM1")
    callbacks.close(redis_conn, config, first.request.id, Status.DONE, NOW + 10)
    retry = ask(redis_conn, config, idem="SM1", now=NOW + 20)
    assert retry.request.id == first.request.id and retry.existing
    fresh = ask(redis_conn, config, idem="SM2", now=NOW + 30)
    assert fresh.request.id != first.request.id and not fresh.existing


def test_priority_comes_before_age_and_each_language_has_its_queue(redis_conn, config):
    old = ask(redis_conn, config, number=korean(1), now=NOW)
    urgent = ask(redis_conn, config, number=korean(2), now=NOW + 50, priority=Priority.URGENT)
    high = ask(redis_conn, config, number=korean(3), now=NOW + 40, priority=Priority.HIGH)
    english = ask(redis_conn, config, number=korean(4), language="en", now=NOW - 100)
    taken = [callbacks.take_next(redis_conn, config, ["ko"], "v1", NOW + 60).id
             for _ in range(3)]
    assert taken == [urgent.request.id, high.request.id, old.request.id]
    assert callbacks.take_next(redis_conn, config, ["ko"], "v1", NOW + 60) is None
    got = callbacks.take_next(redis_conn, config, ["ko", "en"], "v2", NOW + 60)
    assert got.id == english.request.id and got.volunteer == "v2"
    assert got.status == Status.CALLING


def test_a_request_given_back_keeps_its_old_place(redis_conn, config):
    first = ask(redis_conn, config, number=korean(1), now=NOW)
    ask(redis_conn, config, number=korean(2), now=NOW + 10)
    taken = callbacks.take_next(redis_conn, config, ["ko"], "v1", NOW + 20)
    ask(redis_conn, config, number=korean(3), now=NOW + 30)
    assert callbacks.release(redis_conn, config, taken.id)
    back = callbacks.get(redis_conn, config, first.request.id)
    assert back.status == Status.WAITING and callbacks.position(redis_conn, config, back) == 1


def test_a_taken_request_that_never_connects_comes_back_after_its_lease(redis_conn, config):
    # e.g. the worker was killed before it rang the volunteer
    req = ask(redis_conn, config).request
    assert callbacks.take_next(redis_conn, config, ["ko"], "v1", NOW).id == req.id
    assert callbacks.take_next(redis_conn, config, ["ko"], "v2", NOW + 60) is None
    again = callbacks.take_next(redis_conn, config, ["ko"], "v2", NOW + callbacks.LEASE + 1)
    assert again.id == req.id and again.volunteer == "v2"


def test_a_connected_request_is_not_taken_back(redis_conn, config):
    req = ask(redis_conn, config).request
    callbacks.take_next(redis_conn, config, ["ko"], "v1", NOW)
    callbacks.mark_connected(redis_conn, config, req.id)
    assert callbacks.take_next(redis_conn, config, ["ko"], "v2", NOW + 3600) is None
    assert not callbacks.release(redis_conn, config, req.id)


def test_twenty_volunteers_at_once_never_share_and_never_lose_a_request(redis_url, redis_conn,
                                                                         config):
    import redis

    ids = {ask(redis_conn, config, number=korean(i), now=NOW + i).request.id
           for i in range(60)}
    taken: list[str] = []
    lock = threading.Lock()
    start = threading.Barrier(20)

    def volunteer(n):
        conn = redis.Redis.from_url(redis_url)
        start.wait()
        while True:
            req = callbacks.take_next(conn, config, ["ko"], f"v{n}", NOW + 100)
            if req is None:
                return
            with lock:
                taken.append(req.id)

    threads = [threading.Thread(target=volunteer, args=(n,)) for n in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(taken) == len(set(taken)) == 60 and set(taken) == ids
    owners = {callbacks.get(redis_conn, config, rid).volunteer for rid in ids}
    assert len(owners) > 1  # they really competed


def test_closing_deletes_the_number_and_frees_the_caller(redis_conn, config):
    req = ask(redis_conn, config).request
    assert callbacks.number_of(redis_conn, config, req.id) == CALLER
    closed = callbacks.close(redis_conn, config, req.id, Status.DONE, NOW + 99, note="ok")
    assert closed.status == Status.DONE and closed.masked == ""
    assert callbacks.number_of(redis_conn, config, req.id) is None
    assert 0 < redis_conn.ttl(callbacks.keys(config).req(req.id)) <= callbacks.CLOSED_TTL
    assert callbacks.close(redis_conn, config, req.id, Status.DONE, NOW + 100) is None
    new = ask(redis_conn, config, now=NOW + 200)
    assert not new.existing and new.request.id != req.id


def test_a_caller_can_cancel(redis_conn, config):
    req = ask(redis_conn, config).request
    assert callbacks.cancel(redis_conn, config, "+82 10 1234 5678", NOW).id == req.id
    assert callbacks.get(redis_conn, config, req.id).status == Status.CANCELLED
    assert callbacks.take_next(redis_conn, config, ["ko"], "v1", NOW) is None
    assert callbacks.cancel(redis_conn, config, CALLER, NOW) is None


def test_an_expired_number_is_skipped_and_marked(redis_conn, config):
    gone = ask(redis_conn, config, number=korean(1)).request
    kept = ask(redis_conn, config, number=korean(2), now=NOW + 1).request
    redis_conn.delete(callbacks.keys(config).number(gone.id))  # as its TTL would
    assert callbacks.take_next(redis_conn, config, ["ko"], "v1", NOW + 2).id == kept.id
    assert callbacks.get(redis_conn, config, gone.id).status == Status.EXPIRED


def test_the_number_is_kept_only_encrypted_with_a_ttl(redis_conn, config):
    ask(redis_conn, config, idem="SM9")
    digits = CALLER.lstrip("+")
    for key in redis_conn.keys("*"):
        kind = redis_conn.type(key).decode()
        if kind == "string":
            values = [redis_conn.get(key)]
        elif kind == "hash":
            values = list(redis_conn.hgetall(key).values())
        elif kind == "zset":
            values = redis_conn.zrange(key, 0, -1)
        else:
            values = []
        for value in [key, *values]:
            assert digits not in value.decode() and "1234-5678" not in value.decode()
    req_id = redis_conn.zrange(callbacks.keys(config).index, 0, 0)[0].decode()
    assert 0 < redis_conn.ttl(callbacks.keys(config).number(req_id)) <= callbacks.NUMBER_TTL


def test_the_usual_wait_is_the_recent_median_else_the_staff_setting(redis_conn, config):
    assert callbacks.expected_hours(redis_conn, config) == 6
    for i, wait_hours in enumerate([1, 2, 3, 3, 9]):
        ask(redis_conn, config, number=korean(i), now=NOW)
        callbacks.take_next(redis_conn, config, ["ko"], "v1", NOW + wait_hours * 3600)
    assert callbacks.expected_hours(redis_conn, config) == 3
    # What the next caller is told comes with their request, in the same round trip.
    placed = ask(redis_conn, config, number=korean(7), now=NOW)
    assert placed.hours == 3 and not placed.existing
    assert placed.position == callbacks.position(redis_conn, config, placed.request) > 0
    assert ask(redis_conn, config, number=korean(7), now=NOW).hours == 3


def test_a_number_that_cannot_be_called_back_is_refused(redis_conn, config):
    with pytest.raises(ValueError):
        ask(redis_conn, config, number="anonymous")


def test_listing_closes_open_requests_whose_number_expired(redis_conn, config):
    lapsed = ask(redis_conn, config, number=korean(1)).request
    kept = ask(redis_conn, config, number=korean(2)).request
    redis_conn.delete(callbacks.keys(config).number(lapsed.id))  # as its TTL would
    listed = {r.id: r.status for r in callbacks.all_requests(redis_conn, config, NOW + 5)}
    assert listed == {lapsed.id: Status.EXPIRED, kept.id: Status.WAITING}
    assert callbacks.open_request(redis_conn, config, korean(1)) is None


def test_after_cancelling_the_same_call_can_ask_again(redis_conn, config):
    first = ask(redis_conn, config, idem="req-CA1").request
    callbacks.cancel(redis_conn, config, CALLER, NOW + 5)
    again = ask(redis_conn, config, idem="req-CA1", now=NOW + 10)
    assert not again.existing and again.request.id != first.id
    assert again.request.status == Status.WAITING
