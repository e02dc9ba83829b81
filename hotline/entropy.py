"""Random bytes from the system's generator, drawn a batch at a time per thread.

os.urandom is a system call, and in a gunicorn worker a system call lets go of the
interpreter lock: with the worker's other threads waiting for it, each draw wakes one of
them, and the drawing thread often waits to get the lock back (bench/lock_handovers.py
counts these). The webhook path draws often and little: a seal's nonce (privacy/vault.py)
and a voice answer's Gather token (channels/rendered.py, channels/voice.py). Those draws
come from a pool of AT_ONCE bytes per thread instead, filled by one os.urandom call; each
byte is handed out once. A forked child (a gunicorn worker, an RQ work horse) starts with
an empty pool: it never hands out bytes its parent or a sibling may use.

Long-lived secrets (keys, passwords, codes people type) keep the `secrets` module.
"""

from __future__ import annotations

import base64
import os
import threading

AT_ONCE = 4096  # bytes drawn from the system at a time, per thread
_pools = threading.local()


def draw(size: int) -> bytes:
    """`size` random bytes (os.urandom's), never handed out before in this process."""
    pool: bytes = getattr(_pools, "pool", b"")
    at: int = getattr(_pools, "at", 0)
    if at + size > len(pool):
        pool, at = os.urandom(max(AT_ONCE, size)), 0
        _pools.pool = pool
    _pools.at = at + size
    return pool[at:at + size]


def token(size: int) -> str:
    """A URL-safe text token of `size` random bytes, as secrets.token_urlsafe(size)."""
    return base64.urlsafe_b64encode(draw(size)).rstrip(b"=").decode("ascii")


def _forget() -> None:
    _pools.pool, _pools.at = b"", 0


os.register_at_fork(after_in_child=_forget)
