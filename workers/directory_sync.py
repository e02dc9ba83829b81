"""The repeating HSDS sync of the directory (`hotline directory sync URL --every 6h`)."""

from __future__ import annotations

import json

import redis

from hotline import job_context as context
from hotline import jobs
from hotline import keys as hotline_keys
from hotline.directory import sync as hsds_sync
from hotline.directory.rows import ImportFileError
from hotline.directory.taxonomy import load_map
from hotline.job_context import log
from hotline.ops import metrics


def sync(url: str, chain: str, run: int) -> str:
    """Sync the directory from the HSDS API at `url`, then schedule the next run.

    A run whose schedule was replaced or stopped does nothing. A failing API changes
    nothing; it is logged and counted (hotline_directory_sync_failures_total)."""
    conn, config = context.connection(), context.config()
    prefix = hotline_keys.prefix(config)
    schedule = hsds_sync.schedule_of(conn, prefix, url)
    if schedule.get("chain") != chain:
        log.info("directory sync %s: schedule replaced or stopped; not run", chain)
        return "stopped"
    try:
        try:
            report = hsds_sync.sync_source(conn, prefix, url,
                                           load_map(config.hsds_category_map))
        except (hsds_sync.SyncError, ImportFileError, redis.RedisError) as exc:
            metrics.count(conn, config, metrics.DIRECTORY_SYNC_FAILURES)
            hsds_sync.record_outcome(conn, prefix, url, error=str(exc)[:300])
            log.warning("directory sync %s failed; directory unchanged: %s", url, exc)
            return json.dumps({"ok": False, "error": str(exc)})
        metrics.count(conn, config, metrics.DIRECTORY_SYNCS)
        hsds_sync.record_outcome(conn, prefix, url)
        stored = report.stored
        log.info("directory sync %s: %d pages, %d loaded (%d new, %d updated, %d removed), "
                 "%d rejected, %d warnings", url, report.pages, len(report.read.entries),
                 stored.added, stored.updated, stored.removed, len(report.read.rejected),
                 len(report.read.warnings))
        return json.dumps({"ok": True, "loaded": len(report.read.entries),
                           "added": stored.added, "updated": stored.updated,
                           "removed": stored.removed, "rejected": len(report.read.rejected)})
    finally:  # the next run comes even when this one failed
        every = int(schedule.get("every") or 0)
        if every > 0:
            jobs.schedule_directory_sync(conn, url, hsds_sync.url_key(url), chain, run + 1,
                                         at=context.now() + every)
