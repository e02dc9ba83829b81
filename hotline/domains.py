"""The domains that keep data about callers, handed to erasure and retention.

Each erases and purges its own data through one small interface
(hotline.privacy.domain.Keeper: `erase_caller`, `purge`), so privacy imports no domain
and no module builds another domain's keys. A new domain that keeps anything about a
caller adds its module here.
"""

from __future__ import annotations

import json
import logging

import redis

from hotline import jobs, replay
from hotline.callbacks import erasure as callbacks
from hotline.config import Settings
from hotline.conversation import erasure as conversation
from hotline.directory import erasure as directory
from hotline.people import access_log
from hotline.privacy import erasure, retention
from hotline.privacy.domain import Keeper
from hotline.programmes import erasure as programmes
from hotline.urgent import erasure as urgent

log = logging.getLogger("hotline.jobs")

KEEPERS: tuple[Keeper, ...] = (conversation, callbacks, urgent, directory, programmes, replay,
                               access_log)


def forget(conn: redis.Redis, config: Settings, number: str,
           now: float) -> erasure.Erased:
    """Erase everything kept about `number` in every domain (DELETE, `hotline forget`)."""
    return erasure.forget(conn, config, number, now, KEEPERS)


def purge(conn: redis.Redis, config: Settings, now: float) -> dict[str, int]:
    """Apply the retention rules once in every domain (`hotline purge`, the purge job)."""
    return retention.purge(conn, config, now, KEEPERS)


def purge_and_reschedule(conn: redis.Redis, config: Settings, now: float,
                         job_id: str = "") -> str:
    """The purge job (workers.housekeeping.purge): purge() once, then schedule the next
    purge after job `job_id`, even when this one failed; the counts as JSON."""
    try:
        done = purge(conn, config, now)
    finally:  # the next slot comes even when this purge failed
        jobs.schedule_purge(conn, config, after=job_id)
    log.info("purge finished; next one scheduled")
    return json.dumps(done, sort_keys=True)
