"""Stopping a process a test started (a worker, a server) without leaving it behind."""

from __future__ import annotations

import subprocess


def stop(process: subprocess.Popen, seconds: float = 10) -> None:
    """SIGTERM, then wait: a process still running after `seconds` is killed (a worker left
    behind would take the jobs of the next test run on its Redis database) and the test
    fails, saying so."""
    process.terminate()
    try:
        process.wait(seconds)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(5)
        raise AssertionError(f"{process.args} did not stop within {seconds} s of SIGTERM "
                             "(killed)") from None
