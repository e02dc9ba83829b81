"""Every command that opens Redis says so plainly when Redis is down: stderr, exit 1,
no traceback, and no password from the URL."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from hotline.cli import main
from hotline.cli.errors import safe_redis_url

DEAD = "redis://:s3cret-pw@127.0.0.1:1/0"  # nothing listens on port 1


@pytest.fixture()
def dead_redis(monkeypatch, tmp_path):
    monkeypatch.setenv("HOTLINE_REDIS_URL", DEAD)
    monkeypatch.setenv("HOTLINE_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("HOTLINE_DEMO", raising=False)


@pytest.mark.parametrize("args", [
    ["volunteers", "list"],
    ["volunteers", "add", "--name", "민지", "--phone", "+821011110001", "--languages", "ko"],
    ["volunteers", "remove", "민지"],
    ["oncall", "show"],
    ["cases", "list"],
    ["callbacks", "list"],
])
def test_a_command_says_redis_is_not_reachable(dead_redis, args):
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 1
    assert "Redis is not reachable at redis://:***@127.0.0.1:1/0" in result.stderr
    assert "Traceback" not in result.output
    assert "s3cret-pw" not in result.output
    assert result.stdout == ""


def test_safe_redis_url_drops_only_the_password():
    assert safe_redis_url("redis://ops:pw@db.example:6380/2") == "redis://ops:***@db.example:6380/2"
    assert safe_redis_url("redis://127.0.0.1:6379/0") == "redis://127.0.0.1:6379/0"
