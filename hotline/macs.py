"""HMACs of short messages under a few long-lived keys (the Twilio token, the secret key).

`hmac.digest()` lets go of the interpreter lock around OpenSSL for every call, however
short the message (CPython's _hashlib does so unconditionally for its one-shot HMAC). In
a gunicorn worker whose other threads wait for the lock, each let-go wakes one of them
and can cost the process a task switch or two: a webhook's two HMACs were two of the 9
let-goes it made beyond the framework floor's (bench/analysis.md, twelfth pass). An HMAC
object keyed once and copied per message keeps the lock (hashlib lets go of it only for
messages of 2 KiB and more) and skips the key's set-up (its inner and outer pads) besides.
The bytes are hmac.digest()'s (tests/test_macs.py).
"""

from __future__ import annotations

import functools
import hmac


@functools.lru_cache(maxsize=16)
def _keyed(key: bytes, algorithm: str) -> hmac.HMAC:
    """An HMAC with `key` and nothing fed yet: the copy each message starts from (read
    only once made, so threads share it)."""
    return hmac.new(key, digestmod=algorithm)


def digest(key: bytes, message: bytes, algorithm: str) -> bytes:
    """hmac.digest(key, message, algorithm), without handing over the interpreter lock."""
    mac = _keyed(key, algorithm).copy()
    mac.update(message)
    return mac.digest()
