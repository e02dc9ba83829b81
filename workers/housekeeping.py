"""Housekeeping jobs: the retention purge, run every PURGE_INTERVAL by the RQ scheduler."""

from __future__ import annotations

import json

from rq import get_current_job

from hotline import domains, jobs
from hotline import job_context as context
from hotline.job_context import log


def purge() -> str:
    """Enforce the retention rules (hotline.privacy.retention), then schedule the next purge."""
    conn, config = context.connection(), context.config()
    current = get_current_job()
    try:
        done = domains.purge(conn, config, context.now())
    finally:  # the next slot comes even when this purge failed
        jobs.schedule_purge(conn, config, after=current.id if current else "")
    log.info("purge finished; next one scheduled")
    return json.dumps(done, sort_keys=True)
