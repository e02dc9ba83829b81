"""Jobs whose worker died in the middle of them (SIGKILL, OOM, a lost machine) run again.

RQ 3 leaves such a job in the StartedJobRegistry until its heartbeat expires (the job
timeout or the monitoring interval, plus a minute) and the next registry cleanup, which
may be ten minutes later; a job without retries then goes to the failed registry. For an
urgent page that is too late. So each worker, when it starts and at each maintenance
pass, looks at the started jobs of its queues: a job whose worker is known dead (its
worker record is gone or marked dead, or it ran on this machine and its process is gone)
is put back on its queue at once, counted against its retries. Jobs of workers on other
machines are left to RQ's own cleanup, which also retries them (every job has a Retry
policy, hotline/jobs.py). Effects are guarded (hotline/effects.py), so a second run sends
nothing the first one sent.

A timed job can also be lost whole: Redis replicates asynchronously, and a primary that
dies before its replica has the job takes it along. The maintenance also runs the sweeps
that find open urgent cases and held call backs with no job for their next step and
schedule it again (sweep_lost_timed_jobs).
"""

from __future__ import annotations

import logging
import os
import socket
from typing import Any

import redis
from rq import Queue
from rq.job import Job, JobStatus
from rq.registry import StartedJobRegistry
from rq.scheduler import SCHEDULER_KEY_TEMPLATE, SCHEDULER_LOCKING_KEY_TEMPLATE

from hotline import keys as hotline_keys
from hotline.callbacks import sweep as callback_sweep
from hotline.config import Settings
from hotline.urgent import sweep as urgent_sweep

log = logging.getLogger("hotline.jobs")

CLAIM_TTL = 3600  # one sweep per dead execution, even with several workers starting at once


def _process_gone(pid: int) -> bool:
    """True when no process `pid` runs on this machine (a zombie counts as gone)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as handle:
            return handle.read().rsplit(")", 1)[1].split()[0] == "Z"
    except (OSError, IndexError):
        return False


def worker_is_dead(conn: redis.Redis, name: str, me: str = "") -> bool:
    """True when the worker `name` can be known dead from here."""
    if not name:
        return False
    raw: dict[bytes, bytes] = conn.hgetall(f"rq:worker:{name}")  # type: ignore[assignment]
    data = {k.decode(): v.decode() for k, v in raw.items()}
    if not data or "death" in data:
        return True
    pid = int(data.get("pid") or 0)
    if data.get("hostname") != socket.gethostname() or not pid:
        return False  # another machine: RQ's heartbeat expiry decides
    if pid == os.getpid():
        return name != me  # our own pid, another name: a restarted container reused it
    return _process_gone(pid)


def _execution_worker(conn: redis.Redis, job_id: str, execution_id: str) -> str | None:
    """The worker name of an execution; None when its record has expired."""
    raw = conn.hget(f"rq:execution:{job_id}:{execution_id}", "worker_name")
    return raw.decode() if isinstance(raw, bytes) else raw


def requeue_orphans(conn: redis.Redis, queue_names: list[str] | tuple[str, ...],
                    config: Settings, me: str = "") -> list[str]:
    """Put back on their queues the started jobs whose worker died; return their ids."""
    keys = hotline_keys.of(config)
    requeued: list[str] = []
    for name in queue_names:
        queue = Queue(name, connection=conn)
        registry = StartedJobRegistry(name, connection=conn)
        for job_id, execution_id in registry.get_job_and_execution_ids(cleanup=False):
            worker = _execution_worker(conn, job_id, execution_id)
            if worker is not None and not worker_is_dead(conn, worker, me):
                continue  # alive, or cannot tell: RQ's cleanup decides after the heartbeat
            try:
                job = Job.fetch(job_id, connection=conn)
            except Exception:  # noqa: BLE001  the job record expired: nothing to run
                registry.remove(f"{job_id}:{execution_id}")
                continue
            if job.get_status(refresh=False) != JobStatus.STARTED:
                continue
            if not job.retries_left:
                log.warning("job %s: its worker died mid-job and it has no retries left; "
                            "RQ moves it to the failed jobs", job_id)
                continue
            if not conn.set(keys.recovered(job_id, execution_id), "1", nx=True,
                            ex=CLAIM_TTL):
                continue  # another worker is putting it back
            job.retries_left = job.retries_left - 1
            queue.enqueue_job(job, at_front=True)  # first: a crash here loses nothing
            conn.zrem(registry.key, f"{job_id}:{execution_id}")
            conn.delete(f"rq:execution:{job_id}:{execution_id}")
            log.warning("job %s: its worker %s died mid-job; queued again (%d retries left)",
                        job_id, worker or "?", job.retries_left)
            requeued.append(job_id)
    return requeued


# Delete a scheduler lock only while it still names the dead scheduler.
_RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


def release_stale_scheduler_locks(conn: redis.Redis, queues: list[str]) -> list[str]:
    """Free the scheduler locks of a scheduler on this host whose process is gone (a worker
    killed with -9, or the machine's OOM killer): RQ would keep them a minute more, and a
    new worker would not schedule anything until then. Returns the queues freed."""
    freed = []
    for name in queues:
        lock = SCHEDULER_LOCKING_KEY_TEMPLATE % name
        owner = conn.get(lock)
        if not owner:
            continue
        owner_name = _text(owner)
        raw: dict[Any, Any] = conn.hgetall(SCHEDULER_KEY_TEMPLATE % owner_name)
        info = {_text(k): _text(v) for k, v in raw.items()}
        here = info.get("hostname") == socket.gethostname()
        pid = int(info.get("pid") or 0)
        if here and pid and _process_gone(pid) and conn.eval(_RELEASE, 1, lock, owner_name):
            freed.append(name)
    return freed


URGENT_SWEEP_EVERY = 3  # seconds between sweeps for lost escalation steps (any worker)
CALLBACK_SWEEP_EVERY = 60  # ... for call backs held for later (hours, not seconds)


def sweep_lost_timed_jobs(conn: redis.Redis, config: Settings, now: float) -> dict[str, list[str]]:
    """Schedule again the timed jobs a failover may have lost (hotline/urgent/sweep.py,
    hotline/callbacks/sweep.py), each sweep at most once per interval across all workers.
    Returns what each sweep did ({"urgent": codes, "callbacks": request ids})."""
    keys = hotline_keys.of(config)
    found: dict[str, list[str]] = {}
    if conn.set(keys.sweep("urgent"), "1", nx=True, ex=URGENT_SWEEP_EVERY):
        found["urgent"] = urgent_sweep.reschedule_lost_steps(conn, config, now)
    if conn.set(keys.sweep("callbacks"), "1", nx=True, ex=CALLBACK_SWEEP_EVERY):
        found["callbacks"] = callback_sweep.requeue_overdue(conn, config, now)
    return found
