"""Every web node follows the current script version, without a restart.

Before a request, at most once per SCRIPTS_REFRESH seconds (default 1) per process, the
node reads the current version number from Redis (one GET). When it changed, the node
loads that version, compiles it once and swaps it into the ScriptSet; requests already
running keep the Script they got. When Redis is down or the stored version does not
compile, the node keeps answering with the last good scripts.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

import redis
from flask import Flask, current_app

from hotline.engine.loader import ScriptError
from hotline.scripts import versions as script_versions

log = logging.getLogger(__name__)
EXTENSION = "live_scripts"


class LiveScripts:
    """Keeps one app's ScriptSet on the current published version."""

    def __init__(self, runtime: Any, interval: float = 1.0):
        self.runtime = runtime
        self.interval = float(interval)
        self.version = 0  # 0: the files of SCRIPTS_DIR, loaded at start
        self._next_check = float("-inf")
        self._bad: int | None = None  # a stored version that did not compile: not retried
        self._lock = threading.Lock()

    def refresh(self) -> None:
        """Swap in the current version if it changed; never raises, never waits on a lock."""
        now = float(self.runtime.clock())
        if now < self._next_check or not self._lock.acquire(blocking=False):
            return
        try:
            if now < self._next_check:
                return
            self._next_check = now + self.interval
            self._follow()
        finally:
            self._lock.release()

    def check_soon(self) -> None:
        """Check on the next request (this process just published)."""
        self._next_check = float("-inf")

    def _follow(self) -> None:
        config = self.runtime.config
        try:
            number = script_versions.current_number(self.runtime.redis, config)
            if number in (0, self.version, self._bad):
                return
            version = script_versions.get(self.runtime.redis, config, number)
        except (redis.RedisError, OSError) as exc:
            log.warning("script version check failed (%s); still answering with version %s",
                        type(exc).__name__, self.version)
            return
        if version is None:
            return
        try:
            scripts = script_versions.compile_texts(version.texts)
        except ScriptError as exc:
            self._bad = number
            log.error("script version %s does not load (%s); still answering with version %s",
                      number, exc.problems[0] if exc.problems else "?", self.version)
            return
        self.runtime.scripts.replace(scripts)
        self.version = number
        log.info("now answering with script version %s", number)


def init_app(app: Flask) -> None:
    """Follow the published versions before each request of this app."""
    runtime = app.extensions["hotline"]
    live = LiveScripts(runtime, runtime.config.scripts_refresh)
    app.extensions[EXTENSION] = live
    app.before_request(live.refresh)


def published() -> None:
    """Tell this process's follower that a version was just published here."""
    live: LiveScripts | None = current_app.extensions.get(EXTENSION)
    if live is not None:
        live.check_soon()


def live_version() -> int:
    """Return the script version this process answers with (0: the files)."""
    live: LiveScripts | None = current_app.extensions.get(EXTENSION)
    return live.version if live else 0
