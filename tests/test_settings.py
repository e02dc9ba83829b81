"""The typed settings: read once from the environment, checked there, read as attributes."""

from __future__ import annotations

import dataclasses
import re
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from hotline import ConfigError, create_app
from hotline.config import SETTINGS, Settings, demo_config, load_config

ROOT = Path(__file__).resolve().parent.parent

# The environment contract (DESIGN §3 and the README): these names never change.
CONTRACT = {
    "HOTLINE_REDIS_URL", "HOTLINE_DATA_DIR", "HOTLINE_PUBLIC_URL", "HOTLINE_SECRET_KEY",
    "HOTLINE_ENCRYPTION_KEY", "HOTLINE_SCRIPTS_DIR", "HOTLINE_SCRIPTS_REFRESH",
    "TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN", "HOTLINE_NUMBER", "HOTLINE_KEY_PREFIX",
    "HOTLINE_DEMO", "HOTLINE_SESSION_TTL", "HOTLINE_REDIS_TIMEOUT", "HOTLINE_FLASH_NUMBER",
    "HOTLINE_CALLBACK_HOURS", "HOTLINE_CALLBACK_NUMBER_TTL", "HOTLINE_MISSED_CALL_WINDOW",
    "HOTLINE_MISSED_CALL_ON_MAIN", "HOTLINE_MISSED_CALL_SECONDS", "HOTLINE_DIRECTORY_FILE",
    "HOTLINE_HSDS_CATEGORY_MAP",
    "HOTLINE_STATS_TIMEZONE", "HOTLINE_RATE_LIMIT_PER_MINUTE",
    "HOTLINE_VOICE_RATE_LIMIT_PER_MINUTE", "HOTLINE_PROXY_HOPS", "HOTLINE_RETENTION_DAYS",
    "HOTLINE_PURGE_INTERVAL", "HOTLINE_LOG_LEVEL", "HOTLINE_LOG_FORMAT",
    "HOTLINE_METRICS_TOKEN", "HOTLINE_STAFF_CONTACT", "HOTLINE_VOLUNTEER_MAX_REQUESTS",
    "HOTLINE_REDIS_SENTINELS", "HOTLINE_REDIS_SERVICE", "HOTLINE_REDIS_PASSWORD",
    "HOTLINE_SENTINEL_PASSWORD", "HOTLINE_REDIS_WAIT_REPLICAS", "HOTLINE_REDIS_WAIT_MS",
    "HOTLINE_DEFAULT_COUNTRY",
    "HOTLINE_SHIFT_REMINDER_MINUTES", "HOTLINE_GAP_WARNING_HOUR",
    "HOTLINE_TWILIO_API_URL", "HOTLINE_TRANSCRIBE_MESSAGES", "HOTLINE_OFFICE_HOURS",
}
SECRETS = {"SECRET_KEY": "k", "TWILIO_AUTH_TOKEN": "t", "ENCRYPTION_KEY": "e"}


def test_the_environment_names_are_the_contract_and_each_has_one_field():
    assert {var for var, _ in SETTINGS.values()} == CONTRACT
    assert all(hasattr(Settings(), name.lower()) for name in SETTINGS)


def test_values_from_the_environment_are_typed_once():
    settings = load_config(environ={
        "HOTLINE_RATE_LIMIT_PER_MINUTE": "7", "HOTLINE_REDIS_TIMEOUT": "1.5",
        "HOTLINE_MISSED_CALL_ON_MAIN": "yes", "HOTLINE_RETENTION_DAYS": "0.5",
        "HOTLINE_PURGE_INTERVAL": "", "HOTLINE_KEY_PREFIX": "t:"})
    assert settings.rate_limit_per_minute == 7 and settings.redis_timeout == 1.5
    assert settings.missed_call_on_main is True and settings.retention_days == 0.5
    assert settings.purge_interval == 3600  # empty: the default
    assert settings.key_prefix == "t:"
    assert load_config(environ={}) == Settings()
    assert load_config(environ={"HOTLINE_DEMO": "off"}).demo is False


@pytest.mark.parametrize("var, value", [
    ("HOTLINE_RATE_LIMIT_PER_MINUTE", "abc"),
    ("HOTLINE_SESSION_TTL", "1.5"),
    ("HOTLINE_REDIS_TIMEOUT", "fast"),
    ("HOTLINE_DEMO", "maybe"),
])
def test_a_bad_value_is_an_error_naming_its_variable(var, value):
    with pytest.raises(ConfigError) as error:
        load_config(environ={var: value})
    assert str(error.value).startswith(f"{var}={value!r} is not ")


def test_create_app_says_which_variable_is_bad(monkeypatch, redis_url):
    monkeypatch.setenv("HOTLINE_RATE_LIMIT_PER_MINUTE", "abc")
    with pytest.raises(ConfigError, match="HOTLINE_RATE_LIMIT_PER_MINUTE='abc' is not a whole"):
        create_app({"TESTING": True, "REDIS_URL": redis_url})


def test_the_cli_says_it_in_one_line_without_a_traceback(tmp_path):
    from hotline.cli import main

    result = CliRunner().invoke(main, ["outbox"], env={
        "HOTLINE_RATE_LIMIT_PER_MINUTE": "abc", "HOTLINE_DATA_DIR": str(tmp_path)})
    assert result.exit_code == 1
    assert result.output.strip() == (
        "Error: HOTLINE_RATE_LIMIT_PER_MINUTE='abc' is not a whole number")


@pytest.mark.slow
def test_the_hotline_command_says_it_on_stderr(tmp_path):
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT), "HOTLINE_DATA_DIR": str(tmp_path),
           "HOTLINE_SESSION_TTL": "half an hour"}
    done = subprocess.run([sys.executable, "-m", "hotline.cli", "outbox"], env=env, cwd=ROOT,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert done.stderr.strip().splitlines() == [
        "Error: HOTLINE_SESSION_TTL='half an hour' is not a whole number"]


def test_create_app_takes_the_old_names_and_field_names(redis_url):
    app = create_app({"TESTING": True, "REDIS_URL": redis_url, "RATE_LIMIT_PER_MINUTE": "3",
                      "voice_rate_limit_per_minute": 2})
    settings = app.extensions["hotline"].config
    assert isinstance(settings, Settings)
    assert (settings.rate_limit_per_minute, settings.voice_rate_limit_per_minute) == (3, 2)
    assert app.config["SECRET_KEY"] == settings.secret_key  # Flask's sessions use it
    with pytest.raises(ConfigError, match="unknown setting RATE_LIMIT_PER_HOUR"):
        create_app({"TESTING": True, "RATE_LIMIT_PER_HOUR": 3})


def test_create_app_takes_a_settings_object_as_it_is(redis_url):
    given = Settings(redis_url=redis_url, testing=True, session_ttl=60, **{
        name.lower(): value for name, value in SECRETS.items()})
    assert create_app(given).extensions["hotline"].config == given


def test_settings_are_frozen_and_a_variant_is_checked_like_the_environment():
    settings = Settings()
    with pytest.raises(dataclasses.FrozenInstanceError):
        settings.key_prefix = "x:"  # type: ignore[misc]
    assert settings.replace(purge_interval="60").purge_interval == 60
    with pytest.raises(ConfigError, match="purge_interval='soon'"):
        settings.replace(purge_interval="soon")


def test_secrets_never_show_in_the_repr():
    shown = repr(Settings(secret_key="s3cr3t-k", twilio_auth_token="t0k3n-x",
                          encryption_key="fernet-k", metrics_token="m3trics"))
    assert not any(secret in shown for secret in ("s3cr3t-k", "t0k3n-x", "fernet-k", "m3trics"))


def test_demo_mode_fills_only_the_missing_secrets(tmp_path):
    base = Settings(data_dir=str(tmp_path), secret_key="mine")
    demo = demo_config(base)
    assert demo.demo and demo.secret_key == "mine"
    assert demo.twilio_auth_token and demo.encryption_key
    assert demo_config(base) == demo  # the same secrets, read back from the data dir


# The code reads attributes; a dict read of a setting (new code, a merge) fails here.
DICT_READ = re.compile(r"""config(\.get\(|\[)["'][A-Z][A-Z_]+["']""")


def test_no_module_reads_the_settings_as_a_dict():
    found = [f"{path.relative_to(ROOT)}:{number}"
             for folder in ("hotline", "workers") for path in sorted((ROOT / folder).rglob("*.py"))
             for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
             if DICT_READ.search(line)]
    assert found == [], "read settings as attributes (config.rate_limit_per_minute)"
    assert DICT_READ.search('limit = config.get("RATE_LIMIT_PER_MINUTE") or 0')
    assert DICT_READ.search("token = app.config['METRICS_TOKEN']")
