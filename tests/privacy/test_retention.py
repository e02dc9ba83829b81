"""Retention: after RETENTION_DAYS closed callbacks and urgent cases keep only counts and
timings; a purge job scheduled in Redis does it (one per slot), `hotline purge` by hand."""

from __future__ import annotations

import json
import time

import pytest
from click.testing import CliRunner
from rq import SimpleWorker
from rq.registry import ScheduledJobRegistry

from hotline import domains, jobs, stats
from hotline import job_context as context
from hotline.callbacks import queue as callbacks
from hotline.callbacks.queue import Status
from hotline.cli import main
from hotline.config import load_config
from hotline.privacy.vault import new_key
from hotline.telephony import OutboxTransport, read_outbox
from hotline.urgent import cases as urgent

CALLER = "+821012345678"
DAY = 86400
NOW = 1_800_000_000.0


@pytest.fixture()
def config(redis_conn, tmp_path):
    cfg = load_config({"KEY_PREFIX": "hotline:", "SECRET_KEY": "s", "ENCRYPTION_KEY": new_key(),
           "DATA_DIR": str(tmp_path), "RETENTION_DAYS": 7}, environ={})
    yield cfg
    context.configure({})


def closed_case(conn, config, at, words="숨을 못 쉬겠어요"):
    case, _ = urgent.open_case(conn, config, CALLER, sid=f"SM{at}", language="ko",
                               channel="sms", first_words=words, reason="words", now=at)
    urgent.note(conn, config, case.code, at + 30, "acked", volunteer="v1")
    urgent.close(conn, config, case.code, at + 60, outcome="reached")
    return case.code


def test_a_case_closed_more_than_7_days_ago_keeps_only_counts_and_timings(redis_conn,
                                                                          config):
    old = closed_case(redis_conn, config, NOW - 8 * DAY)
    keys = urgent.Keys(config)
    assert urgent.get(redis_conn, config, old).first_words == "숨을 못 쉬겠어요"
    done = domains.purge(redis_conn, config, NOW)
    assert done["cases_stripped"] == 1
    left = {k.decode(): v.decode() for k, v in redis_conn.hgetall(keys.case(old)).items()}
    assert set(left) == {"code", "state", "created", "language", "channel", "closed",
                         "stripped"}
    steps = urgent.timeline(redis_conn, config, old)
    assert [s["step"] for s in steps] == ["created", "acked", "closed"]
    assert all(set(s) == {"at", "step"} for s in steps)  # no volunteer, no outcome note
    assert domains.purge(redis_conn, config, NOW)["cases_stripped"] == 0  # once


def test_a_case_closed_within_the_retention_period_is_left_whole(redis_conn, config):
    recent = closed_case(redis_conn, config, NOW - 6 * DAY)
    domains.purge(redis_conn, config, NOW)
    assert urgent.get(redis_conn, config, recent).first_words == "숨을 못 쉬겠어요"
    assert urgent.get(redis_conn, config, recent).caller


def test_the_retention_period_is_configurable(redis_conn, config):
    code = closed_case(redis_conn, config, NOW - 2 * DAY)
    domains.purge(redis_conn, config.replace(retention_days=1), NOW)
    assert urgent.get(redis_conn, config, code).first_words == ""


def test_a_case_left_open_past_the_period_is_closed_then_stripped(redis_conn, config):
    case, _ = urgent.open_case(redis_conn, config, CALLER, sid="SM1", language="ko",
                               channel="sms", first_words="살려주세요", reason="words",
                               now=NOW - 9 * DAY)
    done = domains.purge(redis_conn, config, NOW)
    assert done["cases_closed"] == 1
    assert urgent.get(redis_conn, config, case.code).state == urgent.State.CLOSED
    assert urgent.open_case_of(redis_conn, config, CALLER) is None
    assert domains.purge(redis_conn, config, NOW + 8 * DAY)["cases_stripped"] == 1


def test_a_closed_callback_past_the_period_loses_caller_note_and_mask(redis_conn, config):
    placed = callbacks.create(redis_conn, config, CALLER, language="ko", topic="clinic",
                              now=NOW - 9 * DAY)
    rid = placed.request.id
    callbacks.take_next(redis_conn, config, ["ko"], "v1", NOW - 9 * DAY + 60)
    callbacks.close(redis_conn, config, rid, Status.DONE, NOW - 8 * DAY, note="쉼터 안내함")
    redis_conn.persist(callbacks.keys(config).req(rid))  # as if kept longer than a day
    done = domains.purge(redis_conn, config, NOW)
    assert done["callbacks_stripped"] == 1
    req = callbacks.get(redis_conn, config, rid)
    assert (req.caller, req.masked, req.note, req.volunteer) == ("", "", "", "")
    assert (req.status, req.created, req.taken, req.closed) == (
        Status.DONE, NOW - 9 * DAY, NOW - 9 * DAY + 60, NOW - 8 * DAY)
    (day,) = stats.read_days(redis_conn, config, NOW - 8 * DAY, days=1)
    assert day.get("callback_closed:done") == 1 and day.callback_wait == [60.0]


def test_an_open_request_whose_number_expired_is_closed_as_expired(redis_conn, config):
    placed = callbacks.create(redis_conn, config, CALLER, language="ko", topic="clinic",
                              now=NOW)
    redis_conn.delete(callbacks.keys(config).number(placed.request.id))  # the TTL ran out
    assert domains.purge(redis_conn, config, NOW)["callbacks_expired"] == 1
    assert callbacks.get(redis_conn, config, placed.request.id).status == Status.EXPIRED


def test_every_caller_key_gets_a_ttl_even_one_left_without(redis_conn, config):
    redis_conn.set("hotline:session:abc", "x")
    redis_conn.set("hotline:cb:num:1001", "gAAAAA")
    redis_conn.hset("hotline:cb:req:1001", mapping={"status": "waiting", "caller": "abc"})
    redis_conn.set("hotline:rate:sms:abc:1", 3)
    redis_conn.set("hotline:urgent:once:K7Q:relay-seq", 2)  # left by an older version
    redis_conn.set("hotline:optout-note", "not a caller key")
    assert domains.purge(redis_conn, config, NOW)["ttl_set"] == 5
    assert 0 < redis_conn.ttl("hotline:urgent:once:K7Q:relay-seq") <= 30 * DAY
    assert 0 < redis_conn.ttl("hotline:session:abc") <= 1800
    assert redis_conn.ttl("hotline:cb:req:1001") > 0
    assert redis_conn.ttl("hotline:optout-note") == -1


def test_a_new_request_expires_by_itself_a_day_after_its_number(redis_conn, config):
    placed = callbacks.create(redis_conn, config, CALLER, language="ko", topic="clinic",
                              now=NOW)
    k = callbacks.keys(config)
    assert redis_conn.ttl(k.req(placed.request.id)) == 7 * DAY + DAY
    assert redis_conn.ttl(k.number(placed.request.id)) == 7 * DAY


def test_outbox_lines_older_than_the_period_are_dropped(redis_conn, config):
    box = OutboxTransport(config.data_dir, clock=lambda: NOW - 8 * DAY)
    box.send_sms(CALLER, "old")
    OutboxTransport(config.data_dir, clock=lambda: NOW).send_sms(CALLER, "new")
    assert domains.purge(redis_conn, config, NOW)["outbox_lines"] == 1
    assert [e["body"] for e in read_outbox(config.data_dir)] == ["new"]


def test_the_purge_job_runs_in_a_worker_and_schedules_the_next_one_once(redis_conn, config):
    config = config.replace(purge_interval=3600)
    old = closed_case(redis_conn, config, time.time() - 8 * DAY)
    context.configure(config)
    registry = ScheduledJobRegistry(jobs.DEFAULT, connection=redis_conn)
    first = jobs.schedule_purge(redis_conn, config)
    again = jobs.schedule_purge(redis_conn, config)  # a second worker starting
    assert first.id == again.id and registry.get_job_ids() == [first.id]
    slot = int(first.id.split("-")[1])
    assert registry.get_scheduled_time(first.id).timestamp() == slot * 3600 > time.time()
    redis_conn.zadd(registry.key, {first.id: 1})  # its time has come
    SimpleWorker(list(jobs.QUEUES), connection=redis_conn).work(burst=True,
                                                                with_scheduler=True)
    assert json.loads(first.fetch(first.id, redis_conn).return_value())["cases_stripped"] == 1
    assert urgent.get(redis_conn, config, old).first_words == ""
    assert registry.get_job_ids() == [f"purge-{slot + 1}"]  # run early: still the next slot


def test_hotline_purge_runs_it_by_hand(redis_conn, config, redis_url):
    closed_case(redis_conn, config, time.time() - 8 * DAY)
    env = {"HOTLINE_REDIS_URL": redis_url, "HOTLINE_RETENTION_DAYS": "7",
           "HOTLINE_DATA_DIR": config.data_dir}
    as_json = CliRunner(env=env).invoke(main, ["purge", "--json"])
    assert as_json.exit_code == 0, as_json.output
    assert json.loads(as_json.output)["cases_stripped"] == 1
    text = CliRunner(env=env).invoke(main, ["purge"])
    assert text.exit_code == 0 and text.output.startswith("purged (retention 7 days)")
    assert "cases stripped: 0" in text.output


def test_a_worker_schedules_the_purge_again_when_redis_lost_it(redis_conn, config):
    """Redis restarted without its data (or someone deleted the job): the chain of purges,
    each scheduling the next, is broken; the running worker's maintenance mends it."""
    from hotline.ops.worker import HotlineWorker

    config = config.replace(purge_interval=3600)
    registry = ScheduledJobRegistry(jobs.DEFAULT, connection=redis_conn)
    first = jobs.schedule_purge(redis_conn, config)
    first.delete()  # the schedule is gone, as after a restart with no saved data
    assert registry.get_job_ids() == []
    worker = HotlineWorker(list(jobs.QUEUES), connection=redis_conn, hotline_config=config)
    worker.work(burst=True)  # its maintenance runs once before it looks for jobs

    def purges():
        return [j for j in registry.get_job_ids() if j.startswith("purge-")]
    (again,) = purges()  # (the rota watch is scheduled beside it)
    assert again == first.id  # the same slot: the next hour
    assert registry.get_scheduled_time(again).timestamp() > time.time()
    worker.run_maintenance_tasks()  # a later maintenance finds it there: nothing added
    assert purges() == [again]
