"""Configuration: defaults, then HOTLINE_*/TWILIO_* from the environment, then overrides."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

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
