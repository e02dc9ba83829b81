"""`hotline volunteers add|list|remove` on a real Redis."""

import json

import pytest
from click.testing import CliRunner

from hotline import volunteers
from hotline.cli.volunteers import volunteers as command
from hotline.privacy import new_key


@pytest.fixture()
def run(redis_url, redis_conn, tmp_path, monkeypatch):
    monkeypatch.setenv("HOTLINE_REDIS_URL", redis_url)
    monkeypatch.setenv("HOTLINE_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("HOTLINE_SECRET_KEY", "s")
    monkeypatch.setenv("HOTLINE_ENCRYPTION_KEY", new_key())
    runner = CliRunner()
    return lambda *args: runner.invoke(command, list(args))


def test_add_list_and_remove(run, redis_conn):
    added = run("add", "--name", "Mina", "--phone", "+82 10-2222-3333", "--languages", "ko,en")
    assert added.exit_code == 0, added.output
    run("add", "--name", "Sam", "--phone", "+12025550123", "--languages", "en", "--role", "staff")
    listed = json.loads(run("list", "--json").output)
    assert [(v["name"], v["languages"], v["role"]) for v in listed] == [
        ("Mina", ["ko", "en"], "volunteer"), ("Sam", ["en"], "staff")]
    assert listed[0]["phone"] == "+82 10-****-33" and listed[0]["available"] is True
    assert "+82 10-****-33" in run("list").output
    config = {"KEY_PREFIX": "hotline:"}
    assert volunteers.by_phone(redis_conn, config, "+821022223333").name == "Mina"
    assert run("remove", "mina").exit_code == 0
    assert run("remove", "+12025550123").exit_code == 0
    assert json.loads(run("list", "--json").output) == []
    assert volunteers.by_phone(redis_conn, config, "+821022223333") is None


def test_a_bad_number_is_a_clear_error_without_a_traceback(run):
    result = run("add", "--name", "X", "--phone", "010-12", "--languages", "ko")
    assert result.exit_code != 0
    assert "not a valid phone number" in result.output and "Traceback" not in result.output
    assert json.loads(run("list", "--json").output) == []


def test_duplicates_and_bad_languages_are_refused(run):
    assert run("add", "--name", "Mina", "--phone", "+821022223333", "--languages", "ko") \
        .exit_code == 0
    again = run("add", "--name", "Other", "--phone", "+82 10 2222 3333", "--languages", "ko")
    assert again.exit_code != 0 and "already registered" in again.output
    same_name = run("add", "--name", "MINA", "--phone", "+821044445555", "--languages", "ko")
    assert same_name.exit_code != 0 and "already registered" in same_name.output
    bad = run("add", "--name", "Lee", "--phone", "+821044445555", "--languages", "korean!")
    assert bad.exit_code != 0 and "languages" in bad.output
    gone = run("remove", "nobody")
    assert gone.exit_code != 0 and "no volunteer" in gone.output
