"""Running totals for Prometheus (pages sent, escalations, job failures, directory syncs).

One Redis hash, `<prefix>metrics`, without a TTL: running totals, as Prometheus counters
are. The domains add to it (an urgent page, an HSDS sync); hotline.ops.metrics reads it
at scrape time.
"""

from __future__ import annotations

import logging

import redis

from hotline import keys as hotline_keys
from hotline.config import Settings

log = logging.getLogger("hotline.ops.metrics")

PAGES_SENT = "pages_sent"
ESCALATIONS = "escalations"
JOB_FAILURES = "job_failures"  # field per queue: job_failures:<queue>
DIRECTORY_SYNCS = "directory_syncs"  # HSDS syncs that loaded
DIRECTORY_SYNC_FAILURES = "directory_sync_failures"  # HSDS syncs that changed nothing


def key(config: Settings) -> str:
    """Return the hash of running totals."""
    return hotline_keys.of(config).metrics


def count(conn: redis.Redis, config: Settings, name: str, amount: int = 1) -> None:
    """Add to a running total; a failure is logged, never raised (figures must not break
    a page or a job)."""
    try:
        conn.hincrby(key(config), name, amount)
    except redis.RedisError as exc:
        log.warning("metric %s not counted (%s)", name, type(exc).__name__)
