"""Housekeeping jobs: the retention purge, run every PURGE_INTERVAL by the RQ scheduler."""

from __future__ import annotations

import json

from hotline import jobs, retention
from workers import context
from workers.context import log


def purge() -> str:
    """Enforce the retention rules (hotline.retention), then schedule the next purge."""
    conn, config = context.connection(), context.config()
    try:
        done = retention.purge(conn, config, context.now())
    finally:
        jobs.schedule_purge(conn, config)  # the next slot, even when this one failed
    log.info("purge finished; next one scheduled")
    return json.dumps(done, sort_keys=True)
