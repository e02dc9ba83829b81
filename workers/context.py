"""What a job runs with: the worker's configuration, its Redis, the outbound transport."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from contextvars import ContextVar
from typing import Any

import redis
from rq import get_current_job

from hotline.config import load_config
from hotline.telephony import OptOutGuard, Transport, transport_for

_state: dict[str, Any] = {}

log = logging.getLogger("hotline.jobs")


def configure(config: dict[str, Any], transport: Transport | None = None,
              clock: Callable[[], float] | None = None) -> None:
    """Set the configuration (and, in tests, the transport and clock) jobs run with."""
    _state.clear()
    _state.update(config=config, transport=transport, clock=clock)


def config() -> dict[str, Any]:
    """The configuration set by configure(), else read from the environment."""
    if "config" not in _state:
        _state["config"] = environment_config()
    return _state["config"]  # type: ignore[no-any-return]


def environment_config() -> dict[str, Any]:
    """Read the configuration from the environment (demo secrets filled in demo mode)."""
    cfg = load_config()
    if cfg.get("DEMO"):
        from hotline.ops.demo import demo_config

        cfg = demo_config(cfg)
    return cfg


def connection() -> redis.Redis:
    """The Redis connection of the job being run."""
    job = get_current_job()
    if job is None:
        raise RuntimeError("not inside an RQ job")
    return job.connection


def transport() -> Transport:
    """The outbound transport (Twilio or the outbox) for this configuration, behind the
    opt-out guard: no SMS goes to a number that sent STOP."""
    if _state.get("transport") is None:
        _state["transport"] = transport_for(config(), clock=_state.get("clock"))
    return OptOutGuard(_state["transport"], connection(), config(), _state.get("clock"))


def now() -> float:
    """The current time (an injected clock in tests)."""
    clock = _state.get("clock")
    return float(clock()) if clock else time.time()


# The job a worker is handling, also while RQ logs around it (outside the job's context).
handling: ContextVar[str] = ContextVar("handling", default="-")


class JobIdFilter(logging.Filter):
    """Adds the current RQ job id to every log record as `job_id` ('-' outside a job)."""

    def filter(self, record: logging.LogRecord) -> bool:
        job = get_current_job()
        record.job_id = job.id if job is not None else handling.get()
        return True
