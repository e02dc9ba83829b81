"""`hotline scripts publish|history|rollback` on a real Redis."""

from __future__ import annotations

import json
import shutil

import pytest
from click.testing import CliRunner

from hotline.cli import main
from hotline.config import load_config
from hotline.scripts import versions as script_versions
from tests.conftest import SCRIPTS_DIR

OLD = "무엇을 도와드릴까요?"
NEW = "어떻게 도와드릴까요?"


@pytest.fixture()
def env(redis_url, redis_conn, tmp_path, monkeypatch):
    monkeypatch.setenv("HOTLINE_REDIS_URL", redis_url)
    monkeypatch.setenv("HOTLINE_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("HOTLINE_SCRIPTS_DIR", SCRIPTS_DIR)
    monkeypatch.setenv("HOTLINE_KEY_PREFIX", "hotline:")
    return load_config({"KEY_PREFIX": "hotline:", "SCRIPTS_DIR": SCRIPTS_DIR}, environ={})


@pytest.fixture()
def draft(tmp_path):
    path = tmp_path / "draft"
    shutil.copytree(SCRIPTS_DIR, path)
    main_yaml = path / "main.yaml"
    main_yaml.write_text(main_yaml.read_text(encoding="utf-8").replace(OLD, NEW, 1),
                         encoding="utf-8")
    return path


def run(*args):
    return CliRunner().invoke(main, list(args))


def test_publish_history_and_rollback(env, draft, redis_conn):
    published = run("scripts", "publish", str(draft), "--as", "민지", "-m", "새 인사말")
    assert published.exit_code == 0, published.stderr
    assert "version 2 is now live" in published.output
    assert NEW in script_versions.current(redis_conn, env).texts["main.yaml"]

    again = run("scripts", "publish", str(draft), "--as", "민지")
    assert again.exit_code == 0 and "no change: version 2" in again.output

    rows = json.loads(run("scripts", "history", "--json").stdout)
    assert [(r["version"], r["by"], r["current"]) for r in rows] == [
        (2, "민지", True), (1, "ivr_scripts/", False)]
    assert rows[0]["message"] == "새 인사말" and rows[0]["changed"] == ["main.yaml"]
    listing = run("scripts", "history").output
    assert "*   2" in listing and "민지" in listing and "새 인사말" in listing

    back = run("scripts", "rollback", "1", "--as", "준호")
    assert back.exit_code == 0 and "version 3 is now live" in back.output
    assert OLD in script_versions.current(redis_conn, env).texts["main.yaml"]
    assert json.loads(run("scripts", "history", "--json").stdout)[0]["rollback_of"] == 1


def test_a_script_with_lint_errors_is_refused_with_its_problems(env, draft, redis_conn):
    main_yaml = draft / "main.yaml"
    main_yaml.write_text(main_yaml.read_text(encoding="utf-8").replace(
        "goto: programmes", "goto: nowhere", 1), encoding="utf-8")
    result = run("scripts", "publish", str(draft))
    assert result.exit_code == 1
    assert "main.yaml:main_menu: option 1 goes to 'nowhere'" in result.stderr
    assert "not published" in result.stderr and "Traceback" not in result.stderr
    assert script_versions.current_number(redis_conn, env) == 0


@pytest.mark.parametrize("args, message", [
    (["scripts", "rollback", "7"], "there is no version 7"),
    (["scripts", "rollback", "seven"], "'seven' is not a valid integer"),
    (["scripts", "publish", "/no/such/dir"], "no scripts directory at '/no/such/dir'"),
])
def test_bad_input_is_a_short_error(env, args, message):
    result = run(*args)
    assert result.exit_code != 0 and message in result.stderr
    assert "Traceback" not in result.stderr


def test_redis_down_is_a_clear_error(env, monkeypatch):
    monkeypatch.setenv("HOTLINE_REDIS_URL", "redis://127.0.0.1:1/0")
    result = run("scripts", "history")
    assert result.exit_code == 1 and "cannot reach Redis" in result.stderr
