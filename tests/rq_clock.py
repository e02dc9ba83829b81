"""Move RQ's schedule with a test's injected clock, so no test sleeps out a delay.

RQ's scheduler reads the wall clock: a job enqueued with `enqueue_in(delay)` (the next
escalation level after its ACK timeout) falls due after `delay` real seconds. A test that
advances its injected clock by N seconds moves every scheduled job N seconds earlier with
`advance_schedules(conn, N)`; the next burst worker run with the scheduler then runs what
has fallen due, as a real worker would after waiting. Jobs still run in a real RQ worker.
"""

from __future__ import annotations

import redis
from rq.registry import ScheduledJobRegistry

from hotline import jobs


def advance_schedules(conn: redis.Redis, seconds: float) -> None:
    """Bring every job scheduled on the hotline's queues `seconds` nearer to now."""
    for name in jobs.QUEUES:
        key = ScheduledJobRegistry(name, connection=conn).key
        scheduled = conn.zrange(key, 0, -1, withscores=True)
        if scheduled:
            conn.zadd(key, {job_id: at - seconds for job_id, at in scheduled})
