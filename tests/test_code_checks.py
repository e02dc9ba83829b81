"""The checks STYLE.md asks for next to the tests: ruff over the tree, mypy strict on the engine.

They run inside pytest so that the README's test command (and so CI) runs them too; a
finding fails with the checker's own report.
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", *args], cwd=ROOT, capture_output=True,
                          text=True, timeout=300, check=False)


def test_ruff_finds_nothing():
    done = _run("ruff", "check", "--no-cache", ".")
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.slow
@pytest.mark.timeout(300)
def test_the_engine_passes_mypy_strict():
    done = _run("mypy", "hotline/engine")  # strict for hotline.engine.* (pyproject.toml)
    assert done.returncode == 0, done.stdout + done.stderr
