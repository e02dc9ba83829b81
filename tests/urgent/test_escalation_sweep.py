"""An escalation step whose job was lost (a primary that died before its replica had it)
is scheduled again by the workers' sweep, once, and only for a case still waiting.

Real Redis; jobs run in a real RQ worker (SimpleWorker bursts with the scheduler, the
clock injected) and, last, in a `hotline worker` process whose own maintenance sweeps.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest
from rq import SimpleWorker, Worker
from rq.job import Job

from hotline import job_context as context
from hotline import keys as hotline_keys
from hotline.config import load_config
from hotline.conversation.capabilities import CapabilityContext
from hotline.jobs import MISSING_SETTLE, QUEUES
from hotline.people import rota, volunteers
from hotline.privacy.vault import new_key
from hotline.telephony import OutboxTransport, read_outbox
from hotline.urgent import cases as urgent
from hotline.urgent.intake import acknowledge
from hotline.urgent.sweep import reschedule_lost_steps
from tests.capabilities import urgent_capability
from tests.processes import stop
from tests.rq_clock import advance_schedules

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CALLER = "+821099998888"
KIM, LEE, PARK = "+821011110001", "+821011110003", "+821011110002"
ACK_TIMEOUT = 10  # longer than a sweep's settling time (jobs.MISSING_SETTLE)
ROTA = """\
timezone: Asia/Seoul
ack_timeout_seconds: {ack}
levels:
  - name: primary
    shifts: [{{volunteer: Kim, days: [mon, tue, wed, thu, fri, sat, sun], from: "00:00", to: "24:00"}}]
  - name: backup
    shifts: [{{volunteer: Lee, days: [mon, tue, wed, thu, fri, sat, sun], from: "00:00", to: "24:00"}}]
"""


def _settings(redis_url, tmp_path, **more):
    return load_config({"REDIS_URL": redis_url, "SECRET_KEY": "s3cret",
                        "ENCRYPTION_KEY": new_key(), "DATA_DIR": str(tmp_path),
                        "HOTLINE_NUMBER": "+15005550006",
                        "PUBLIC_URL": "https://hotline.example", **more}, environ={})


def _staff(conn, config, ack=ACK_TIMEOUT):
    people = {name: volunteers.add(conn, config, name, phone, ("ko",), role)
              for name, phone, role in [("Kim", KIM, "volunteer"), ("Lee", LEE, "volunteer"),
                                        ("Park", PARK, "staff")]}
    rota.import_rota(conn, config, ROTA.format(ack=ack), "rota.yaml", 0.0,
                     rota.resolver(conn, config))
    return people


@pytest.fixture()
def hotline(redis_conn, redis_url, tmp_path):
    clock = {"now": 1_800_000_000.0}
    config = _settings(redis_url, tmp_path).replace(clock=lambda: clock["now"])
    context.configure(config, OutboxTransport(str(tmp_path)), clock=config.clock)
    people = _staff(redis_conn, config)
    yield redis_conn, config, people, clock
    context.configure({})


def run_worker(conn):
    SimpleWorker(list(QUEUES), connection=conn).work(burst=True, with_scheduler=True)


def wait_out(conn, clock, seconds=ACK_TIMEOUT):
    clock["now"] += seconds
    advance_schedules(conn, seconds)


def pages(config, phone):
    return [e["body"] for e in read_outbox(config.data_dir)
            if e["kind"] == "sms" and e["to"] == phone and e["body"].startswith("긴급")]


def open_case(conn, config, now, sid="SM1"):
    ctx = CapabilityContext(conn, config, CALLER, urgent.caller_hash(config, CALLER), "sms",
                            "ko", message_sid=sid, now=now)
    return urgent_capability(ctx, {"language": "ko", "first_words": "숨을 못 쉬겠어요",
                                   "reason": "words"})["code"]


def lose_step(conn, code, step):
    """What a failover before replication leaves: no job for the step at all."""
    job_id = hotline_keys.urgent_step_job(code, step)
    Job.fetch(job_id, connection=conn).delete()
    assert not conn.exists(f"{Job.redis_job_namespace_prefix}{job_id}")


def sweep(conn, config, clock):
    """Two sweeps, MISSING_SETTLE seconds apart (a job missing at the first may be on its
    way); what the second scheduled again."""
    assert reschedule_lost_steps(conn, config, clock["now"]) == []
    clock["now"] += MISSING_SETTLE
    return reschedule_lost_steps(conn, config, clock["now"])


def rescheduled(conn, config, code):
    return [e for e in urgent.timeline(conn, config, code) if e["step"] == "rescheduled"]


def test_a_lost_escalation_step_is_scheduled_again_at_its_time_and_pages_once(hotline):
    conn, config, _, clock = hotline
    code = open_case(conn, config, clock["now"])
    run_worker(conn)
    assert pages(config, KIM) and not pages(config, LEE)
    lose_step(conn, code, 1)

    assert sweep(conn, config, clock) == [code]
    job = Job.fetch(hotline_keys.urgent_step_job(code, 1), connection=conn)
    assert job.get_status() == "scheduled"  # not yet due: at its time, not now
    run_worker(conn)
    assert not pages(config, LEE)
    for _ in range(2):  # scheduled already: nothing is missing
        clock["now"] += MISSING_SETTLE
        assert reschedule_lost_steps(conn, config, clock["now"]) == []
    [entry] = rescheduled(conn, config, code)
    assert entry["next_step"] == 1 and entry["at_once"] is False

    wait_out(conn, clock)
    run_worker(conn)
    assert len(pages(config, LEE)) == 1
    for _ in range(2):  # step 2 (the last resort) is scheduled: nothing is missing
        clock["now"] += MISSING_SETTLE
        assert reschedule_lost_steps(conn, config, clock["now"]) == []
        run_worker(conn)
    assert len(pages(config, KIM)) == 1 and len(pages(config, LEE)) == 1
    assert len(rescheduled(conn, config, code)) == 1


def test_an_overdue_lost_step_runs_at_once_and_two_sweeps_page_once(hotline):
    conn, config, _, clock = hotline
    code = open_case(conn, config, clock["now"])
    run_worker(conn)
    lose_step(conn, code, 1)
    clock["now"] += 30  # long past level 1's timeout: the step is overdue

    assert sweep(conn, config, clock) == [code]
    assert reschedule_lost_steps(conn, config, clock["now"]) == []
    clock["now"] += MISSING_SETTLE
    assert reschedule_lost_steps(conn, config, clock["now"]) == []
    run_worker(conn)  # no schedule moved: it was queued at once
    assert len(pages(config, LEE)) == 1
    assert rescheduled(conn, config, code)[0]["at_once"] is True
    assert len(pages(config, KIM)) == 1


def test_a_lost_first_page_is_sent_when_the_sweep_finds_the_case(hotline):
    conn, config, _, clock = hotline
    code = open_case(conn, config, clock["now"])
    lose_step(conn, code, 0)  # the case was replicated, its first paging job was not
    assert sweep(conn, config, clock) == [code]
    run_worker(conn)
    assert len(pages(config, KIM)) == 1


def test_a_step_that_ran_but_whose_writes_were_lost_runs_again_without_paging_twice(hotline):
    conn, config, _, clock = hotline
    code = open_case(conn, config, clock["now"])
    run_worker(conn)
    wait_out(conn, clock)
    run_worker(conn)  # step 1 ran: Lee paged, step 2 scheduled
    assert len(pages(config, LEE)) == 1
    # The promoted replica has step 1's job finished but not the case's move nor step 2.
    conn.hset(urgent.keys(config).case(code), mapping={"step": 0, "next_step": 1})
    lose_step(conn, code, 2)
    assert sweep(conn, config, clock) == [code]
    run_worker(conn)
    assert len(pages(config, LEE)) == 1 and len(pages(config, KIM)) == 1
    assert urgent.get(conn, config, code).next_step == 2
    assert conn.hget(f"{Job.redis_job_namespace_prefix}"
                     f"{hotline_keys.urgent_step_job(code, 2)}", "status") == b"scheduled"


def test_an_acknowledged_or_closed_case_is_not_scheduled_again(hotline):
    conn, config, people, clock = hotline
    taken = open_case(conn, config, clock["now"])
    run_worker(conn)
    assert acknowledge(conn, config, people["Kim"], [taken], clock["now"] + 5)
    lose_step(conn, taken, 1)
    clock["now"] += 30
    assert sweep(conn, config, clock) == []

    other = "+821077776666"
    ctx = CapabilityContext(conn, config, other, urgent.caller_hash(config, other), "sms",
                            "ko", message_sid="SM3", now=clock["now"])
    closed = urgent_capability(ctx, {"language": "ko", "reason": "menu"})["code"]
    run_worker(conn)
    assert urgent.close(conn, config, closed, clock["now"] + 6, "staff")
    lose_step(conn, closed, 1)
    assert sweep(conn, config, clock) == []
    wait_out(conn, clock, 30)
    run_worker(conn)
    assert pages(config, LEE) == []
    assert rescheduled(conn, config, taken) == rescheduled(conn, config, closed) == []


@pytest.mark.slow
@pytest.mark.timeout(60)
def test_a_worker_process_sweeps_a_lost_step_and_the_escalation_goes_on(
        redis_conn, redis_url, tmp_path):
    """The maintenance of a real `hotline worker` finds the lost step (at its start, then
    every few seconds), and the escalation reaches level 2, once."""
    config = _settings(redis_url, tmp_path)
    _staff(redis_conn, config, ack=1)
    context.configure(config, OutboxTransport(str(tmp_path)))
    try:
        code = open_case(redis_conn, config, time.time())
        run_worker(redis_conn)  # level 1 paged; step 1 scheduled in a second
    finally:
        context.configure({})
    lose_step(redis_conn, code, 1)
    # A sweep (another worker's) saw it missing already: the new worker's sweeps act.
    assert reschedule_lost_steps(redis_conn, config, time.time()) == []
    env = {**os.environ, "HOTLINE_REDIS_URL": redis_url, "HOTLINE_DATA_DIR": str(tmp_path),
           "HOTLINE_SECRET_KEY": config.secret_key,
           "HOTLINE_ENCRYPTION_KEY": config.encryption_key,
           "HOTLINE_PUBLIC_URL": config.public_url, "HOTLINE_LOG_LEVEL": "WARNING"}
    log = open(tmp_path / "worker.log", "w")  # noqa: SIM115  (open while the worker runs)
    process = subprocess.Popen([sys.executable, "-m", "hotline.cli", "worker"], cwd=ROOT,
                               env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 20
        while not pages(config, LEE):
            assert process.poll() is None, (tmp_path / "worker.log").read_text()
            assert time.monotonic() < deadline, (tmp_path / "worker.log").read_text()
            time.sleep(0.05)
        assert Worker.all(connection=redis_conn)
        assert len(rescheduled(redis_conn, config, code)) == 1
        assert "scheduled again" in (tmp_path / "worker.log").read_text()
        assert reschedule_lost_steps(redis_conn, config, time.time()) == []
        assert len(pages(config, LEE)) == 1 and len(pages(config, KIM)) == 1
    finally:
        stop(process, log=tmp_path / "worker.log")
        log.close()
