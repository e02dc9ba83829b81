"""Start an RQ worker (with its scheduler) on the hotline's queues, urgent first."""

from __future__ import annotations

import logging
import os
import socket
from typing import Any

import redis
from rq import Worker
from rq.scheduler import SCHEDULER_KEY_TEMPLATE, SCHEDULER_LOCKING_KEY_TEMPLATE

from hotline.jobs import QUEUES
from hotline.redisdb import connect
from workers import context

LOG_FORMAT = "%(asctime)s %(levelname)s [job %(job_id)s] %(name)s: %(message)s"


class HotlineWorker(Worker):
    """RQ's worker, noting which job it handles so its own log lines carry the id too."""

    def run_maintenance_tasks(self) -> None:
        """RQ's maintenance, after freeing the scheduler locks of a scheduler that died here
        (checked at each maintenance, not only at start: a killed scheduler may take a
        moment to be gone)."""
        freed = release_stale_scheduler_locks(self.connection)
        if freed:
            logging.getLogger("workers").warning(
                "freed the scheduler locks of a dead worker: %s", ", ".join(freed))
        super().run_maintenance_tasks()  # type: ignore[no-untyped-call]

    def execute_job(self, job: Any, queue: Any) -> Any:
        token = context.handling.set(job.id)
        try:
            return super().execute_job(job, queue)
        finally:
            context.handling.reset(token)


def setup_logging(level: int = logging.INFO) -> None:
    """Log every line with the current job id; rq's own loggers included."""
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter(LOG_FORMAT))
    handler.addFilter(context.JobIdFilter())
    for name in ("rq", "hotline", "workers"):
        logger = logging.getLogger(name)
        logger.handlers[:] = [handler]
        logger.setLevel(level)
        logger.propagate = False


# RQ checks for a free scheduler lock only at its maintenance, every 10 minutes by default,
# between blocking waits of ~7 minutes: after a crash a new worker would run no timed job
# (an urgent case's next level) for that long. Check every few seconds instead.
MAINTENANCE_INTERVAL = 5
WORKER_TTL = 20  # the blocking wait for a job is WORKER_TTL - 15 seconds

# Delete a scheduler lock only while it still names the dead scheduler.
_RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def release_stale_scheduler_locks(conn: redis.Redis) -> list[str]:
    """Free the scheduler locks of a scheduler on this host whose process is gone (a worker
    killed with -9, or the machine's OOM killer): RQ would keep them a minute more, and a
    new worker would not schedule anything until then. Returns the queues freed."""
    freed = []
    for name in QUEUES:
        lock = SCHEDULER_LOCKING_KEY_TEMPLATE % name
        owner = conn.get(lock)
        if not owner:
            continue
        owner_name = _text(owner)
        raw: dict[Any, Any] = conn.hgetall(SCHEDULER_KEY_TEMPLATE % owner_name)
        info = {_text(k): _text(v) for k, v in raw.items()}
        here = info.get("hostname") == socket.gethostname()
        pid = int(info.get("pid") or 0)
        if here and pid and not _alive(pid) and conn.eval(_RELEASE, 1, lock, owner_name):
            freed.append(name)
    return freed


def start(config: dict[str, Any], burst: bool = False) -> bool:
    """Run a worker on urgent, callbacks, default until stopped (or, with burst, idle)."""
    context.configure(config)
    setup_logging()
    conn = connect(config)
    release_stale_scheduler_locks(conn)  # before RQ tries for them at start
    worker = HotlineWorker(list(QUEUES), connection=conn, worker_ttl=WORKER_TTL,
                           maintenance_interval=MAINTENANCE_INTERVAL,
                           job_monitoring_interval=5)
    return worker.work(burst=burst, with_scheduler=True, logging_level="INFO",
                       log_format=LOG_FORMAT)
