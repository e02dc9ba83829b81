"""A worker process killed with SIGKILL in the middle of a job: after a restart the job
ran again (or had completed), and nothing that pages or calls happened twice.

Real worker processes on real Redis: the first is the hotline's worker (HotlineWorker,
forking a work horse per job) whose outbox stalls right after its n-th line, as a send
to Twilio that went out but whose answer never came back; the test kills that worker
with SIGKILL there. The restart is the real `hotline worker --burst`.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest
from rq.job import Job
from rq.registry import ScheduledJobRegistry, StartedJobRegistry

from hotline import jobs
from hotline.callbacks import queue as callbacks
from hotline.config import load_config
from hotline.conversation.capabilities import CapabilityContext
from hotline.people import rota, volunteers
from hotline.privacy.vault import new_key
from hotline.telephony import read_outbox
from hotline.urgent import cases as urgent
from tests.capabilities import urgent_capability

# Waits up to 60 s for a worker to stall, then up to 120 s for the restarted one.
pytestmark = pytest.mark.timeout(300)

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CALLER = "+821012345678"
LEVEL_1 = {"Kim": "+821011110001", "Choi": "+821011110004", "Park": "+821011110005"}
ROTA = """\
timezone: Asia/Seoul
ack_timeout_seconds: 300
levels:
  - name: primary
    shifts:
      - {volunteer: Kim, days: [mon, tue, wed, thu, fri, sat, sun], from: "00:00", to: "24:00"}
      - {volunteer: Choi, days: [mon, tue, wed, thu, fri, sat, sun], from: "00:00", to: "24:00"}
      - {volunteer: Park, days: [mon, tue, wed, thu, fri, sat, sun], from: "00:00", to: "24:00"}
  - name: backup
    shifts:
      - {volunteer: Lee, days: [mon, tue, wed, thu, fri, sat, sun], from: "00:00", to: "24:00"}
"""

# The hotline worker, with an outbox that stalls once it holds `stall_at` lines.
STALLING_WORKER = r"""
import os, sys, time
from hotline.telephony import OutboxTransport, read_outbox
from hotline.ops import worker
from hotline.config import environment_config

marker, stall_at = sys.argv[1], int(sys.argv[2])

class StallingOutbox(OutboxTransport):
    def _append(self, entry):
        sid = super()._append(entry)
        if len(read_outbox(os.path.dirname(self.path))) >= stall_at:
            with open(marker, "w") as handle:  # the horse's pid: it must die with its worker
                handle.write(str(os.getpid()))
            time.sleep(600)
        return sid

config = environment_config()
worker.start(config, transport=StallingOutbox(config.data_dir, config.hotline_number))
"""


@pytest.fixture()
def config(tmp_path):
    return load_config({"KEY_PREFIX": "hotline:", "SECRET_KEY": "worker-kill-secret",
            "ENCRYPTION_KEY": new_key(), "PUBLIC_URL": "https://hotline.example.org",
            "DATA_DIR": str(tmp_path / "data"), "HOTLINE_NUMBER": "+15005550006"}, environ={})


def environment(config, redis_url):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HOTLINE_", "TWILIO_"))}
    env.update({"HOTLINE_REDIS_URL": redis_url, "HOTLINE_DATA_DIR": config.data_dir,
                "HOTLINE_SECRET_KEY": config.secret_key,
                "HOTLINE_ENCRYPTION_KEY": config.encryption_key,
                "HOTLINE_PUBLIC_URL": config.public_url, "PYTHONPATH": ROOT,
                "PYTHONUNBUFFERED": "1"})
    return env


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    with open(f"/proc/{pid}/stat") as handle:
        return handle.read().rsplit(")", 1)[1].split()[0] != "Z"


def children(pid: int) -> list[int]:
    """The processes whose parent is `pid` (the work horse, RQ's scheduler)."""
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as handle:
                    if int(handle.read().rsplit(")", 1)[1].split()[1]) == pid:
                        found.append(int(entry))
            except (OSError, ValueError, IndexError):
                continue
    return found


def kill_mid_job(config, redis_url, tmp_path, stall_at: int) -> None:
    """Start the stalling worker, wait until it stalls inside a job, SIGKILL the worker."""
    marker = tmp_path / "stalled"
    log = open(tmp_path / "first-worker.log", "w")  # noqa: SIM115  open while it runs
    worker = subprocess.Popen([sys.executable, "-c", STALLING_WORKER, str(marker),
                               str(stall_at)], cwd=ROOT, env=environment(config, redis_url),
                              stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.time() + 60
        while not (marker.exists() and marker.read_text()) and time.time() < deadline:
            assert worker.poll() is None, (tmp_path / "first-worker.log").read_text()
            time.sleep(0.05)
        assert marker.exists(), (tmp_path / "first-worker.log").read_text()
        forked = children(worker.pid)
    finally:
        os.kill(worker.pid, signal.SIGKILL)  # the worker process: no cleanup at all
        worker.wait(timeout=10)
        log.close()
    horse = int(marker.read_text())
    assert horse in forked and len(forked) >= 2, forked  # the horse and the scheduler
    deadline = time.time() + 5
    while any(alive(pid) for pid in forked) and time.time() < deadline:
        time.sleep(0.05)
    assert not alive(horse), "the work horse outlived its worker"
    assert not any(alive(pid) for pid in forked), "a process of the worker outlived it"


def restart_worker(config, redis_url) -> str:
    """Run the real `hotline worker --burst`: it finds the dead worker's jobs and runs them."""
    done = subprocess.run([sys.executable, "-m", "hotline.cli", "worker", "--burst"], cwd=ROOT,
                          env=environment(config, redis_url), capture_output=True, text=True,
                          timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    return done.stdout + done.stderr


@pytest.mark.slow
def test_killed_in_the_middle_of_an_escalation_step_each_volunteer_is_paged_once(
        config, redis_url, redis_conn, tmp_path):
    people = {name: volunteers.add(redis_conn, config, name, phone, ("ko",)).id
              for name, phone in {**LEVEL_1, "Lee": "+821011110003"}.items()}
    rota.import_rota(redis_conn, config, ROTA, "rota.yaml", 0.0,
                     rota.resolver(redis_conn, config))
    ctx = CapabilityContext(redis_conn, config, CALLER, urgent.caller_hash(config, CALLER),
                            "sms", "ko", message_sid="SMkill1", now=time.time())
    code = urgent_capability(ctx, {"language": "ko", "reason": "menu"})["code"]
    step = Job.fetch(f"urgent-{code}-0", connection=redis_conn)

    kill_mid_job(config, redis_url, tmp_path, stall_at=2)  # 2 of 3 pages sent, then killed
    assert len(read_outbox(config.data_dir)) == 2
    assert step.get_status(refresh=True) == "started"  # RQ still thinks it runs
    assert StartedJobRegistry(jobs.URGENT, connection=redis_conn).get_job_ids()

    log = restart_worker(config, redis_url)
    assert f"job urgent-{code}-0: its worker" in log and "died mid-job" in log
    assert step.get_status(refresh=True) == "finished"  # it ran again, to the end
    pages = [e["to"] for e in read_outbox(config.data_dir) if e["kind"] == "sms"]
    assert sorted(pages) == sorted(LEVEL_1.values())  # each once: none twice, none lost
    assert urgent.paged(redis_conn, config, code) >= {people[n] for n in LEVEL_1}
    # The next step (level 2 after the ACK timeout) is scheduled once, not twice.
    scheduled = ScheduledJobRegistry(jobs.URGENT, connection=redis_conn).get_job_ids()
    assert scheduled == [f"urgent-{code}-1"]
    steps = [e["step"] for e in urgent.timeline(redis_conn, config, code)]
    assert steps.count("paged") == 1
    assert not StartedJobRegistry(jobs.URGENT, connection=redis_conn).get_job_ids()


@pytest.mark.slow
def test_killed_in_the_middle_of_a_bridged_call_job_the_volunteer_is_rung_once(
        config, redis_url, redis_conn, tmp_path):
    mina = volunteers.add(redis_conn, config, "Mina", "+821022223333", ("ko",)).id
    asked = callbacks.create(redis_conn, config, CALLER, language="ko", topic="clinic",
                             now=time.time() - 600).request
    taken = callbacks.take_next(redis_conn, config, ["ko"], mina, time.time())
    job = jobs.enqueue_call_volunteer(redis_conn, taken.id, mina, taken.taken)

    kill_mid_job(config, redis_url, tmp_path, stall_at=1)  # the call went out, then killed
    assert job.get_status(refresh=True) == "started"

    log = restart_worker(config, redis_url)
    assert f"job {job.id}: its worker" in log
    assert job.get_status(refresh=True) == "finished"  # it ran again ...
    calls = [e for e in read_outbox(config.data_dir) if e["kind"] == "call"]
    assert [c["to"] for c in calls] == ["+821022223333"]  # one call, not two
    assert "was already rung" in log  # ... and knew the call had gone out
    req = callbacks.get(redis_conn, config, asked.id)
    assert req.status == callbacks.Status.CALLING and req.volunteer == mina
    assert CALLER[1:] not in log


def test_a_worker_that_is_alive_keeps_its_job(config, redis_url, redis_conn, tmp_path):
    """The sweep runs again only jobs of dead workers: a running job is not taken from it."""
    from hotline.ops.recovery import requeue_orphans

    mina = volunteers.add(redis_conn, config, "Mina", "+821022223333", ("ko",)).id
    callbacks.create(redis_conn, config, CALLER, language="ko", topic="clinic",
                     now=time.time() - 600)
    taken = callbacks.take_next(redis_conn, config, ["ko"], mina, time.time())
    job = jobs.enqueue_call_volunteer(redis_conn, taken.id, mina, taken.taken)
    marker = tmp_path / "stalled"
    worker = subprocess.Popen([sys.executable, "-c", STALLING_WORKER, str(marker), "1"],
                              cwd=ROOT, env=environment(config, redis_url),
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.time() + 60
        while not (marker.exists() and marker.read_text()) and time.time() < deadline:
            time.sleep(0.05)
        assert requeue_orphans(redis_conn, jobs.QUEUES, config) == []
        assert job.get_status(refresh=True) == "started"
        forked = children(worker.pid)
    finally:
        os.kill(worker.pid, signal.SIGKILL)
        worker.wait(timeout=10)
    deadline = time.time() + 5
    while any(alive(pid) for pid in forked) and time.time() < deadline:
        time.sleep(0.05)
    assert not any(alive(pid) for pid in forked)
    assert requeue_orphans(redis_conn, jobs.QUEUES, config) == [job.id]
    assert requeue_orphans(redis_conn, jobs.QUEUES, config) == []  # once


def test_every_job_has_a_retry_so_a_dead_workers_job_runs_again(redis_conn):
    """RQ's own cleanup (other machines) and the sweep both need retries left."""
    made = [
        jobs.enqueue_call_volunteer(redis_conn, "1", "v1", 1.0),
        jobs.schedule_requeue(redis_conn, "1", time.time() + 60, 1),
        jobs.schedule_autoclose(redis_conn, "1", time.time() + 60),
        jobs.enqueue_tried_sms(redis_conn, "1"),
        urgent.enqueue_step(redis_conn, "ACD", 0),
        urgent.enqueue_sms(redis_conn, "ACD", "v1", "body", "taken"),
    ]
    assert all(job.retries_left and job.retries_left >= 1 for job in made), [
        (job.id, job.retries_left) for job in made]
