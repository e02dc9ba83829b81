"""A worker asked to stop (SIGTERM: `docker stop`, a deploy) stops, wherever it is."""

from __future__ import annotations

import io
import logging
import os
import signal
import threading

import pytest
from rq import Queue
from rq.exceptions import StopRequested

from hotline.config import load_config
from hotline.jobs import QUEUES
from hotline.ops import worker as hotline_worker
from hotline.privacy.vault import new_key


@pytest.fixture()
def config(tmp_path):
    return load_config({"KEY_PREFIX": "hotline:", "SECRET_KEY": "s",
                        "ENCRYPTION_KEY": new_key(), "DATA_DIR": str(tmp_path)}, environ={})


def work_until_stopped(worker: hotline_worker.HotlineWorker, **options) -> tuple[bool, bool]:
    """Run `worker` in this process until it stops: (whether it ran a job, whether it had
    to be forced). Twenty seconds on, a second SIGTERM is RQ's cold stop (SystemExit).
    The test process's own signal handlers are put back after."""
    saved = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    watchdog = threading.Timer(20, os.kill, (os.getpid(), signal.SIGTERM))
    watchdog.start()
    try:
        return worker.work(burst=False, with_scheduler=False, **options), False
    except SystemExit:
        return False, True
    finally:
        watchdog.cancel()
        for sig, handler in saved.items():
            signal.signal(sig, handler)


@pytest.mark.parametrize("sweep", ["requeue_orphans", "sweep_lost_timed_jobs",
                                   "ensure_purge"])
def test_a_stop_asked_for_during_a_maintenance_sweep_is_not_swallowed(
        redis_conn, config, monkeypatch, sweep):
    # The sweeps each log their own failure and let the next run; RQ's SIGTERM handler
    # raises StopRequested from wherever the worker is. Taken for a failed sweep, it left
    # the worker waiting on its queues instead of stopping.
    worker = hotline_worker.HotlineWorker(list(QUEUES), connection=redis_conn,
                                          hotline_config=config)
    reached = []

    def stopped_here(*args, **kwargs):
        reached.append(sweep)
        os.kill(os.getpid(), signal.SIGTERM)  # RQ's handler runs at the next bytecode
        return False

    monkeypatch.setattr(hotline_worker, sweep, stopped_here)
    saved = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    worker._install_signal_handlers()
    try:
        with pytest.raises(StopRequested):
            worker.run_maintenance_tasks()
    finally:
        for sig, handler in saved.items():
            signal.signal(sig, handler)
    assert reached == [sweep]


class SignalsWhileWriting(logging.StreamHandler):
    """logging's own stream handler, which gets SIGTERM in the middle of writing the
    `nth` heartbeat line, the way a deploy's stop lands on a worker that logs every job
    and every few seconds."""

    def __init__(self, nth: int) -> None:
        super().__init__(io.StringIO())
        self.setLevel(logging.DEBUG)
        self.heartbeats_left = nth
        self.signalled_during: list[str] = []

    def format(self, record: logging.LogRecord) -> str:  # called inside emit's try
        if "heartbeat" in record.getMessage():
            self.heartbeats_left -= 1
            if self.heartbeats_left == 0:
                self.signalled_during.append(record.getMessage())
                os.kill(os.getpid(), signal.SIGTERM)  # RQ's handler runs inside this write
        return super().format(record)


# The first heartbeat line is written at the top of the work loop (the suspension check),
# the second as the worker starts to wait for a job.
@pytest.mark.parametrize("nth", [1, 2], ids=["top of the loop", "waiting for a job"])
def test_a_stop_that_lands_while_a_log_line_is_written_still_stops_the_worker(
        redis_conn, config, monkeypatch, nth):
    # RQ raises StopRequested into whatever the idle worker is doing; logging swallows it
    # (and prints "--- Logging error ---"), and the worker went back to its queues for good:
    # CI's worker process then outlived SIGTERM and had to be killed.
    monkeypatch.setattr(logging, "raiseExceptions", False)  # keep the swallowed error quiet
    worker = hotline_worker.HotlineWorker(list(QUEUES), connection=redis_conn,
                                          hotline_config=config,
                                          worker_ttl=hotline_worker.WORKER_TTL)
    writer = SignalsWhileWriting(nth)
    worker.log.addHandler(writer)
    level = worker.log.level
    worker.log.setLevel(logging.DEBUG)
    try:
        _, forced = work_until_stopped(worker, logging_level="DEBUG")
    finally:
        worker.log.removeHandler(writer)
        worker.log.setLevel(level)
    assert writer.signalled_during, "no log line was written while the worker waited"
    assert not forced, "the worker kept waiting on its queues after SIGTERM"
    assert not hotline_worker.HotlineWorker.all(connection=redis_conn)  # it said it stopped


def test_a_stop_that_lands_between_taking_a_job_and_starting_it_runs_the_job_first(
        redis_conn, config, tmp_path, monkeypatch):
    # Between taking a job off its queue and starting it the worker compiles the volunteer
    # phrases (warm_caches: 0.25 s after a script is published, as at a deploy). RQ's stop
    # raised there: the job, no longer on any queue, was never run.
    queue = Queue("shutdown-test", connection=redis_conn)
    done = tmp_path / "the job ran"
    job = queue.enqueue(os.makedirs, str(done))
    worker = hotline_worker.HotlineWorker([queue], connection=redis_conn, hotline_config=config,
                                          worker_ttl=hotline_worker.WORKER_TTL)
    monkeypatch.setattr(worker, "warm_caches",
                        lambda: os.kill(os.getpid(), signal.SIGTERM))  # a deploy's stop
    worked, forced = work_until_stopped(worker)
    assert done.is_dir(), "the job was taken off its queue and never run"
    assert not forced, "the worker did not stop after the job"
    assert worked and job.get_status(refresh=True) == "finished"
    assert not hotline_worker.HotlineWorker.all(connection=redis_conn)  # and then it stopped
