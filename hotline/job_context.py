"""What a job runs with: the worker's configuration, its Redis, the outbound transport.

The worker (hotline/ops/worker.py) or a test sets it with configure(); job functions, in
workers/ and in the domains (a directory SMS), read it. The transport is always behind
the opt-out guard.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

import redis
from rq import get_current_job

from hotline.config import Settings, environment_config, load_config
from hotline.people import volunteers
from hotline.privacy import optout
from hotline.telephony import UNSUBSCRIBED, Clock, OptedOut, Transport, scrubbed, transport_for

_state: dict[str, Any] = {}

log = logging.getLogger("hotline.jobs")


def configure(config: Settings | Mapping[str, Any], transport: Transport | None = None,
              clock: Callable[[], float] | None = None) -> None:
    """Set the configuration (and, in tests, the transport and clock) jobs run with: a
    Settings, or settings by name over the defaults (no environment), e.g. {} in tests."""
    if not isinstance(config, Settings):
        config = load_config(config, environ={})
    _state.clear()
    _state.update(config=config, transport=transport, clock=clock)


def config() -> Settings:
    """The configuration set by configure(), else read from the environment."""
    if "config" not in _state:
        _state["config"] = environment_config()
    return _state["config"]  # type: ignore[no-any-return]


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


class OptOutGuard:
    """A transport that refuses SMS to opted-out numbers (looked up by HMAC).

    Calls pass (a call back is what the caller asked for), and so do pages and texts to
    registered volunteers. When Twilio itself says the number is unsubscribed (error
    21610, e.g. a STOP the webhook never saw), the opt-out is recorded here too.
    """

    def __init__(self, inner: Transport, conn: Any, config: Settings,
                 clock: Clock | None = None):
        self.inner, self.conn, self.config, self.clock = inner, conn, config, clock

    def _refused(self, to: str) -> bool:
        return (optout.is_opted_out(self.conn, self.config, to)
                and volunteers.by_phone(self.conn, self.config, to) is None)

    def send_sms(self, to: str, body: str, *, status_callback: str | None = None) -> str:
        """Send through the inner transport; OptedOut when the number sent STOP."""
        if self._refused(to):
            raise OptedOut("the recipient opted out (STOP); no SMS sent")
        try:
            return self.inner.send_sms(to, body, status_callback=status_callback)
        except Exception as exc:  # noqa: BLE001  re-raised, only without numbers
            if getattr(exc, "code", None) != UNSUBSCRIBED:
                raise scrubbed(exc) from None
            now = self.clock() if self.clock else datetime.now(UTC).timestamp()
            optout.opt_out(self.conn, self.config, to, now)
            raise OptedOut("Twilio says the recipient unsubscribed (21610)") from None

    def call(self, to: str, *, twiml: str | None = None, url: str | None = None,
             status_callback: str | None = None) -> str:
        """Place the call through the inner transport (opt-out is about SMS only)."""
        try:
            return self.inner.call(to, twiml=twiml, url=url, status_callback=status_callback)
        except Exception as exc:  # noqa: BLE001  re-raised, only without numbers
            raise scrubbed(exc) from None


# The job a worker is handling, also while RQ logs around it (outside the job's context).
handling: ContextVar[str] = ContextVar("handling", default="-")


class JobIdFilter(logging.Filter):
    """Adds the current RQ job id to every log record as `job_id` ('-' outside a job)."""

    def filter(self, record: logging.LogRecord) -> bool:
        job = get_current_job()
        record.job_id = job.id if job is not None else handling.get()
        return True
