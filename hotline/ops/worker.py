"""Start an RQ worker (with its scheduler) on the hotline's queues, urgent first."""

from __future__ import annotations

import ctypes
import json
import logging
import os
import signal
from typing import Any

from redis.exceptions import RedisError
from rq import Worker
from rq.exceptions import StopRequested
from rq.worker import WorkerStatus

from hotline import job_context as context
from hotline import logs
from hotline.config import Settings
from hotline.jobs import QUEUES, ensure_purge, schedule_rota_watch
from hotline.ops import metrics
from hotline.ops.recovery import (
    release_stale_scheduler_locks,
    requeue_orphans,
    sweep_lost_timed_jobs,
)
from hotline.redisdb import connect
from hotline.scripts import volunteer_texts
from hotline.telephony import Transport

LOG_FORMAT = "%(message)s"  # rq's own format, unused: our structured handler is set first
# RQ checks for a free scheduler lock only at its maintenance, every 10 minutes by default,
# between blocking waits of ~7 minutes: after a crash a new worker would run no timed job
# (an urgent case's next level) for that long. Check every few seconds instead; the
# maintenance also sweeps for jobs of dead workers (hotline/ops/recovery.py).
MAINTENANCE_INTERVAL = 3
# An idle worker blocks for a job WORKER_TTL - 15 seconds (RQ) between maintenances: 3 s,
# so a page stuck in a dead worker, or a lost escalation step, waits ~3 s for the sweep.
WORKER_TTL = 18
PR_SET_PDEATHSIG = 1


def _die_with(parent: int) -> None:
    """In a work horse: be killed when the worker that forked it dies (Linux prctl).

    RQ's horse runs in its own process group, so a SIGKILL of the worker would leave it
    running, unwatched, while the job is run again elsewhere.
    """
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):  # not Linux: the horse may outlive its worker
        return
    if os.getppid() != parent:  # the worker died before prctl took effect
        os._exit(1)


def _scheduler_dies_with_worker(config: Settings) -> None:
    """Make RQ's scheduler process, forked from this worker, die with it as well, and
    connect it as the worker connects (through Sentinel when configured).

    RQ starts it as `rq.scheduler.run` in a forked process, where it would rebuild a plain
    connection pool from the worker's connection settings: under Sentinel that pool holds
    on to the parent's sentinel pool through a weak proxy. A fresh `connect()` in the
    child asks the sentinels itself and follows a failover. Wrapped once per process.
    """
    import rq.scheduler as rq_scheduler

    _scheduler_config[0] = config
    if getattr(rq_scheduler.run, "dies_with_worker", False):
        return
    original, parent = rq_scheduler.run, os.getpid()

    def run(scheduler: Any) -> None:
        _die_with(parent)
        scheduler._connection = connect(_scheduler_config[0])
        original(scheduler)  # type: ignore[no-untyped-call]

    run.dies_with_worker = True  # type: ignore[attr-defined]
    rq_scheduler.run = run


_scheduler_config: list[Settings] = [Settings()]  # the config of this process's worker


def unsubscribe_without_stall(worker: Any) -> None:
    """RQ's Worker.unsubscribe, without its stall of up to a minute.

    RQ 3.0 unsubscribes first and stops its pubsub thread after. Woken by the unsubscribe
    reply, the thread may loop once more before the stop and then wait its sleep_time
    (60 s) for a subscription that never comes, while redis-py 8's stop() joins it with no
    time limit: a worker's shutdown (and a burst run) hung for a minute about one time in
    twenty. Here the thread's run flag is cleared first, then a message RQ ignores wakes
    its read; it sees the flag and closes its connection, which ends the subscription.
    """
    thread = worker.pubsub_thread
    if not thread:
        return
    worker.log.info("Worker %s: unsubscribing from channel %s", worker.name,
                    worker.pubsub_channel_name)
    try:
        thread.stop(timeout=0)  # redis-py 8: clear the flag, do not wait for the thread yet
    except TypeError:
        thread.stop()  # older redis-py: stop() only clears the flag
    worker.connection.publish(worker.pubsub_channel_name, json.dumps({"command": "wake"}))
    thread.join(timeout=1)


class HotlineWorker(Worker):
    """RQ's worker, with its job id on every log line, its work horse and scheduler dying
    with it, and a sweep that runs again the jobs of workers that died mid-job
    (hotline/ops/recovery.py).

    It logs job ids, never job descriptions (a description repeats the job's arguments).
    """

    log_job_description = False

    def __init__(self, *args: Any, hotline_config: Settings | None = None,
                 **kwargs: Any):
        kwargs.setdefault("maintenance_interval", MAINTENANCE_INTERVAL)
        super().__init__(*args, **kwargs)
        self.hotline_config = hotline_config or Settings()
        self._main_pid = os.getpid()
        self._job_in_hand = False  # taken off its queue and not finished yet

    def execute_job(self, job: Any, queue: Any) -> Any:
        token = context.handling.set(job.id)
        try:
            self._main_pid = os.getpid()
            self.warm_caches()
            return super().execute_job(job, queue)
        finally:
            self._job_in_hand = False
            context.handling.reset(token)

    def warm_caches(self) -> None:
        """Compile the volunteer phrases of the live script version here, in the main
        process, before RQ forks the work horse: a horse's own caches die with it, and
        compiling the scripts takes about 0.25 s, which every page job paid (one worker
        then paged about 3 cases a second). A new script version is compiled once, here;
        otherwise this is one Redis read."""
        try:
            volunteer_texts.live(self.connection, self.hotline_config)
        except RedisError:  # the job reads them itself (and reports what fails)
            self.log.warning("could not load the volunteer phrases before the job")

    def work(self, *args: Any, **kwargs: Any) -> bool:
        _scheduler_dies_with_worker(self.hotline_config)
        return bool(super().work(*args, **kwargs))

    def unsubscribe(self) -> None:
        unsubscribe_without_stall(self)

    def _shutdown(self) -> None:
        """A warm stop (SIGTERM) is also remembered when the worker is idle.

        RQ stops an idle worker by raising StopRequested from its signal handler, wherever
        the worker is. Raised while a log line is written, logging's handler takes it for
        a failed write: it prints the error and goes on. RQ kept no other trace of the
        request, so the worker went back to waiting on its queues until it was killed.
        The flag set here is seen between waits (dequeue_job_and_maintain_ttl).

        A job already taken off its queue is run first: raised before the job starts
        (while the phrases compile, say), the stop left it on no queue, never run."""
        self._stop_requested = True
        if self._job_in_hand and self.get_state() != WorkerStatus.BUSY:
            return  # it runs, then the work loop sees the flag
        super()._shutdown()  # type: ignore[no-untyped-call]

    def dequeue_job_and_maintain_ttl(self, timeout: int | None,
                                     max_idle_time: int | None = None) -> Any:
        """RQ's wait for a job, one blocking wait (`timeout`, WORKER_TTL - 15 s) at a time,
        so that a stop request whose exception was swallowed is seen within that time. RQ's
        own loop waits again and again until a job comes; told that `timeout` is also the
        longest it may stay idle, it hands back None after one empty wait."""
        if timeout is None or max_idle_time is not None:
            found = super().dequeue_job_and_maintain_ttl(timeout, max_idle_time)
        else:
            found = None
            while found is None:
                if self._stop_requested:
                    raise StopRequested()
                found = super().dequeue_job_and_maintain_ttl(timeout, max_idle_time=timeout)
        self._job_in_hand = found is not None
        return found

    def main_work_horse(self, job: Any, queue: Any) -> None:
        _die_with(self._main_pid)
        super().main_work_horse(job, queue)

    def run_maintenance_tasks(self) -> None:
        """RQ's maintenance, after freeing the scheduler locks of a scheduler that died here
        (checked at each maintenance, not only at start: a killed scheduler may take a
        moment to be gone); then the sweep for jobs of dead workers, the sweep for timed jobs
        a failover lost (an urgent case's next step, a call back held for later), and the
        retention purge scheduled again if its chain was lost (Redis restarted without its
        data)."""
        freed = release_stale_scheduler_locks(self.connection, list(QUEUES))
        if freed:
            logging.getLogger("workers").warning(
                "freed the scheduler locks of a dead worker: %s", ", ".join(freed))
        super().run_maintenance_tasks()  # type: ignore[no-untyped-call]
        self._sweep("sweep for jobs of dead workers", lambda: requeue_orphans(
            self.connection, [q.name for q in self.queues], self.hotline_config, me=self.name))
        self._sweep("sweep for lost escalation steps and call backs",
                    lambda: sweep_lost_timed_jobs(self.connection, self.hotline_config,
                                                  context.now()))
        self._sweep("scheduling the retention purge or rota watch", self._schedule_chains)

    def _sweep(self, what: str, run: Any) -> None:
        """One sweep: its failure is logged and the next one runs. A shutdown is not a
        failure: RQ's SIGTERM handler raises StopRequested from wherever the worker is,
        and swallowed here it left the worker waiting on its queues."""
        try:
            run()
        except StopRequested:
            raise
        except Exception:
            self.log.exception("%s failed", what)

    def _schedule_chains(self) -> None:
        if ensure_purge(self.connection, self.hotline_config):
            logging.getLogger("workers").warning(
                "no retention purge was scheduled (Redis lost its data?); scheduled it")
        schedule_rota_watch(self.connection)  # the same job id per slot: no doubles


def setup_logging(level: int | str = logging.INFO, style: str = "json") -> None:
    """Structured lines (hotline.logs), each with the current job id; rq's loggers too."""
    logs.configure(level, style, filters=(context.JobIdFilter(),))


def start(config: Settings, burst: bool = False,
          transport: Transport | None = None, queues: list[str] | None = None,
          rq_level: str | None = None) -> bool:
    """Run a worker on urgent, callbacks, default (or the queues given) until stopped (or,
    with burst, idle). `rq_level`: the level of RQ's own loggers (default the log level);
    the hotline's job lines keep the log level.

    It first makes sure the next retention purge is scheduled (one per time slot, however
    many workers start). `transport` replaces the configured one (tests: a transport that
    stalls mid-send).
    """
    context.configure(config, transport=transport)
    level = str(config.log_level or "INFO").upper()
    setup_logging(level, str(config.log_format or "json"))
    rq_level = (rq_level or level).upper()
    logging.getLogger("rq").setLevel(rq_level)
    conn = connect(config)
    release_stale_scheduler_locks(conn, list(QUEUES))  # before RQ tries for them at start
    ensure_purge(conn, config)
    schedule_rota_watch(conn)
    worker = HotlineWorker(list(queues or QUEUES), connection=conn, hotline_config=config,
                           log_job_description=False, worker_ttl=WORKER_TTL,
                           job_monitoring_interval=5)
    # Counted, then RQ's own handling (rq leaves push_exc_handler unannotated).
    worker.push_exc_handler(metrics.count_job_failure)  # type: ignore[no-untyped-call]
    return worker.work(burst=burst, with_scheduler=True,
                       logging_level=rq_level,
                       log_format=LOG_FORMAT)
