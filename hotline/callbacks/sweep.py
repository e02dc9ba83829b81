"""Call-back requests held for later whose timed job was lost are put back.

A request whose caller did not answer (or asked to be called later) waits in `later`
until `next_at`, when an RQ job scheduled in Redis puts it back in its queue; after the
last unanswered attempt, a job texts the caller once and closes it. When that job is lost
(the primary died before its replica had it: replication is asynchronous), the request
would stay `later` until its number expires, and the caller would never be called back.
Every worker's maintenance (hotline/ops/recovery.py) calls `requeue_overdue`: a request
still `later` GRACE seconds after its time is put back in its queue now (the same atomic
step the job takes, which then finds nothing to do), or, after its last attempt, gets its
one text (the same job id; the text is sent at most once, hotline/effects.py).
"""

from __future__ import annotations

import logging

import redis
from rq.job import Job

from hotline import jobs
from hotline import keys as hotline_keys
from hotline.callbacks import queue as callbacks
from hotline.callbacks.bridge import MAX_ATTEMPTS
from hotline.callbacks.queue import Status
from hotline.config import Settings

log = logging.getLogger("hotline.jobs")

GRACE = 60  # seconds past `next_at` before a request's job counts as lost


def _text(value: object) -> str:
    return value.decode() if isinstance(value, bytes) else str(value or "")


def requeue_overdue(conn: redis.Redis, config: Settings, now: float,
                    settle: float = jobs.MISSING_SETTLE) -> list[str]:
    """Put back (or text and close, after the last attempt) every request still held for
    later GRACE seconds after its time, at two sweeps at least `settle` seconds apart;
    return their ids."""
    k = callbacks.keys(config)
    ids = [_text(rid) for rid in conn.zrange(k.index, 0, -1)]
    pipe = conn.pipeline(transaction=False)
    for rid in ids:
        pipe.hmget(k.req(rid), ("status", "next_at", "attempts"))
    done: list[str] = []
    for rid, (status, next_at, attempts) in zip(ids, pipe.execute(), strict=True):
        if _text(status) != Status.LATER.value or not next_at:
            continue
        if float(_text(next_at)) + GRACE > now:
            continue
        last = int(_text(attempts) or 0) >= MAX_ATTEMPTS
        if last:
            job_id = hotline_keys.tried_job(rid)
            state = _text(conn.hget(f"{Job.redis_job_namespace_prefix}{job_id}", "status"))
            if state and state != "finished":
                continue  # waiting to run, or failed after its retries (RQ shows it)
        if not jobs.missing_long_enough(conn, k.missing(rid), now, settle):
            continue  # a later sweep decides (its job may be on its way)
        if last:
            jobs.enqueue_tried_sms(conn, rid)
            log.warning("request %s: its last text was never sent (job lost); queued again",
                        rid)
        elif callbacks.release(conn, config, rid, from_status=Status.LATER):
            log.warning("request %s: still held %.0f s after its time (job lost); back in "
                        "the queue", rid, now - float(_text(next_at)))
        else:
            continue
        done.append(rid)
    return done
