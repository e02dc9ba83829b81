"""`hotline volunteers add|list|remove` on a real Redis."""

import json

import pytest
from click.testing import CliRunner

from hotline.cli.volunteers import volunteers as command
from hotline.config import load_config
from hotline.people import volunteers
from hotline.privacy.vault import new_key


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
    assert listed[0]["phone"] == "+82 10-****-**33" and listed[0]["available"] is True
    assert "+82 10-****-**33" in run("list").output
    config = load_config({"KEY_PREFIX": "hotline:"}, environ={})
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


def test_an_unknown_language_code_is_refused_and_nothing_is_stored(run):
    bad = run("add", "--name", "Lee", "--phone", "+821044445555", "--languages", "ko,xx")
    assert bad.exit_code == 1
    assert "unknown language xx" in bad.stderr and "Traceback" not in bad.output
    assert json.loads(run("list", "--json").output) == []
    for codes in ("zh", "ru,ko"):  # the languages the hotline's word lists speak
        assert run("add", "--name", f"P{codes}", "--phone", f"+8210555{len(codes)}6666",
                   "--languages", codes).exit_code == 0


def test_a_language_a_script_declares_is_accepted(run, tmp_path, monkeypatch):
    scripts = tmp_path / "scripts"
    scripts.mkdir()
    (scripts / "main.yaml").write_text(SCRIPT_WITH_JA, encoding="utf-8")
    monkeypatch.setenv("HOTLINE_SCRIPTS_DIR", str(scripts))
    added = run("add", "--name", "Aki", "--phone", "+821044445555", "--languages", "ja,ko")
    assert added.exit_code == 0, added.output
    assert run("add", "--name", "Bo", "--phone", "+821044445556", "--languages", "vi") \
        .exit_code == 1


SCRIPT_WITH_JA = """
spec_version: 1
name: main
default_language: ko
start: hello
languages:
  ko: {name: 한국어}
  ja: {name: 日本語}
phrases:
  invalid: {ko: 다시., ja: もう一度.}
  silence: {ko: 못 들었어요., ja: 聞こえません.}
  resume: {ko: 이어서?, ja: 続けますか?}
  resume_yes: {ko: 이어서, ja: はい}
  resume_no: {ko: 처음부터, ja: 最初から}
  give_up: {ko: "{emergency}에 전화하세요.", ja: "{emergency}に電話してください."}
nodes:
  hello:
    type: end
    text: {ko: 안녕하세요., ja: こんにちは.}
"""


def test_add_takes_a_national_number_in_the_default_country_and_says_so(run, monkeypatch):
    added = run("add", "--name", "Jin", "--phone", "010-5555-1234", "--languages", "ko")
    assert added.exit_code == 0, added.output
    assert "+82 10-****-**34" in added.output
    assert "read 010-5555-1234 as a number in KR (HOTLINE_DEFAULT_COUNTRY)" in added.output
    international = run("add", "--name", "Sam", "--phone", "+1 202 555 0123", "--languages",
                        "en")
    assert "+1 202-***-**23" in international.output and "read" not in international.output
    monkeypatch.setenv("HOTLINE_DEFAULT_COUNTRY", "us")
    us = run("add", "--name", "Ann", "--phone", "(212) 555-0188", "--languages", "en")
    assert us.exit_code == 0 and "+1 212-***-**88" in us.output and "in US" in us.output
    wrong = run("add", "--name", "Bo", "--phone", "010-5555-9999", "--languages", "ko")
    assert wrong.exit_code == 1 and "not a valid phone number in US" in wrong.output
    monkeypatch.setenv("HOTLINE_DEFAULT_COUNTRY", "Korea")
    bad = run("add", "--name", "Bo", "--phone", "010-5555-9999", "--languages", "ko")
    assert bad.exit_code != 0
    said = bad.output + str(bad.exception)  # the `hotline` command prints it as one line
    assert "HOTLINE_DEFAULT_COUNTRY='Korea' is not a two-letter country code" in said


def test_masked_numbers_follow_each_countrys_grouping():
    from hotline.numbers import mask

    assert mask("+821055551234") == "+82 10-****-**34"
    assert mask("+12135550180") == "+1 213-***-**80"  # not '+1 21-****-80'
    assert mask("+8613812345678") == "+86 138 **** **78"
    assert mask("+79123456789") == "+7 912 ***-**-89"
    assert mask("not a number") == "****"
