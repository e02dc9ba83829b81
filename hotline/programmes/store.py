"""Programmes in Redis: staff import them whole or one by one; everyone reads them."""

from __future__ import annotations

import json

import redis

from hotline import keys as hotline_keys
from hotline.config import Settings
from hotline.programmes.model import Programme


def save(conn: redis.Redis, config: Settings, programmes: list[Programme]) -> int:
    """Add or replace these programmes (by id); return how many were saved."""
    if programmes:
        conn.hset(hotline_keys.of(config).programmes.all,
                  mapping={p.id: json.dumps(p.to_dict(), ensure_ascii=False) for p in programmes})
    return len(programmes)


def get(conn: redis.Redis, config: Settings, programme_id: str) -> Programme | None:
    """One programme, or None."""
    raw = conn.hget(hotline_keys.of(config).programmes.all, programme_id)
    return Programme.from_dict(json.loads(raw)) if raw else None


def all_programmes(conn: redis.Redis, config: Settings) -> list[Programme]:
    """Every programme, by id."""
    raw: dict[bytes, bytes] = conn.hgetall(hotline_keys.of(config).programmes.all)  # type: ignore[assignment]
    return sorted((Programme.from_dict(json.loads(v)) for v in raw.values()), key=lambda p: p.id)


def load_if_empty(conn: redis.Redis, config: Settings, path: str) -> bool:
    """Load the programmes file when none are stored (the demo's sample); True if loaded."""
    from hotline.programmes.model import read_file

    if conn.exists(hotline_keys.of(config).programmes.all):
        return False
    return save(conn, config, read_file(path)) > 0
