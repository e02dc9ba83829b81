"""Per-caller rate limits: a flood from one number cannot drown the queue or run up costs.

Counts live in Redis under the caller's HMAC, one key per channel and minute with a TTL,
so every web node sees the same count (a text or a new call is counted with its first reads, see
conversation/arrival.py). What a count means is decided by the inbound order
(conversation/order.py): urgent texts, caller words and volunteers are never limited;
over the limit a caller gets one short notice per window (claim_notice), then nothing.
"""

from __future__ import annotations

import redis

from hotline import keys as hotline_keys
from hotline.config import Settings

WINDOW = 60  # seconds; the settings say how many messages or calls fit in one

# channel -> the setting with its limit (0 or less: no limit)
LIMITS = {"sms": "rate_limit_per_minute", "voice": "voice_rate_limit_per_minute"}


def _key(config: Settings, channel: str, caller_hash: str, window: int) -> str:
    return hotline_keys.of(config).rate(channel, caller_hash, window)


def limit(config: Settings, channel: str) -> int:
    """How many texts (or calls) from one number fit in a window; 0: no limit."""
    return max(0, int(getattr(config, LIMITS[channel]) or 0))


def count(conn: redis.Redis, config: Settings, channel: str, caller_hash: str,
          now: float) -> int:
    """Count one message (or call) from a caller; return this window's count (0: no limit).

    Redis errors propagate: the webhook then answers with its fallback.
    """
    if limit(config, channel) <= 0:
        return 0
    key = _key(config, channel, caller_hash, int(now // WINDOW))
    pipe = conn.pipeline()
    pipe.incr(key)
    pipe.expire(key, WINDOW * 2)
    return int(pipe.execute()[0])


def claim_notice(conn: redis.Redis, config: Settings, channel: str, caller_hash: str,
                 now: float) -> bool:
    """True the first time in this window a caller over the limit is to be told so.

    Asked only over the limit: the normal path costs no round trip for it.
    """
    key = _key(config, channel, caller_hash, int(now // WINDOW)) + ":told"
    return bool(conn.set(key, "1", nx=True, ex=WINDOW * 2))


def key(config: Settings, channel: str, caller_hash: str, now: float) -> str:
    """Return the counter of this minute for a caller on a channel."""
    return _key(config, channel, caller_hash, int(now // WINDOW))
