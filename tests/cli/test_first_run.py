"""What a new user meets first: `hotline demo` on a port that is taken, and a worker whose
terminal shows the hotline's own lines, not RQ's registry upkeep."""

from __future__ import annotations

import os
import socket
import subprocess
import sys

import pytest
from click.testing import CliRunner

from hotline.cli import main
from hotline.privacy.vault import new_key

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def test_demo_on_a_port_in_use_says_so_in_one_line_naming_port(tmp_path, monkeypatch):
    monkeypatch.setenv("HOTLINE_DATA_DIR", str(tmp_path))
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        for command in ("demo", "serve"):
            result = CliRunner().invoke(main, [command, "--port", str(port)])
            assert result.exit_code == 1, result.output
            lines = result.output.strip().splitlines()
            assert len(lines) == 1 and f"port {port}" in lines[0] and "--port" in lines[0]
            assert "Web app" not in result.output and "Traceback" not in result.output
    assert not os.listdir(tmp_path)  # nothing was started or written


def _burst(redis_url: str, tmp_path, **extra: str) -> str:
    env = {**os.environ, "HOTLINE_REDIS_URL": redis_url, "HOTLINE_DATA_DIR": str(tmp_path),
           "HOTLINE_SECRET_KEY": "s", "HOTLINE_ENCRYPTION_KEY": new_key(),
           "HOTLINE_LOG_FORMAT": "text", "HOTLINE_KEY_PREFIX": "first-run:", **extra}
    if "HOTLINE_RQ_LOG_LEVEL" not in extra:
        env.pop("HOTLINE_RQ_LOG_LEVEL", None)
    done = subprocess.run([sys.executable, "-m", "hotline.cli", "worker", "--burst"], env=env,
                          cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return done.stdout + done.stderr


@pytest.mark.slow  # two worker processes
def test_the_demo_worker_keeps_rqs_own_lines_at_warning(redis_url, tmp_path):
    assert "started with PID" in _burst(redis_url, tmp_path)  # HOTLINE_LOG_LEVEL: INFO
    quiet = _burst(redis_url, tmp_path, HOTLINE_RQ_LOG_LEVEL="WARNING")  # as `hotline demo`
    assert "started with PID" not in quiet and "cleaning registries" not in quiet
