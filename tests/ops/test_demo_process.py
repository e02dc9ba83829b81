"""`hotline demo` as the README runs it: embedded Redis, a worker, the web app; and stopping it.

A stop by SIGTERM (kill, docker stop, a service manager) must leave nothing running: no
orphaned embedded redis-server holding the data file, no worker.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request

import pytest
import redis
from twilio.request_validator import RequestValidator

# `hotline demo` as a process: up to 90 s to start on a busy machine, 30 s to stop.
pytestmark = [pytest.mark.slow, pytest.mark.timeout(180)]

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:  # a zombie (exited, not yet reaped) is not running
        with open(f"/proc/{pid}/stat", encoding="ascii") as handle:
            return handle.read().split(") ", 1)[1][0] != "Z"
    except OSError:
        return False


def children(pid: int) -> list[int]:
    try:
        with open(f"/proc/{pid}/task/{pid}/children", encoding="ascii") as handle:
            return [int(p) for p in handle.read().split()]
    except OSError:
        return []


def post_sms(base: str, token: str, body: str) -> tuple[int, str]:
    url = base + "/twilio/sms"
    params = {"From": "+821055550123", "To": "+15005550006", "Body": body,
              "MessageSid": "SMdemo1"}
    signature = RequestValidator(token).compute_signature(url, params)
    request = urllib.request.Request(url, data=urllib.parse.urlencode(params).encode(),
                                     headers={"X-Twilio-Signature": signature})
    with urllib.request.urlopen(request, timeout=10) as response:
        return response.status, response.read().decode("utf-8")


@pytest.mark.skipif(not os.path.isdir("/proc"), reason="reads process state from /proc")
def test_demo_serves_with_embedded_redis_and_sigterm_stops_everything(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HOTLINE_", "TWILIO_"))}
    env.update(HOTLINE_DATA_DIR=str(tmp_path), PYTHONUNBUFFERED="1")
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    process = subprocess.Popen([sys.executable, "-m", "hotline.cli", "demo", "--port", str(port)],
                               cwd=ROOT, env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True)
    try:
        assert process.stdout is not None
        lines = []
        deadline = time.time() + 90
        while time.time() < deadline and not any(l.startswith("Web app:") for l in lines):
            line = process.stdout.readline()
            if not line:
                break
            lines.append(line)
        assert any(l.startswith("Worker: started") for l in lines), lines
        for _ in range(100):  # the server binds just after printing
            try:
                with urllib.request.urlopen(base + "/healthz", timeout=5) as health:
                    assert health.status == 200
                break
            except OSError:
                time.sleep(0.1)
        token = json.loads((tmp_path / "demo-secrets.json").read_text())["TWILIO_AUTH_TOKEN"]
        status, twiml = post_sms(base, token, "안녕하세요")
        assert status == 200 and "무엇을 도와드릴까요?" in twiml

        settings = json.loads((tmp_path / "hotline.rdb.settings").read_text())
        embedded = redis.Redis(unix_socket_path=settings["unixsocket"], socket_timeout=2)
        assert embedded.ping()
        helpers = children(process.pid)  # the worker (the redis-server runs on its own)
        assert helpers, "no worker process"

        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    deadline = time.time() + 10
    while time.time() < deadline and any(alive(pid) for pid in helpers):
        time.sleep(0.1)
    assert not [pid for pid in helpers if alive(pid)], "left running after SIGTERM"
    with pytest.raises(redis.ConnectionError):
        embedded.ping()
    assert (tmp_path / "hotline.rdb").stat().st_size > 0  # saved on the way out
