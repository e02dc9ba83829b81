"""Lua scripts on Redis: each run by its SHA, packed once, on the connection its thread
keeps (one send and one receive a round trip); and the Lua shared by the scripts that open
a record once. The connection itself (Sentinel, URL, embedded) is redisdb's.

Every script's reply is waited for, writes included: a caller's next step may reach another
process, on another connection, and Redis does not run commands of different connections
in the order they were sent. A write merely sent before the answer left could still be
behind that next step's read on a busy node (tests/conversation/
test_next_step_elsewhere.py)."""

from __future__ import annotations

import os
import select
import socket
import struct
import sys
import threading
from typing import Any

import redis
from hiredis import pack_command  # redis[hiredis]: the C packer

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
# When the thread ends (the development server's thread per request), its connections go
# back to their pools (_Held.__del__): kept for ever, they were one open connection more
# to Redis per request.
HELD_POOLS = 4
_held = threading.local()


class _Held(dict[int, "_Kept"]):  # id(pool) -> one thread's kept connection
    """A thread's kept connections; given back to their pools when the thread ends (the
    thread's local values are dropped then)."""

    def __del__(self) -> None:
        for entry in list(self.values()):
            try:
                entry.connection.disconnect()  # its socket's timeouts are the kernel's
                entry.pool.release(entry.connection)
            except Exception:  # noqa: BLE001  (at interpreter exit, say)
                pass
        self.clear()


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

    __slots__ = ("buffer", "busy", "connection", "poll", "pool", "push", "reader", "sock")
    sock: Any  # None: redis-py's own send and read
    reader: Any
    buffer: Any
    push: Any
    poll: Any  # None on TCP: the state is asked instead (_tcp_open)
    busy: bool  # a command went out and its whole reply has not been read yet

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
        self.busy = False
        if plain:
            if not (_TCP_INFO and sock.family in (socket.AF_INET, socket.AF_INET6)):
                poller = select.poll()  # one per connection: a look costs one system call
                poller.register(sock, select.POLLIN)
                self.poll = poller.poll
            _kernel_timeout(sock)

    def idle(self) -> bool:
        """Nothing waiting on the connection: no reply left unread (busy, or read ahead
        into the reader), the server still there (on TCP the connection's state; else a
        closed socket polls readable), the socket still the connection's own."""
        connection = self.connection
        if self.sock is None:  # redis-py's own look (ensure_connection's)
            try:
                return connection._sock is not None and not connection.can_read(timeout=0)
            except (redis.ConnectionError, OSError):
                return False
        try:
            if connection._sock is not self.sock or self.busy or self.reader.has_data():
                return False
            if self.poll is None:
                return _tcp_open(self.sock)
            return not self.poll(0)
        except (OSError, ValueError):
            return False

    def exchange(self, packed: bytes) -> Any:
        """Send one packed command, read its reply; raise as redis-py would."""
        sock = self.sock
        if sock is None:
            self.connection.send_packed_command([packed], check_health=False)
            return self.connection.read_response()
        reader, buffer, push = self.reader, self.buffer, self.push
        self.busy = True  # until the whole reply is read: broken off, the connection goes
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
        self.busy = False
        if isinstance(reply, redis.exceptions.ReadOnlyError):
            # A primary demoted to a replica (a Sentinel failover) while this connection
            # stayed open: as redis-py's Sentinel connection does, a connection error, so
            # the connection is dropped and the next one asks for the new primary.
            raise redis.ConnectionError("The previous primary is now a replica") from reply
        if isinstance(reply, Exception):  # an error reply (ResponseError, NoScriptError)
            raise reply
        return reply


# Linux's TCP_INFO: its first byte is the connection's state (tcp_states.h), read with
# getsockopt, which keeps the interpreter lock (poll() lets go of it, even with no wait:
# in a gunicorn worker whose other threads wait for the lock, a let-go wakes one of them).
_TCP_INFO = getattr(socket, "TCP_INFO", None) if sys.platform.startswith("linux") else None
_TCP_ESTABLISHED = 1


def _tcp_open(sock: Any) -> bool:
    """The server has not closed its end (nor reset the connection): the state is still
    ESTABLISHED. A server that closed it (a restart, a client kill, an idle cut) leaves
    CLOSE_WAIT; a reset, CLOSE. Unread data cannot wait there unnoticed: a reply not read
    in full leaves the connection busy (_Kept.busy), and Redis sends nothing unasked."""
    return bool(sock.getsockopt(socket.IPPROTO_TCP, _TCP_INFO, 1)[0] == _TCP_ESTABLISHED)


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
    kept: _Held | None = getattr(_held, "kept", None)
    if kept is None:
        kept = _held.kept = _Held()
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
    inherited = getattr(_held, "kept", None)
    if inherited is not None:
        inherited.clear()  # the parent's: not given back from here
    _held.kept = _Held()


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
