"""The domains that keep data about callers, handed to erasure and retention.

Each erases and purges its own data through one small interface
(hotline.privacy.domain.Keeper: `erase_caller`, `purge`), so privacy imports no domain
and no module builds another domain's keys. A new domain that keeps anything about a
caller adds its module here.
"""

from __future__ import annotations

import redis

from hotline import replay
from hotline.callbacks import erasure as callbacks
from hotline.config import Settings
from hotline.conversation import erasure as conversation
from hotline.directory import erasure as directory
from hotline.privacy import erasure, retention
from hotline.privacy.domain import Keeper
from hotline.programmes import erasure as programmes
from hotline.urgent import erasure as urgent

KEEPERS: tuple[Keeper, ...] = (conversation, callbacks, urgent, directory, programmes, replay)


def forget(conn: redis.Redis, config: Settings, number: str,
           now: float) -> erasure.Erased:
    """Erase everything kept about `number` in every domain (DELETE, `hotline forget`)."""
    return erasure.forget(conn, config, number, now, KEEPERS)


def purge(conn: redis.Redis, config: Settings, now: float) -> dict[str, int]:
    """Apply the retention rules once in every domain (`hotline purge`, the purge job)."""
    return retention.purge(conn, config, now, KEEPERS)
