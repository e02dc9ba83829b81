"""What a domain that keeps data about callers implements, so erasure and retention reach
that data without knowing its keys: `erase_caller` (DELETE, `hotline forget`) and `purge`
(the retention rules). The list of such domains is made in hotline/domains.py and handed
to privacy.erasure and privacy.retention; privacy imports no domain.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

import redis

from hotline.config import Settings


@dataclass(frozen=True)
class Caller:
    """Whom an erasure is about: the number (E.164 when it is one) and every HMAC the
    hotline may keep it under."""

    number: str
    hashes: frozenset[str]


@dataclass
class Erased:
    """What one domain erased: counts by name (the fields of privacy.erasure.Erased), the
    RQ jobs to delete (ids and id prefixes), and words that mark an outbox line as about
    the caller (an urgent case's code)."""

    counts: dict[str, int] = field(default_factory=dict)
    job_prefixes: list[str] = field(default_factory=list)
    job_ids: list[str] = field(default_factory=list)
    mentions: set[str] = field(default_factory=set)


class Keeper(Protocol):
    """A domain module that keeps data about callers."""

    def erase_caller(self, conn: redis.Redis, config: Settings, caller: Caller,
                     now: float) -> Erased:
        """Delete everything this domain keeps about the caller."""
        ...  # pragma: no cover

    def purge(self, conn: redis.Redis, config: Settings, now: float,
              cutoff: float) -> dict[str, int]:
        """Apply the retention rules (records closed before `cutoff` keep counts only);
        return counts by name."""
        ...  # pragma: no cover
