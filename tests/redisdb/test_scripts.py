"""Lua scripts run by hotline.lua: packed once and sent on a pooled connection.

What the webhooks rely on: the right reply, a script the server has forgotten (a
restart, a new primary) loaded again, a script's own error raised as it is, arguments
redis-py would refuse refused the same way, and no retry on a webhook's client when
Redis is gone (the caller gets the fallback at once) while a worker's client retries.
"""

from __future__ import annotations

import socket
import threading
import time

import pytest
import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

from hotline.config import Settings
from hotline.lua import lua
from hotline.redisdb import connect
from tests.redis_proxy import RedisProxy

ECHO = "return {KEYS[1], ARGV[1], ARGV[2], ARGV[3], #ARGV}"
COUNT = "return redis.call('INCRBY', KEYS[1], ARGV[1])"


def test_a_script_gets_its_keys_and_every_kind_of_argument(redis_conn):
    run = lua(redis_conn, ECHO)
    assert run(["k:1"], ["다시 전화", 3, 2.5]) == [b"k:1", "다시 전화".encode(), b"3", b"2.5", 3]
    assert run(["k:1"], [b"\x00\xff", 10**20, 1775000000.123456]) == [
        b"k:1", b"\x00\xff", b"100000000000000000000", b"1775000000.123456", 3]


def test_a_script_the_server_forgot_is_loaded_again(redis_conn):
    key = "test:scripts:count"
    redis_conn.delete(key)
    run = lua(redis_conn, COUNT)
    assert run([key], [2]) == 2
    redis_conn.script_flush()  # as after a restart, or on a newly promoted primary
    assert run([key], [3]) == 5
    assert redis_conn.get(key) == b"5"  # the flushed try did not write twice


def test_a_script_error_and_a_bad_argument_are_raised_and_the_connection_stays_good(
        redis_conn):
    with pytest.raises(redis.ResponseError, match="Wrong number of args"):
        lua(redis_conn, "return redis.call('INCR', KEYS[1], 3)")(["test:scripts:x"], [])
    with pytest.raises(redis.DataError):
        lua(redis_conn, ECHO)(["k"], [None, "", ""])
    with pytest.raises(redis.DataError):
        lua(redis_conn, ECHO)(["k"], [True, "", ""])
    # Nothing is left half-read on the pooled connections: the next reply is the right one.
    for n in range(5):
        assert lua(redis_conn, ECHO)(["k"], [f"n{n}", "", ""])[1] == f"n{n}".encode()


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_a_webhooks_client_fails_at_once_when_redis_is_gone():
    config = Settings(redis_url=f"redis://127.0.0.1:{_closed_port()}/0", redis_timeout=0.3)
    started = time.monotonic()
    with pytest.raises(redis.ConnectionError):
        lua(connect(config, fast=True), COUNT)(["k"], [1])
    assert time.monotonic() - started < 1.0


class _Listener:
    """A TCP server that accepts a connection and says nothing (a hung Redis)."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.port = int(self.sock.getsockname()[1])

    def close(self) -> None:
        self.sock.close()


def test_a_hung_redis_times_out_within_the_webhooks_timeout_and_no_retry_follows():
    hung = _Listener()
    try:
        config = Settings(redis_url=f"redis://127.0.0.1:{hung.port}/0", redis_timeout=0.3)
        conn = connect(config, fast=True)
        started = time.monotonic()
        with pytest.raises(redis.TimeoutError):
            lua(conn, COUNT)(["k"], [1])
        waited = time.monotonic() - started
        assert 0.25 <= waited < 0.6  # one timeout, not one per retry
    finally:
        hung.close()


class _DroppingProxy(RedisProxy):
    """Forwards to the real Redis, but closes the first connection that sends an EVALSHA,
    once the command is read and before it reaches Redis (a connection lost mid-command:
    a restart, a failover, a load balancer's idle cut)."""

    def __init__(self, redis_url: str) -> None:
        super().__init__(redis_url)
        self.armed = False
        self.dropped = 0
        self.hang = False  # True: the next EVALSHA is swallowed, the connection left open
        self.swallowed = 0
        self.readonly = False  # True: the next EVALSHA is answered READONLY (a replica)

    def upstream(self, data: bytes, client: socket.socket, server: socket.socket) -> bool:
        if b"EVALSHA" not in data:
            return True
        if self.readonly:
            self.readonly = False
            client.sendall(b"-READONLY You can't write against a read only replica.\r\n")
            return False
        if self.hang:
            self.hang = False
            self.swallowed += 1
            return False  # Redis never sees it: no reply comes (a hung server)
        if self.armed:
            self.armed = False
            self.dropped += 1
            client.close()
            server.close()
            return False
        return True


@pytest.fixture()
def proxy(redis_url):
    found = _DroppingProxy(redis_url)
    yield found, found.url()
    found.close()


def _webhook_client_through(redis_conn, url, key, timeout=2.0):
    """A webhook's client (no retries) talking through the proxy, with `key` cleared."""
    redis_conn.delete(key)
    return connect(Settings(redis_url=url, redis_timeout=timeout), fast=True)


def test_a_connection_lost_mid_script_is_tried_again_by_a_retrying_client(redis_conn, proxy):
    dropping, url = proxy
    key = "test:scripts:retry"
    redis_conn.delete(key)
    # A worker's client under Sentinel retries (redisdb.connect); so does this one.
    conn = redis.Redis.from_url(url, socket_timeout=2, retry=Retry(NoBackoff(), 2))
    lua(conn, "return 1")([], [])  # loaded on the server (through EVAL on first use)
    dropping.armed = True
    assert lua(conn, COUNT)([key], [1]) == 1
    assert dropping.dropped == 1  # the first try was cut, the retry went through


def test_a_connection_lost_mid_script_is_not_tried_again_by_a_webhooks_client(
        redis_conn, proxy):
    dropping, url = proxy
    key = "test:scripts:noretry"
    conn = _webhook_client_through(redis_conn, url, key)
    lua(conn, "return 1")([], [])
    dropping.armed = True
    with pytest.raises(redis.ConnectionError):
        lua(conn, COUNT)([key], [1])
    assert dropping.dropped == 1 and redis_conn.get(key) is None
    assert lua(conn, COUNT)([key], [1]) == 1  # the next webhook's command goes through


def test_a_script_with_no_reply_times_out_on_a_kept_connection_and_the_next_goes_through(
        redis_conn, proxy):
    # The kept connection's socket waits with the kernel's timeout (SO_RCVTIMEO), not
    # Python's: a server that stops answering still costs a webhook one timeout, no more.
    hanging, url = proxy
    key = "test:scripts:hang"
    conn = _webhook_client_through(redis_conn, url, key, timeout=0.3)
    assert lua(conn, COUNT)([key], [1]) == 1  # connected, the connection kept
    hanging.hang = True
    started = time.monotonic()
    with pytest.raises(redis.TimeoutError):
        lua(conn, COUNT)([key], [1])
    waited = time.monotonic() - started
    assert hanging.swallowed == 1 and 0.25 <= waited < 0.6
    assert lua(conn, COUNT)([key], [1]) == 2  # a fresh connection; the lost command never ran


def test_a_primary_demoted_to_a_replica_costs_one_answer_and_the_connection(redis_conn, proxy):
    # A Sentinel failover can leave this connection open to the old primary, now a
    # replica: its READONLY is a connection error (as redis-py's Sentinel connection makes
    # it), the kept connection goes, and the next script takes a fresh one.
    demoted, url = proxy
    key = "test:scripts:readonly"
    conn = _webhook_client_through(redis_conn, url, key)
    assert lua(conn, COUNT)([key], [1]) == 1
    connections = demoted.accepted
    demoted.readonly = True
    with pytest.raises(redis.ConnectionError, match="replica"):
        lua(conn, COUNT)([key], [1])
    assert lua(conn, COUNT)([key], [1]) == 2
    assert demoted.accepted == connections + 1  # on a new connection


# --- the connection a thread keeps for its scripts ------------------------------------------

def _webhook_client(redis_url):
    return redis.Redis.from_url(redis_url, socket_timeout=2, retry=Retry(NoBackoff(), 0))


def test_a_kept_connection_the_server_closed_is_replaced_before_a_webhook_uses_it(
        redis_conn, redis_url):
    # A Redis restart, a load balancer's idle cut: the webhook's client does not retry, so
    # a dead connection taken as it is would give a caller the fallback.
    conn = _webhook_client(redis_url)
    run = lua(conn, ECHO)
    assert run(["k"], ["a", "", ""])[1] == b"a"
    kept = next(iter(conn.connection_pool._in_use_connections))
    kept.send_command("CLIENT", "ID")
    assert redis_conn.client_kill_filter(_id=kept.read_response()) == 1
    time.sleep(0.05)  # the server has closed its end
    for n in range(3):
        assert run(["k"], [f"n{n}", "", ""])[1] == f"n{n}".encode()


class _JobTimeout(Exception):
    """As RQ's job timeout: an ordinary exception, not one a connection retries on."""


@pytest.mark.parametrize("interruption", [KeyboardInterrupt, _JobTimeout],
                         ids=["interrupt", "job-timeout"])
def test_a_command_broken_off_before_its_reply_leaves_no_reply_for_the_next(
        redis_url, monkeypatch, interruption):
    # An interrupt drops the connection on the spot. A job's time-out is an ordinary
    # exception, not a connection error: the connection stays, and the look before its
    # next use must find it mid-reply (on TCP no poll() sees the reply waiting there,
    # only the connection's own record that it went unread).
    conn = _webhook_client(redis_url)
    run = lua(conn, ECHO)
    assert run(["k"], ["first", "", ""])[1] == b"first"
    real = socket.socket.recv_into
    calls = {"n": 0}

    def interrupted(self, *args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 1:  # after the command went out, before its reply was read
            time.sleep(0.05)  # the reply is in by now, unread
            raise interruption
        return real(self, *args, **kwargs)

    monkeypatch.setattr(socket.socket, "recv_into", interrupted)
    with pytest.raises(interruption):
        run(["k"], ["lost", "", ""])
    assert [run(["k"], [f"next{n}", "", ""])[1] for n in range(3)] == [
        b"next0", b"next1", b"next2"]  # never the reply to "lost"


def test_a_forked_child_does_not_talk_on_its_parents_kept_connection(redis_url):
    import multiprocessing

    conn = _webhook_client(redis_url)
    run = lua(conn, ECHO)
    assert run(["k"], ["parent", "", ""])[1] == b"parent"  # kept by this thread
    mine = next(iter(conn.connection_pool._in_use_connections))

    def child(queue):
        replies = [lua(conn, ECHO)(["k"], [f"child{n}", "", ""])[1] for n in range(20)]
        theirs = next(iter(conn.connection_pool._in_use_connections), None)
        queue.put((replies, theirs is not None and theirs._sock is not None
                   and theirs._sock.fileno() == mine._sock.fileno()
                   and theirs is mine))

    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    process = context.Process(target=child, args=(queue,))
    process.start()
    for n in range(20):  # the parent goes on meanwhile, on its own connection
        assert run(["k"], [f"parent{n}", "", ""])[1] == f"parent{n}".encode()
    replies, shared = queue.get(timeout=20)
    process.join(20)
    assert replies == [f"child{n}".encode() for n in range(20)]
    assert not shared


def test_a_thread_that_ends_gives_its_connection_back(redis_conn, redis_url):
    # The development server (`hotline serve`) answers each request on a thread of its own:
    # a connection kept for ever by each was one more open connection to Redis a request.
    conn = _webhook_client(redis_url)
    key = "test:scripts:threads"
    assert lua(conn, COUNT)([key], [1]) == 1
    before = len(redis_conn.client_list())

    def request():
        lua(conn, COUNT)([key], [1])

    for _ in range(20):
        thread = threading.Thread(target=request)
        thread.start()
        thread.join()
    assert len(redis_conn.client_list()) <= before + 1
    assert redis_conn.get(key) == b"21"  # every write made, none lost with its thread


@pytest.mark.parametrize("options", [
    {"protocol": 2}, {"protocol": 3},
    {"protocol": 2, "parser_class": "resp2"}, {"protocol": 3, "parser_class": "resp3"}],
    ids=["resp2-hiredis", "resp3-hiredis", "resp2-python", "resp3-python"])
def test_a_script_gives_the_same_replies_and_errors_whatever_the_protocol_and_parser(
        redis_url, options):
    # The kept connection reads hiredis replies itself; any other parser goes the library's
    # way. Either way: the same replies, a script error raised, the connection still good.
    if "parser_class" in options:
        from redis._parsers import _RESP2Parser, _RESP3Parser

        options = {**options, "parser_class": {"resp2": _RESP2Parser,
                                                "resp3": _RESP3Parser}[options["parser_class"]]}
    conn = redis.Redis.from_url(redis_url, socket_timeout=2, **options)
    run = lua(conn, ECHO)
    for n in range(3):
        assert run(["k:1"], [f"다시 전화 {n}", 3, b"\x00\xff"]) == [
            b"k:1", f"다시 전화 {n}".encode(), b"3", b"\x00\xff", 3]
    with pytest.raises(redis.ResponseError, match="Wrong number of args"):
        lua(conn, "return redis.call('INCR', KEYS[1], 3)")(["test:scripts:x"], [])
    assert lua(conn, "return {1, false, 'x', {2, 'y'}}")([], []) == [1, None, b"x", [2, b"y"]]
    assert run(["k:2"], ["after", "", ""])[1] == b"after"
