"""Per-caller rate limits: a flood from one number cannot drown the queue or run up costs.

Counts live in Redis under the caller's HMAC, one key per channel and minute with a TTL,
so every web node sees the same count. Over the limit a caller gets one short answer,
then nothing until the minute is over. Volunteers are never limited.
"""

from __future__ import annotations

from enum import Enum
from typing import Any

import redis

from hotline import volunteers

WINDOW = 60  # seconds; the settings say how many messages or calls fit in one

# channel -> the setting with its limit (0 or less: no limit)
LIMITS = {"sms": "RATE_LIMIT_PER_MINUTE", "voice": "VOICE_RATE_LIMIT_PER_MINUTE"}

# The one answer over the limit: short, plain, neutral Korean.
TOO_MANY = {
    "sms": "문자가 너무 많이 왔어요. 1분 뒤에 다시 보내 주세요.",
    "voice": "전화가 너무 자주 왔어요. 1분 뒤에 다시 걸어 주세요.",
}


class Verdict(str, Enum):
    """What to do with one message or call from a caller."""

    ALLOW = "allow"  # within the limit: handle it as usual
    WARN = "warn"  # the first one over the limit: answer TOO_MANY once
    SILENT = "silent"  # over the limit and told already: no answer until the window ends


def _key(config: dict[str, Any], channel: str, caller_hash: str, window: int) -> str:
    return f"{config.get('KEY_PREFIX', 'hotline:')}rate:{channel}:{caller_hash}:{window}"


def check(conn: redis.Redis, config: dict[str, Any], channel: str, caller: str,
          caller_hash: str, now: float) -> Verdict:
    """Count one message (or call) from `caller` and say whether to handle it.

    Redis errors propagate: the webhook then answers with its fallback.
    """
    limit = int(config.get(LIMITS[channel]) or 0)
    if limit <= 0:
        return Verdict.ALLOW
    window = int(now // WINDOW)
    key = _key(config, channel, caller_hash, window)
    pipe = conn.pipeline()
    pipe.incr(key)
    pipe.expire(key, WINDOW * 2)
    return judge(conn, config, channel, caller, int(pipe.execute()[0]))


def judge(conn: redis.Redis, config: dict[str, Any], channel: str, caller: str,
          count: int, volunteer: bool | None = None) -> Verdict:
    """Say what to do with the `count`-th message (or call) of this minute from `caller`.

    `volunteer` may be given when already known; else it is looked up, only over the limit.
    """
    limit = int(config.get(LIMITS[channel]) or 0)
    if limit <= 0 or count <= limit:
        return Verdict.ALLOW
    if volunteer is None:
        volunteer = volunteers.by_phone(conn, config, caller) is not None
    if volunteer:
        return Verdict.ALLOW  # looked up only over the limit: most texts cost one round trip
    return Verdict.WARN if count == limit + 1 else Verdict.SILENT


def key(config: dict[str, Any], channel: str, caller_hash: str, now: float) -> str:
    """Return the counter of this minute for a caller on a channel."""
    return _key(config, channel, caller_hash, int(now // WINDOW))
