"""The access log: who opened which case's words, who took, passed or closed which case or
call back, and every staff change to scripts, rota, directory and accounts.

One sorted set (`access`, scored by time) of small JSON entries: when, who (an account or
volunteer name, or "cli"), what (an ACTIONS name) and about what (a case code, a request
id, a volunteer's or account's name, a script version: never a caller's number or words).
Entries older than the retention period (RETENTION_DAYS) are dropped at every write and
by the retention purge (this module is a Keeper of hotline.domains); the set also expires
a retention period after its last write.
"""

from __future__ import annotations

import json
import secrets
import time
from dataclasses import dataclass
from datetime import UTC, datetime

import redis

from hotline import keys as hotline_keys
from hotline.config import Settings
from hotline.privacy.domain import Caller, Erased

DAY = 86400
MAX_SHOWN = 500  # entries a page shows at most
SCANNED = 5000  # newest entries read when filtering by person
SEEN_SECONDS = 3600  # a case's words opened again within this is not logged again

# What an entry may say happened (the page shows these names).
ACTIONS = (
    "case_words_opened", "case_taken", "case_passed", "case_closed",
    "callback_taken", "callback_closed", "callback_outcome",
    "script_published", "script_rolled_back", "directory_changed",
    "volunteer_changed", "rota_changed", "account_changed", "second_factor_reset",
    "second_factor_enrolled",
)


@dataclass(frozen=True)
class Entry:
    """One line of the access log."""

    at: float
    who: str
    action: str
    target: str
    via: str = "web"

    @property
    def when(self) -> str:
        """The time in UTC, to the second."""
        return datetime.fromtimestamp(self.at, UTC).strftime("%Y-%m-%d %H:%M:%S")


def _retention(config: Settings) -> float:
    days = config.retention_days
    return float(7 if days is None else days) * DAY


def record(conn: redis.Redis, config: Settings, who: str, action: str, target: str,
           now: float, via: str = "web") -> None:
    """Write one entry (and drop those past the retention period)."""
    if action not in ACTIONS:
        raise ValueError(f"unknown access-log action {action!r}")
    key = hotline_keys.of(config).access_log
    entry = json.dumps({"at": now, "who": who[:64], "action": action,
                        "target": str(target)[:80], "via": via, "n": secrets.token_hex(4)},
                       ensure_ascii=False, separators=(",", ":"))
    keep = _retention(config)
    pipe = conn.pipeline()
    pipe.zadd(key, {entry: now})
    pipe.zremrangebyscore(key, "-inf", f"({now - keep}")
    pipe.expire(key, max(1, int(keep)))
    pipe.execute()


def by_cli(conn: redis.Redis, config: Settings, action: str, target: str,
           who: str = "cli") -> None:
    """Write an entry for a change made with the `hotline` command (now, via "cli")."""
    record(conn, config, who, action, target, time.time(), via="cli")


def words_opened(conn: redis.Redis, config: Settings, who: str, code: str,
                 now: float) -> None:
    """Log that `who` was shown case `code`'s words, once an hour per person and case
    (the urgent page polls every few seconds)."""
    seen = hotline_keys.of(config).access_seen(f"{who.casefold()[:64]}:{code}")
    if conn.set(seen, "", nx=True, ex=SEEN_SECONDS):
        record(conn, config, who, "case_words_opened", code, now)


def entries(conn: redis.Redis, config: Settings, person: str = "",
            limit: int = MAX_SHOWN) -> list[Entry]:
    """The newest entries first; only those of `person` (any case) when given."""
    key = hotline_keys.of(config).access_log
    raw: list[bytes] = conn.zrevrange(key, 0, (SCANNED if person else limit) - 1)  # type: ignore[assignment]
    wanted = person.strip().casefold()
    found: list[Entry] = []
    for item in raw:
        data = json.loads(item)
        if wanted and str(data.get("who", "")).casefold() != wanted:
            continue
        found.append(Entry(float(data["at"]), str(data["who"]), str(data["action"]),
                           str(data["target"]), str(data.get("via", "web"))))
        if len(found) >= limit:
            break
    return found


def people(conn: redis.Redis, config: Settings) -> list[str]:
    """Everyone who has an entry, by name (for the page's filter)."""
    return sorted({e.who for e in entries(conn, config, limit=SCANNED)}, key=str.casefold)


# --- the erase/purge interface (hotline.privacy.domain.Keeper) ---------------------------


def erase_caller(conn: redis.Redis, config: Settings, caller: Caller,
                 now: float) -> Erased:
    """Nothing to erase: the log names cases by code, never by a caller's number."""
    return Erased()


def purge(conn: redis.Redis, config: Settings, now: float,
          cutoff: float) -> dict[str, int]:
    """Drop entries older than the retention period."""
    key = hotline_keys.of(config).access_log
    dropped = int(conn.zremrangebyscore(key, "-inf", f"({cutoff}"))
    return {"access_log_dropped": dropped}
