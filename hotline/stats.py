"""Daily figures for staff: counts only (no numbers, no message text), kept 90 days.

Redis keys (under KEY_PREFIX + "stats:"), one set per day in STATS_TIMEZONE:
  <day>                hash of counters: contact:<channel>:<language>, callback_created,
                       callback_closed:<status>, missed_call, urgent_created,
                       urgent_acked, opt_out
  <day>:callback_wait  list of seconds from a caller's request to the call that reached
                       them (capped at SAMPLE_CAP)
  <day>:urgent_ack     list of seconds from an urgent case to its ACK
Every counter change is one pipelined round trip; `add_*` queue onto a pipeline the
caller already sends, so a callback close or a case claim costs no extra trip.
"""

from __future__ import annotations

import logging
import statistics
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import redis

from hotline import keys as hotline_keys
from hotline.config import Settings

log = logging.getLogger(__name__)

TTL = 90 * 86400  # seconds a day's figures are kept
SAMPLE_CAP = 2000  # wait samples kept per day and series (enough for a median)
SAMPLES = ("callback_wait", "urgent_ack")


def day_of(config: Settings, at: float) -> str:
    """Return the day ('2026-11-25') that the instant `at` falls on in STATS_TIMEZONE."""
    zone = ZoneInfo(str(config.stats_timezone or "UTC"))
    return datetime.fromtimestamp(at, zone).date().isoformat()


def day_key(config: Settings, at: float) -> str:
    """The hash of the day's counters that `at` falls on."""
    return hotline_keys.of(config).stats_day(day_of(config, at))


def add_counts(pipe: Any, config: Settings, at: float, counts: dict[str, int],
               samples: dict[str, float] | None = None) -> None:
    """Queue counter increments (and wait samples) for the day of `at` onto `pipe`."""
    key = day_key(config, at)
    for name, amount in counts.items():
        pipe.hincrby(key, name, amount)
    pipe.expire(key, TTL)
    for series, seconds in (samples or {}).items():
        sample_key = f"{key}:{series}"
        pipe.rpush(sample_key, round(max(0.0, seconds), 1))
        pipe.ltrim(sample_key, -SAMPLE_CAP, -1)
        pipe.expire(sample_key, TTL)


def count(conn: redis.Redis, config: Settings, at: float, counts: dict[str, int],
          samples: dict[str, float] | None = None) -> None:
    """Add to the day's counters in one round trip; a failure is logged, never raised."""
    try:
        pipe = conn.pipeline(transaction=False)
        add_counts(pipe, config, at, counts, samples)
        pipe.execute()
    except redis.RedisError as exc:  # figures must never break a caller's conversation
        log.warning("figures not counted (%s)", type(exc).__name__)


def count_contact(conn: redis.Redis, config: Settings, at: float, channel: str,
                  language: str) -> None:
    """A caller began a new conversation by SMS or voice, in this language."""
    count(conn, config, at, contact_counts(channel, language))


def contact_counts(channel: str, language: str) -> dict[str, int]:
    """The counters of a new conversation (for a pipeline that adds them itself)."""
    return {f"contact:{channel}:{language or 'unknown'}": 1}


def count_missed_call(conn: redis.Redis, config: Settings, at: float) -> None:
    """A missed call became a callback request."""
    count(conn, config, at, {"missed_call": 1})


def count_opt_out(conn: redis.Redis, config: Settings, at: float) -> None:
    """A caller opted out (STOP): for the opt-out series of the figures page."""
    count(conn, config, at, {"opt_out": 1})


@dataclass
class Day:
    """One day's figures."""

    day: str
    counts: dict[str, int] = field(default_factory=dict)
    callback_wait: list[float] = field(default_factory=list)
    urgent_ack: list[float] = field(default_factory=list)

    def get(self, name: str) -> int:
        """Return one counter (0 when nothing was counted)."""
        return self.counts.get(name, 0)

    def contacts(self) -> dict[tuple[str, str], int]:
        """Return contacts by (channel, language)."""
        out: dict[tuple[str, str], int] = {}
        for name, value in self.counts.items():
            parts = name.split(":")
            if parts[0] == "contact" and len(parts) == 3:
                out[(parts[1], parts[2])] = value
        return out


def median(values: list[float]) -> float | None:
    """Return the median, or None for no values."""
    return statistics.median(values) if values else None


def days_until(config: Settings, now: float, days: int) -> list[str]:
    """Return the last `days` days up to and including today, oldest first."""
    today = date.fromisoformat(day_of(config, now))
    return [(today - timedelta(days=n)).isoformat() for n in range(days - 1, -1, -1)]


def read_days(conn: redis.Redis, config: Settings, now: float, days: int = 14) -> list[Day]:
    """Return the figures of the last `days` days (oldest first), in one round trip."""
    names = days_until(config, now, days)
    pipe = conn.pipeline(transaction=False)
    for name in names:
        key = hotline_keys.of(config).stats_day(name)
        pipe.hgetall(key)
        for series in SAMPLES:
            pipe.lrange(f"{key}:{series}", 0, -1)
    replies = pipe.execute()
    out: list[Day] = []
    step = 1 + len(SAMPLES)
    for index, name in enumerate(names):
        raw, *samples = replies[index * step:(index + 1) * step]
        counts = {k.decode(): int(v) for k, v in raw.items()}
        day = Day(name, counts)
        for series, values in zip(SAMPLES, samples):
            setattr(day, series, [float(v) for v in values])
        out.append(day)
    return out


# --- series for the figures page -------------------------------------------------------


def per_day(days: list[Day], name: str) -> list[int]:
    """One counter across the days."""
    return [day.get(name) for day in days]


def contacts_by_language(days: list[Day], channel: str) -> dict[str, list[int]]:
    """New conversations per day on one channel ('sms' or 'voice'), by language."""
    languages = sorted({lang for day in days for (ch, lang) in day.contacts() if ch == channel})
    return {lang: [day.contacts().get((channel, lang), 0) for day in days]
            for lang in languages}


def medians(days: list[Day], series: str) -> list[float | None]:
    """The median of a wait series ('callback_wait', 'urgent_ack') per day, in seconds."""
    return [median(getattr(day, series)) for day in days]


def overall_median(days: list[Day], series: str) -> float | None:
    """The median of a wait series over all the days together."""
    return median([v for day in days for v in getattr(day, series)])
