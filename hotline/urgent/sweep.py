"""Escalation steps whose job was lost are scheduled again.

The next step of an urgent case is an RQ job scheduled in Redis (escalation.py). Redis
replicates asynchronously: when the primary dies between the write of that job and its
copy to the replica, the promoted replica has an open case whose next step nobody will
run, and paging stops for good. Every worker's maintenance (hotline/ops/recovery.py) calls
`reschedule_lost_steps`: an open, unclaimed case whose next step has no job (no record
under that step's job id, hotline/keys.py) gets it again, at the time it was due (at once
when that has passed), and a `rescheduled` line on its timeline. A step whose job ran
(finished) while the case still names it as next lost the job's own writes in the same
way: it is run again at once. A job is taken for lost only when a later sweep, a few
seconds on, still misses it: a case is written a moment before its job is enqueued.
Pages stay once per step and volunteer (escalation.py's SET NX guards), so a step
scheduled twice or run twice sends nothing twice; a short claim per case and step keeps
two workers' sweeps from both scheduling it.
"""

from __future__ import annotations

import logging

import redis
from rq.job import Job

from hotline import jobs
from hotline import keys as hotline_keys
from hotline.config import Settings
from hotline.urgent import cases as urgent

log = logging.getLogger("hotline.jobs")

HORIZON = urgent.NUMBER_TTL  # cases opened longer ago than this are not looked at
CLAIM_TTL = 30  # seconds one sweep's re-scheduling of a step holds off the others
PENDING = frozenset({"scheduled", "queued", "started", "deferred"})
_FIELDS = ("state", "created", "step", "next_step", "next_at")


def _text(value: object) -> str:
    return value.decode() if isinstance(value, bytes) else str(value or "")


def _step_job_status(conn: redis.Redis, code: str, step: int) -> str:
    """The RQ status of a step's job: '' when there is no job record under its id."""
    job_id = hotline_keys.urgent_step_job(code, step)
    return _text(conn.hget(f"{Job.redis_job_namespace_prefix}{job_id}", "status"))


def _next_step(conn: redis.Redis, config: Settings, code: str) -> tuple[int, float] | None:
    """(the next step, when it is due) of an open, unclaimed case; None otherwise."""
    raw = conn.hmget(urgent.keys(config).case(code), _FIELDS)
    state, created, step, following, due = (_text(v) for v in raw)
    if state not in {s.value for s in urgent.UNCLAIMED} or not created:
        return None
    following_step = int(following or 0)
    if following_step < 0:
        return None  # the last resort was paged: nothing comes next
    if not step:  # step 0 has not run: it was due when the case opened
        return following_step, float(created)
    return following_step, float(due or 0.0)


def reschedule_lost_steps(conn: redis.Redis, config: Settings, now: float,
                          settle: float = jobs.MISSING_SETTLE) -> list[str]:
    """Schedule again the next step of every open, unclaimed case that has had no job for
    it since a sweep at least `settle` seconds ago; return the codes of those cases."""
    k = urgent.keys(config)
    codes = [_text(c) for c in conn.zrangebyscore(k.index, now - HORIZON, "+inf")]
    done: list[str] = []
    for code in codes:
        found = _next_step(conn, config, code)
        if found is None:
            continue
        step, due = found
        status = _step_job_status(conn, code, step)
        if status in PENDING:
            continue
        if status and status != "finished":
            continue  # failed (after its retries) or stopped: RQ's registries show it
        if status == "finished" and _next_step(conn, config, code) != found:
            continue  # it ran after the first look and moved the case on
        if not jobs.missing_long_enough(conn, k.once(code, f"missing-{step}"), now, settle):
            continue  # seen missing for the first time: maybe not enqueued yet, not lost
        if not conn.set(k.once(code, f"swept-{step}"), "1", nx=True, ex=CLAIM_TTL):
            continue  # another worker's sweep has just scheduled it
        if status == "finished":  # run it again, and let it schedule its successor again
            urgent.forget_once(conn, config, code, f"next-{step}")
        at_once = status == "finished" or due <= now
        urgent.enqueue_step(conn, code, step, 0.0 if at_once else due - now)
        urgent.note(conn, config, code, now, "rescheduled", next_step=step,
                    at_once=at_once, why="step ran, its writes lost" if status
                    else "job lost")
        log.warning("case %s: the job of step %s was %s; scheduled again%s", code, step,
                    "run but its writes lost" if status else "lost",
                    " now" if at_once else f" in {due - now:.0f} s")
        done.append(code)
    return done
