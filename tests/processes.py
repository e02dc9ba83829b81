"""Stopping a process a test started (a worker, a server) without leaving it behind."""

from __future__ import annotations

import subprocess
from pathlib import Path


def stop(process: subprocess.Popen, seconds: float = 10, log: Path | None = None) -> None:
    """SIGTERM, then wait: a process still running after `seconds` is killed (a worker left
    behind would take the jobs of the next test run on its Redis database) and the test
    fails, saying so, with the end of the process's `log` if given."""
    process.terminate()
    try:
        process.wait(seconds)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(5)
        tail = log.read_text(errors="replace")[-4000:] if log else ""
        raise AssertionError(f"{process.args} did not stop within {seconds} s of SIGTERM "
                             f"(killed)\n{tail}") from None
