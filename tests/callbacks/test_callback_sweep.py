"""A call back held for later whose timed job was lost (a failover before replication) is
put back in its queue by the workers' sweep, or, after its last attempt, texted once.

Real Redis; jobs run in a real RQ worker (SimpleWorker bursts, the clock injected).
"""

from __future__ import annotations

import pytest
from rq import SimpleWorker
from rq.job import Job

from hotline import job_context as context
from hotline import keys as hotline_keys
from hotline.callbacks import bridge
from hotline.callbacks import queue as callbacks
from hotline.callbacks.queue import Priority, Status
from hotline.callbacks.sweep import GRACE, requeue_overdue
from hotline.config import load_config
from hotline.jobs import MISSING_SETTLE, QUEUES
from hotline.people import volunteers
from hotline.privacy.vault import new_key
from hotline.telephony import OutboxTransport, read_outbox
from tests.rq_clock import advance_schedules

CALLER = "+821099998888"


@pytest.fixture()
def hotline(redis_conn, redis_url, tmp_path):
    clock = {"now": 1_800_000_000.0}
    config = load_config({"REDIS_URL": redis_url, "SECRET_KEY": "s3cret",
                          "ENCRYPTION_KEY": new_key(), "DATA_DIR": str(tmp_path),
                          "HOTLINE_NUMBER": "+15005550006",
                          "PUBLIC_URL": "https://hotline.example"}, environ={})
    config = config.replace(clock=lambda: clock["now"])
    context.configure(config, OutboxTransport(str(tmp_path)), clock=config.clock)
    kim = volunteers.add(redis_conn, config, "Kim", "+821011110001", ("ko",))
    yield redis_conn, config, kim, clock
    context.configure({})


def run_worker(conn):
    SimpleWorker(list(QUEUES), connection=conn).work(burst=True, with_scheduler=True)


def missed_call(conn, config, kim, now, attempts=0):
    """A volunteer took the request and the caller did not answer."""
    rid = callbacks.create(conn, config, CALLER, language="ko", topic="urgent", now=now,
                           priority=Priority.URGENT).request.id
    conn.hset(callbacks.keys(config).req(rid), "attempts", attempts)
    callbacks.take(conn, config, rid, kim.id, now)
    outcome = bridge.caller_missed(conn, config, callbacks.get(conn, config, rid), now + 60)
    return rid, outcome


def sweep(conn, config, now):
    """Two sweeps, MISSING_SETTLE seconds apart (the second acts); what the second did."""
    assert requeue_overdue(conn, config, now) == []
    return requeue_overdue(conn, config, now + MISSING_SETTLE)


def lose(conn, job_id):
    Job.fetch(job_id, connection=conn).delete()


def test_a_held_call_back_whose_job_was_lost_goes_back_in_its_queue_once(hotline):
    conn, config, kim, clock = hotline
    rid, outcome = missed_call(conn, config, kim, clock["now"])
    assert outcome == "later"
    lose(conn, hotline_keys.requeue_job(rid, 1))
    due = callbacks.get(conn, config, rid).next_at

    for at in (due, due + GRACE - 1):  # its job may just be late
        assert requeue_overdue(conn, config, at) == []
    assert sweep(conn, config, due + GRACE + 1) == [rid]
    back = callbacks.get(conn, config, rid)
    assert back.status == Status.WAITING and callbacks.position(conn, config, back) == 1
    assert requeue_overdue(conn, config, due + GRACE + 10) == []


def test_a_job_that_was_only_late_finds_the_request_back_and_does_nothing(hotline):
    conn, config, kim, clock = hotline
    rid, _ = missed_call(conn, config, kim, clock["now"])
    due = callbacks.get(conn, config, rid).next_at
    assert sweep(conn, config, due + GRACE + 1) == [rid]
    advance_schedules(conn, due - clock["now"] + GRACE + 1)
    run_worker(conn)  # the job was not lost after all: it runs, and changes nothing
    back = callbacks.get(conn, config, rid)
    assert back.status == Status.WAITING and callbacks.position(conn, config, back) == 1


def test_after_the_last_attempt_a_lost_text_is_sent_once_and_the_request_closed(hotline):
    conn, config, kim, clock = hotline
    rid, outcome = missed_call(conn, config, kim, clock["now"],
                               attempts=bridge.MAX_ATTEMPTS - 1)
    assert outcome == "tried"
    lose(conn, hotline_keys.tried_job(rid))
    later = clock["now"] + 60 + GRACE + 1
    assert sweep(conn, config, later) == [rid]
    assert requeue_overdue(conn, config, later + 2 * MISSING_SETTLE) == []  # queued: not twice
    run_worker(conn)
    assert requeue_overdue(conn, config, later + 60) == []  # closed
    texts = [e for e in read_outbox(config.data_dir) if e["to"] == CALLER]
    assert len(texts) == 1
    assert callbacks.get(conn, config, rid).status == Status.NO_ANSWER
