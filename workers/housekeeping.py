"""Housekeeping jobs: the retention purge, run every PURGE_INTERVAL by the RQ scheduler
(hotline.domains.purge_and_reschedule)."""

from __future__ import annotations

from rq import get_current_job

from hotline import domains
from hotline import job_context as context


def purge() -> str:
    """Enforce the retention rules (hotline.privacy.retention), then schedule the next purge."""
    current = get_current_job()
    return domains.purge_and_reschedule(context.connection(), context.config(), context.now(),
                                        current.id if current else "")
