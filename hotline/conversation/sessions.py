"""Where a caller is in a script, kept in Redis under the HMAC of their number.

The value is the session's JSON, sealed (AES-GCM, privacy.vault.NumberVault.seal) when
the app has an encryption key: a session may hold what the caller typed (a place name,
the words of an urgent text) for the few minutes it lives. Sessions sealed earlier with
Fernet still open.
"""

from __future__ import annotations

from typing import Any

import orjson

from hotline.config import Settings
from hotline.engine.session import Session
from hotline.keys import DEFAULT_PREFIX, keys_under, prefix
from hotline.privacy.vault import NumberVault, is_sealed, vault_for


class SessionStore:
    """Loads and saves sessions: one GET to load, one SET EX to save."""

    def __init__(self, redis: Any, prefix: str = DEFAULT_PREFIX, ttl: int = 1800,
                 vault: NumberVault | None = None):
        self.redis = redis
        self.prefix = prefix
        self.ttl = int(ttl)
        self.vault = vault

    def key(self, caller_hash: str) -> str:
        """Return the Redis key of a caller's session."""
        return keys_under(self.prefix).session(caller_hash)

    def load(self, caller_hash: str) -> Session | None:
        """Return the caller's stored session, or None (none kept, expired or unreadable)."""
        return self.parse(self.redis.get(self.key(caller_hash)))

    def parse(self, raw: bytes | str | None) -> Session | None:
        """Return the session a stored value holds, or None (none, or unreadable)."""
        if raw is None:
            return None
        if isinstance(raw, bytes) and is_sealed(raw):
            opened = self.vault.decrypt(raw) if self.vault else None
            if opened is None:
                return None  # no key opens it (rotated away): start afresh
            raw = opened
        try:
            data = orjson.loads(raw)
            return Session.from_dict(data) if isinstance(data, dict) else None
        except (ValueError, TypeError):
            return None  # a damaged value starts the caller afresh rather than failing

    def save(self, caller_hash: str, session: Session, into: Any = None) -> None:
        """Store the session; it expires after the TTL without further contact.

        `into`: a pipeline to add the write to (sent with the answer), instead of now.
        """
        stored = self.sealed(session)
        (self.redis if into is None else into).set(self.key(caller_hash), stored, ex=self.ttl)

    def sealed(self, session: Session) -> str:
        """Return the value a session is stored as (its JSON, encrypted with a key).

        orjson's compact UTF-8 JSON: the bytes json.dumps(value, ensure_ascii=False,
        separators=(",", ":")) made before, in a fifth of the time; either reads the other's."""
        value = orjson.dumps(session.to_dict())
        return self.vault.seal(value) if self.vault else value.decode()


def store_for(redis: Any, config: Settings) -> SessionStore:
    """The session store over `redis` with the settings' key prefix, lifetime and vault."""
    key = config.encryption_key
    return SessionStore(redis, prefix(config), config.session_ttl,
                        vault_for(key) if key else None)
