"""RQ queues, retry policies and enqueue helpers: defined here once.

Jobs take ids (a request id, a volunteer id), never objects or phone numbers; the job
functions live in workers/ and are named here by dotted path so this module does not
import them.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import redis
from rq import Queue, Retry
from rq.job import Job, JobStatus

from hotline import keys as hotline_keys
from hotline.config import Settings

URGENT = "urgent"  # pages for urgent cases: a person within minutes
CALLBACKS = "callbacks"  # bridged calls for the callback queue
DEFAULT = "default"  # everything else (SMS to callers, housekeeping)
QUEUES = (URGENT, CALLBACKS, DEFAULT)  # the order a worker reads them in

# A failed REST call to Twilio is worth a few quick retries; after that the request
# is back in the queue anyway (its lease runs out), so nothing is lost.
CALL_RETRY = Retry(max=2, interval=[15, 60])
SMS_RETRY = Retry(max=3, interval=[30, 120, 600])
# Housekeeping (put a request back, close it): cheap and guarded, so simply run it again.
# Every job has a Retry: a job whose worker died mid-job is run again only while it has
# retries left (hotline/ops/recovery.py, and RQ's own cleanup of abandoned jobs).
HOUSEKEEPING_RETRY = Retry(max=3, interval=[10, 60, 300])
# Deleting a voice message at Twilio must happen: retried over hours, then every purge asks
# again while the sealed sid is kept.
RECORDING_RETRY = Retry(max=4, interval=[30, 300, 1800, 3600])
CALL_TIMEOUT = 60  # seconds one call job may run
RESULT_TTL = 3600


def queue(conn: redis.Redis, name: str = DEFAULT) -> Queue:
    """Return the named queue on this connection."""
    if name not in QUEUES:
        raise ValueError(f"unknown queue {name!r}")
    return Queue(name, connection=conn)


@dataclass(frozen=True)
class JobSpec:
    """A job to enqueue, as plain data: what the inbound pipeline's answer carries.

    The pipeline decides which jobs go with an answer (an urgent case's first page, a
    directory line by SMS, a programme's reminders); the web layer submits them before
    the answer goes out, with the writes they belong to. `delay`: seconds from now (RQ's
    scheduler), 0 for at once; `replaces_scheduled`: an at-once job takes the place of
    the same job id waiting in the scheduled registry (a PASS moves a step forward).
    """

    queue: str
    func: str
    args: tuple[Any, ...]
    job_id: str
    delay: float = 0.0
    options: Mapping[str, Any] = field(default_factory=dict)
    replaces_scheduled: bool = False


def submit(conn: redis.Redis, spec: JobSpec) -> Job:
    """Enqueue one job as `spec` describes it (now, or after its delay)."""
    q = queue(conn, spec.queue)
    options = {"job_id": spec.job_id, **spec.options}
    if spec.delay > 0:
        scheduled: Job = q.enqueue_in(timedelta(seconds=spec.delay), spec.func, *spec.args,
                                      **options)
        return scheduled
    if spec.replaces_scheduled:
        q.scheduled_job_registry.remove(spec.job_id)
    return q.enqueue(spec.func, *spec.args, **options)


def submit_all(conn: redis.Redis, specs: Iterable[JobSpec]) -> list[Job]:
    """Enqueue every job in `specs`, in order."""
    return [submit(conn, spec) for spec in specs]


def send(conn: redis.Redis, spec: JobSpec, later: list[JobSpec] | None) -> None:
    """Enqueue `spec` now, or add it to `later`: the jobs an inbound answer carries (the
    pipeline's; conversation/settle.py enqueues them before the answer goes out)."""
    if later is None:
        submit(conn, spec)
    else:
        later.append(spec)


def call_volunteer_job(request_id: str, volunteer_id: str, taken: float) -> JobSpec:
    """Ring the volunteer who took request_id (one job per take: a retry adds nothing)."""
    return JobSpec(CALLBACKS, "workers.calls.call_volunteer", (request_id, volunteer_id),
                   hotline_keys.call_job(request_id, taken),
                   options={"retry": CALL_RETRY, "job_timeout": CALL_TIMEOUT,
                            "result_ttl": RESULT_TTL, "failure_ttl": 7 * 86400})


def enqueue_call_volunteer(conn: redis.Redis, request_id: str, volunteer_id: str,
                           taken: float) -> Job:
    """Ring the volunteer who took request_id now (see call_volunteer_job)."""
    return submit(conn, call_volunteer_job(request_id, volunteer_id, taken))


def schedule_requeue(conn: redis.Redis, request_id: str, at: float, attempt: int | str) -> Job:
    """Put request_id back in its queue at time `at` (the caller did not answer, or asked
    to be called later; `attempt` names the job)."""
    when = datetime.fromtimestamp(at, UTC)
    job: Job = queue(conn, CALLBACKS).enqueue_at(
        when, "workers.calls.requeue_request", request_id,
        job_id=hotline_keys.requeue_job(request_id, attempt), result_ttl=RESULT_TTL,
        retry=HOUSEKEEPING_RETRY,
    )
    return job


def schedule_autoclose(conn: redis.Redis, request_id: str, at: float) -> Job:
    """Close request_id at `at` if the volunteer spoke with the caller but never sent DONE."""
    job: Job = queue(conn, DEFAULT).enqueue_at(
        datetime.fromtimestamp(at, UTC), "workers.calls.close_if_talked", request_id,
        job_id=hotline_keys.autoclose_job(request_id), result_ttl=RESULT_TTL, retry=HOUSEKEEPING_RETRY,
    )
    return job


def enqueue_recording_delete(conn: redis.Redis, request_id: str) -> Job:
    """Delete request_id's voice messages at Twilio (retried until Twilio confirms)."""
    return queue(conn, DEFAULT).enqueue(
        "workers.calls.delete_recording", request_id,
        job_id=hotline_keys.recording_delete_job(request_id), retry=RECORDING_RETRY,
        result_ttl=RESULT_TTL, failure_ttl=7 * 86400, job_timeout=CALL_TIMEOUT,
    )


def enqueue_tried_sms(conn: redis.Redis, request_id: str) -> Job:
    """Tell the caller of request_id, once, that we tried to call (then close it)."""
    return queue(conn, DEFAULT).enqueue(
        "workers.calls.send_tried_sms", request_id,
        job_id=hotline_keys.tried_job(request_id), retry=SMS_RETRY, result_ttl=RESULT_TTL,
    )


PURGE_INTERVAL = 3600  # default seconds between retention purges (PURGE_INTERVAL)


def schedule_purge(conn: redis.Redis, config: Settings, now: float | None = None,
                   after: str = "") -> Job:
    """Schedule the retention purge at the start of the next time slot (after the slot of
    the purge job `after`, when one names itself).

    The job id names the slot, so every worker starting and every purge finishing ask
    for the same job: it runs once per slot however many of them there are.
    """
    interval = max(60, int(config.purge_interval or PURGE_INTERVAL))
    slot = int((time.time() if now is None else now) // interval) + 1
    after_slot = hotline_keys.purge_slot(after)
    if after_slot is not None:
        slot = max(slot, after_slot + 1)  # a purge run early must not schedule itself
    job: Job = queue(conn, DEFAULT).enqueue_at(
        datetime.fromtimestamp(slot * interval, UTC), "workers.housekeeping.purge",
        job_id=hotline_keys.purge_job(slot), result_ttl=RESULT_TTL, failure_ttl=7 * 86400,
        job_timeout=600,
    )
    return job


def schedule_directory_sync(conn: redis.Redis, url: str, url_key: str, chain: str, run: int,
                            at: float | None = None) -> Job:
    """Run the HSDS sync of `url` (now, or at `at`); run `run` of the schedule `chain`."""
    kwargs: dict[str, Any] = {"job_id": hotline_keys.directory_sync_job(url_key, chain, run),
                              "result_ttl": RESULT_TTL, "failure_ttl": 7 * 86400,
                              "job_timeout": 900}
    if at is None:
        return queue(conn, DEFAULT).enqueue("workers.directory_sync.sync", url, chain, run,
                                            **kwargs)
    job: Job = queue(conn, DEFAULT).enqueue_at(
        datetime.fromtimestamp(at, UTC), "workers.directory_sync.sync", url, chain, run,
        **kwargs)
    return job


def shift_dropped_job(volunteer_id: str, level: str, start: float) -> JobSpec:
    """Tell staff and offer the shift to the level's others (a volunteer cannot do it)."""
    return JobSpec(DEFAULT, "workers.rota_jobs.shift_dropped", (volunteer_id, level, start),
                   hotline_keys.shift_dropped_job(volunteer_id, start),
                   options={"result_ttl": RESULT_TTL, "retry": SMS_RETRY})


def enqueue_shift_dropped(conn: redis.Redis, volunteer_id: str, level: str,
                          start: float) -> Job:
    """shift_dropped_job, enqueued now."""
    return submit(conn, shift_dropped_job(volunteer_id, level, start))


ROTA_WATCH_INTERVAL = 300  # seconds between looks at the rota (reminders, gap warnings)


def schedule_rota_watch(conn: redis.Redis, now: float | None = None) -> Job:
    """Schedule the rota watch at the start of the next 5-minute slot (one job per slot,
    however many workers and watches ask for it)."""
    slot = int((time.time() if now is None else now) // ROTA_WATCH_INTERVAL) + 1
    job: Job = queue(conn, DEFAULT).enqueue_at(
        datetime.fromtimestamp(slot * ROTA_WATCH_INTERVAL, UTC), "workers.rota_jobs.watch",
        job_id=hotline_keys.rota_watch_job(slot), result_ttl=RESULT_TTL,
        failure_ttl=7 * 86400, job_timeout=120)
    return job


def ensure_purge(conn: redis.Redis, config: Settings, now: float | None = None) -> Job | None:
    """Schedule the retention purge unless one is already waiting, queued or running.

    The purge schedules its own successor, so a lost job (Redis restarted without its
    data, a flush, an operator deleting it) would end the chain until a worker starts;
    every worker's maintenance calls this. Returns the job scheduled, None when one was
    there already.
    """
    interval = max(60, int(config.purge_interval or PURGE_INTERVAL))
    slot = int((time.time() if now is None else now) // interval) + 1
    pending = {s.value for s in (JobStatus.SCHEDULED, JobStatus.QUEUED, JobStatus.STARTED,
                                 JobStatus.DEFERRED)}
    for job_id in (hotline_keys.purge_job(slot), hotline_keys.purge_job(slot - 1)):  # the next, or one due now
        status = conn.hget(f"{Job.redis_job_namespace_prefix}{job_id}", "status")
        if status is not None and status.decode() in pending:  # type: ignore[union-attr]
            return None
    return schedule_purge(conn, config, now)


def delete_jobs(conn: redis.Redis, prefixes: Iterable[str] = (), ids: Iterable[str] = ()) -> int:
    """Delete the jobs with these ids, or whose id starts with one of `prefixes` (queued,
    scheduled, finished or failed), with their results; a job running now is left to
    finish (every job checks that its request or case still exists)."""
    deleted = 0
    namespace = Job.redis_job_namespace_prefix
    starts, exact = tuple(prefixes), set(ids)
    if not starts and not exact:
        return 0
    for key in conn.scan_iter(match=f"{namespace}*", count=1000):  # one pass over the jobs
        job_id = key.decode()[len(namespace):]
        if ":" in job_id or not (job_id in exact or job_id.startswith(starts)):
            continue  # another job, or a job's dependents/dependencies key
        try:
            job = Job.fetch(job_id, connection=conn)
        except Exception:  # noqa: BLE001  a half-written or foreign record: drop it
            conn.delete(key)
            deleted += 1
            continue
        if job.get_status(refresh=False) == JobStatus.STARTED:
            continue
        job.delete()
        deleted += 1
    return deleted


MISSING_SETTLE = 3.0  # seconds a timed job must stay missing before a sweep replaces it
MISSING_TTL = 120  # how long a sweep remembers when it first saw a job missing


def missing_long_enough(conn: redis.Redis, mark: str, now: float,
                        settle: float = MISSING_SETTLE) -> bool:
    """True when a sweep has seen a job missing for at least `settle` seconds (`mark`
    remembers when it was first seen missing); False at the first sighting.

    A sweep looks at a record (an urgent case, a call back) and then at its job: between
    the record's write and its job's enqueue, a few milliseconds apart in another process,
    the job is missing without being lost. Only a job still missing at a later sweep is.
    """
    if settle <= 0:
        return True
    first = conn.set(mark, repr(now), nx=True, ex=MISSING_TTL)
    if first:
        return False
    seen = conn.get(mark)
    try:
        return now - float(seen.decode() if isinstance(seen, bytes) else str(seen)) >= settle
    except ValueError:
        return False
