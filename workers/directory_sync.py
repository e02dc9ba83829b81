"""The repeating HSDS sync of the directory (`hotline directory sync URL --every 6h`):
hotline.directory.sync.run_scheduled."""

from __future__ import annotations

from hotline import job_context as context
from hotline.directory import sync as hsds_sync


def sync(url: str, chain: str, run: int) -> str:
    """Sync the directory from the HSDS API at `url`, then schedule the next run."""
    return hsds_sync.run_scheduled(context.connection(), context.config(), context.now(),
                                   url, chain, run)
