"""Start an RQ worker (with its scheduler) on the hotline's queues, urgent first."""

from __future__ import annotations

import logging
from typing import Any

from rq import Worker

from hotline import metrics
from hotline.jobs import QUEUES
from hotline.redisdb import connect
from workers import context

LOG_FORMAT = "%(asctime)s %(levelname)s [job %(job_id)s] %(name)s: %(message)s"


class HotlineWorker(Worker):
    """RQ's worker, noting which job it handles so its own log lines carry the id too."""

    def execute_job(self, job: Any, queue: Any) -> Any:
        token = context.handling.set(job.id)
        try:
            return super().execute_job(job, queue)
        finally:
            context.handling.reset(token)


def setup_logging(level: int = logging.INFO) -> None:
    """Log every line with the current job id; rq's own loggers included."""
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter(LOG_FORMAT))
    handler.addFilter(context.JobIdFilter())
    for name in ("rq", "hotline", "workers"):
        logger = logging.getLogger(name)
        logger.handlers[:] = [handler]
        logger.setLevel(level)
        logger.propagate = False


def start(config: dict[str, Any], burst: bool = False, queues: list[str] | None = None) -> bool:
    """Run a worker on urgent, callbacks, default (or the queues given) until stopped (or,
    with burst, idle)."""
    context.configure(config)
    setup_logging()
    conn = connect(config)
    worker = HotlineWorker(list(queues or QUEUES), connection=conn)
    worker.push_exc_handler(metrics.count_job_failure)  # counted, then RQ's own handling
    return worker.work(burst=burst, with_scheduler=True, logging_level="INFO",
                       log_format=LOG_FORMAT)
