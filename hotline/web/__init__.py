"""The web side: what the blueprints share (Redis, sessions, scripts, capabilities, clock)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import redis
from flask import current_app

from hotline import domains
from hotline import keys as hotline_keys
from hotline.config import Settings
from hotline.conversation import pipeline
from hotline.conversation.capabilities import Capabilities
from hotline.conversation.sessions import SessionStore
from hotline.privacy.vault import caller_hash, log_id, vault_for
from hotline.redisdb import connect
from hotline.scripts.scriptset import ScriptSet


class Runtime:
    """The app's running parts. Redis is connected on first use, never at start."""

    def __init__(self, config: Settings):
        self.config = config  # read once at start; never changes while the app runs
        self.clock: Callable[[], float] = config.clock or time.time
        self.scripts = ScriptSet({})
        self.capabilities = Capabilities()
        self._redis: redis.Redis | None = None
        self._lock = threading.Lock()

    @property
    def redis(self) -> redis.Redis:
        """Return the Redis client (made on first use; its pool reconnects by itself)."""
        if self._redis is None:
            with self._lock:
                if self._redis is None:
                    self._redis = connect(self.config, fast=True)
        return self._redis

    @property
    def sessions(self) -> SessionStore:
        """Return the session store over this app's Redis (the vault is made once a process)."""
        key = self.config.encryption_key
        return SessionStore(self.redis, hotline_keys.prefix(self.config), self.config.session_ttl,
                            vault_for(key) if key else None)

    def context(self) -> pipeline.Context:
        """What the inbound pipeline works with for one delivery, at the request's time."""
        return pipeline.Context(self.redis, self.config, self.scripts, self.sessions,
                                self.capabilities, self.clock(), domains.forget)

    def caller_hash(self, number: str) -> str:
        """Return the HMAC that stands for a caller number in Redis (privacy.vault's)."""
        return caller_hash(self.config, number)

    def log_id(self, number: str) -> str:
        """Return the short id that stands for a caller in logs."""
        return log_id(str(self.config.secret_key), number)


def runtime() -> Runtime:
    """Return the Runtime of the current app."""
    result: Runtime = current_app.extensions["hotline"]
    return result
