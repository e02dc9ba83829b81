"""At most once: an outbound effect of a job (a page, a call, an SMS) guarded by SET NX EX.

A job may run twice: RQ retries it after an error, the recovery sweep runs it again after
its worker was killed (hotline/ops/recovery.py), or the same job was enqueued twice. The
effect's key is claimed just before sending; a second run finds it and sends nothing.
A send that fails with an error gives the claim back, so RQ's retry may send it. A worker
killed during the send keeps the claim: whether Twilio got the request cannot be known,
and a second page or call is what must not happen; the request's lease (callbacks) and
the next escalation step (urgent) reach the person instead.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import redis

from hotline import keys as hotline_keys
from hotline.config import Settings

EFFECT_TTL = 7 * 86400  # longer than any retry or recovery of the job that sends it


def _key(config: Settings, what: str) -> str:
    return hotline_keys.of(config).effect(what)


@contextmanager
def at_most_once(conn: redis.Redis, config: Settings, what: str) -> Iterator[bool]:
    """Yield True when this run should send `what` (first claim), False when it was sent.

    An exception inside the block releases the claim and propagates (RQ retries the job).
    """
    key = _key(config, what)
    if not conn.set(key, "1", nx=True, ex=EFFECT_TTL):
        yield False
        return
    try:
        yield True
    except Exception:
        conn.delete(key)
        raise


def was_done(conn: redis.Redis, config: Settings, what: str) -> bool:
    """True when `what` was claimed by an earlier run."""
    return bool(conn.exists(_key(config, what)))
