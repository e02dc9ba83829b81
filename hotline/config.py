"""Configuration: defaults, then HOTLINE_*/TWILIO_* from the environment, then overrides."""

from __future__ import annotations

import json
import os
import secrets
from collections.abc import Mapping
from typing import Any

from cryptography.fernet import Fernet

# name -> (environment variable, default). Read only when load_config() is called.
SETTINGS: dict[str, tuple[str, Any]] = {
    "REDIS_URL": ("HOTLINE_REDIS_URL", None),
    "DATA_DIR": ("HOTLINE_DATA_DIR", "instance"),
    "PUBLIC_URL": ("HOTLINE_PUBLIC_URL", "http://127.0.0.1:5000"),
    "SECRET_KEY": ("HOTLINE_SECRET_KEY", None),
    "ENCRYPTION_KEY": ("HOTLINE_ENCRYPTION_KEY", None),
    "SCRIPTS_DIR": ("HOTLINE_SCRIPTS_DIR", "ivr_scripts"),
    "SCRIPTS_REFRESH": ("HOTLINE_SCRIPTS_REFRESH", 1.0),  # seconds between version checks
    "TWILIO_ACCOUNT_SID": ("TWILIO_ACCOUNT_SID", None),
    "TWILIO_AUTH_TOKEN": ("TWILIO_AUTH_TOKEN", None),
    "HOTLINE_NUMBER": ("HOTLINE_NUMBER", "+15005550006"),
    "KEY_PREFIX": ("HOTLINE_KEY_PREFIX", "hotline:"),
    "DEMO": ("HOTLINE_DEMO", False),
    "SESSION_TTL": ("HOTLINE_SESSION_TTL", 1800),
    "REDIS_TIMEOUT": ("HOTLINE_REDIS_TIMEOUT", 0.3),
    "FLASH_NUMBER": ("HOTLINE_FLASH_NUMBER", None),  # rings here become callback requests
    "CALLBACK_HOURS": ("HOTLINE_CALLBACK_HOURS", 24),  # promised wait until there is data
    "CALLBACK_NUMBER_TTL": ("HOTLINE_CALLBACK_NUMBER_TTL", 7 * 86400),
    "MISSED_CALL_WINDOW": ("HOTLINE_MISSED_CALL_WINDOW", 3600),
    "MISSED_CALL_ON_MAIN": ("HOTLINE_MISSED_CALL_ON_MAIN", False),  # short calls = missed
    "MISSED_CALL_SECONDS": ("HOTLINE_MISSED_CALL_SECONDS", 5),
    "DIRECTORY_FILE": ("HOTLINE_DIRECTORY_FILE", None),  # loaded when Redis holds no directory
    "STATS_TIMEZONE": ("HOTLINE_STATS_TIMEZONE", "UTC"),  # the day boundary of the figures
    "RATE_LIMIT_PER_MINUTE": ("HOTLINE_RATE_LIMIT_PER_MINUTE", 20),  # texts per caller; 0: off
    "VOICE_RATE_LIMIT_PER_MINUTE": ("HOTLINE_VOICE_RATE_LIMIT_PER_MINUTE", 6),  # calls; 0: off
    "PROXY_HOPS": ("HOTLINE_PROXY_HOPS", 0),  # trusted proxies setting X-Forwarded-For
    "RETENTION_DAYS": ("HOTLINE_RETENTION_DAYS", 7),  # closed callbacks/cases: counts after this
    "PURGE_INTERVAL": ("HOTLINE_PURGE_INTERVAL", 3600),  # seconds between scheduled purges
    "LOG_LEVEL": ("HOTLINE_LOG_LEVEL", "INFO"),
    "LOG_FORMAT": ("HOTLINE_LOG_FORMAT", "json"),  # json lines, or text (key=value)
    "METRICS_TOKEN": ("HOTLINE_METRICS_TOKEN", None),  # /metrics needs it unless on loopback
    "STAFF_CONTACT": ("HOTLINE_STAFF_CONTACT", None),  # who volunteers not paged may ask
    "VOLUNTEER_MAX_REQUESTS": ("HOTLINE_VOLUNTEER_MAX_REQUESTS", 1),  # held at once by one
}

_INTS = {"SESSION_TTL", "CALLBACK_HOURS", "CALLBACK_NUMBER_TTL", "MISSED_CALL_WINDOW",
         "MISSED_CALL_SECONDS"}
_INTS |= {"RATE_LIMIT_PER_MINUTE", "VOICE_RATE_LIMIT_PER_MINUTE", "PROXY_HOPS"}
_INTS |= {"PURGE_INTERVAL", "VOLUNTEER_MAX_REQUESTS"}
_FLOATS_OR_INTS = {"RETENTION_DAYS"}  # days; a fraction is allowed (tests, trials)
_FLOATS = {"REDIS_TIMEOUT", "SCRIPTS_REFRESH"}
_BOOLS = {"DEMO", "MISSED_CALL_ON_MAIN"}


def _coerce(name: str, value: Any) -> Any:
    if value is None:
        return None
    if name in _INTS:
        return int(value)
    if name in _FLOATS:
        return float(value)
    if name in _FLOATS_OR_INTS:
        number = float(value)
        return int(number) if number.is_integer() else number
    if name in _BOOLS and isinstance(value, str):
        return value.strip().lower() in {"1", "true", "yes", "on"}
    return value


def load_config(
    overrides: Mapping[str, Any] | None = None, environ: Mapping[str, str] | None = None
) -> dict[str, Any]:
    """Return the settings: defaults, then the environment, then overrides."""
    env = os.environ if environ is None else environ
    config: dict[str, Any] = {}
    for name, (var, default) in SETTINGS.items():
        raw = env.get(var)
        config[name] = _coerce(name, raw if raw not in (None, "") else default)
    for name, value in (overrides or {}).items():
        config[name] = _coerce(name, value)
    return config


def environment_config() -> dict[str, Any]:
    """Read the configuration from the environment (demo secrets filled in demo mode):
    what the command line and the job worker run with."""
    config = load_config()
    if config.get("DEMO"):
        config = demo_config(config)
    return config


# Demo mode: secrets generated once and kept under the data directory, said out loud.
SECRETS_FILE = "demo-secrets.json"


def demo_secrets(data_dir: str) -> tuple[dict[str, str], bool]:
    """Return the demo's secrets (made and saved on first use) and whether they are new."""
    path = os.path.join(data_dir, SECRETS_FILE)
    if os.path.exists(path):
        with open(path, encoding="utf-8") as handle:
            return json.load(handle), False
    values = {
        "SECRET_KEY": secrets.token_urlsafe(32),
        "TWILIO_AUTH_TOKEN": secrets.token_hex(16),
        "ENCRYPTION_KEY": Fernet.generate_key().decode("ascii"),
    }
    os.makedirs(data_dir, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(values, handle)
    return values, True


def demo_config(base: dict[str, Any]) -> dict[str, Any]:
    """Return `base` with DEMO on and any missing secret filled from the demo secrets."""
    values, _ = demo_secrets(base.get("DATA_DIR") or "instance")
    config = dict(base)
    config["DEMO"] = True
    for name, value in values.items():
        if not config.get(name):
            config[name] = value
    return config
