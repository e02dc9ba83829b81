"""Start an RQ worker (with its scheduler) on the hotline's queues, urgent first."""

from __future__ import annotations

import logging
from typing import Any

from rq import Worker

from hotline import logs
from hotline.jobs import QUEUES, schedule_purge
from hotline.redisdb import connect
from workers import context

LOG_FORMAT = "%(message)s"  # rq's own format, unused: our structured handler is set first


class HotlineWorker(Worker):
    """RQ's worker, noting which job it handles so its own log lines carry the id too.

    It logs job ids, never job descriptions (a description repeats the job's arguments).
    """

    log_job_description = False

    def execute_job(self, job: Any, queue: Any) -> Any:
        token = context.handling.set(job.id)
        try:
            return super().execute_job(job, queue)
        finally:
            context.handling.reset(token)


def setup_logging(level: int | str = logging.INFO, style: str = "json") -> None:
    """Structured lines (hotline.logs), each with the current job id; rq's loggers too."""
    logs.configure(level, style, filters=(context.JobIdFilter(),))


def start(config: dict[str, Any], burst: bool = False) -> bool:
    """Run a worker on urgent, callbacks, default until stopped (or, with burst, idle).

    It first makes sure the next retention purge is scheduled (one per time slot, however
    many workers start).
    """
    context.configure(config)
    setup_logging(str(config.get("LOG_LEVEL") or "INFO").upper(),
                  str(config.get("LOG_FORMAT") or "json"))
    conn = connect(config)
    schedule_purge(conn, config)
    worker = HotlineWorker(list(QUEUES), connection=conn, log_job_description=False)
    return worker.work(burst=burst, with_scheduler=True,
                       logging_level=str(config.get("LOG_LEVEL") or "INFO").upper(),
                       log_format=LOG_FORMAT)
