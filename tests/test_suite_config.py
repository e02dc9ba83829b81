"""The suite's own rules: markers declared and enforced, a browser test always marked as one,
and a hung test failing on its time limit instead of stalling CI."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def test_the_markers_are_declared_and_a_default_time_limit_is_set(pytestconfig):
    markers = " ".join(pytestconfig.getini("markers"))
    assert "slow:" in markers and "browser:" in markers
    assert "--strict-markers" in pytestconfig.getini("addopts")
    assert 60 <= float(pytestconfig.getini("timeout")) <= 300  # pytest-timeout is installed


def test_every_test_that_drives_chromium_is_marked_browser(request):
    """So `-m "not browser"` leaves out every one of them (the conftest marks a test that
    uses the browser fixture; this checks that it did, for the tests of this run)."""
    for item in request.session.items:
        if {"browser", "page"} & set(getattr(item, "fixturenames", ())):
            assert item.get_closest_marker("browser"), item.nodeid


@pytest.mark.slow  # a second pytest process
def test_a_hung_test_fails_on_its_time_limit(tmp_path):
    hung = tmp_path / "test_hung.py"
    hung.write_text(textwrap.dedent("""\
        import time

        import pytest


        @pytest.mark.timeout(1)
        def test_hangs():
            time.sleep(60)
        """), encoding="utf-8")
    started = time.monotonic()
    done = subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-n", "0",
                           "-c", os.path.join(ROOT, "pyproject.toml"), "--rootdir",
                           str(tmp_path), str(hung)], cwd=tmp_path, capture_output=True,
                          text=True, timeout=60, check=False)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "Timeout" in done.stdout, done.stdout
    assert time.monotonic() - started < 30

