"""Configuration: defaults, then HOTLINE_*/TWILIO_* from the environment, then overrides.

`Settings` is read once (`load_config()` / `Settings.from_env()`), checked and typed there;
everything else reads its attributes (`config.rate_limit_per_minute`). A value that does
not parse is a ConfigError naming the variable, said in one line by the CLI.
"""

from __future__ import annotations

import dataclasses
import json
import os
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import phonenumbers
from cryptography.fernet import Fernet


class ConfigError(RuntimeError):
    """The app cannot start with this configuration; the message says what to set."""


def _env(var: str) -> dict[str, str]:
    return {"env": var}


@dataclass(frozen=True)
class Settings:
    """Every setting of the hotline, one field each (its environment variable beside it)."""

    redis_url: str | None = field(default=None, metadata=_env("HOTLINE_REDIS_URL"))
    # Redis through Sentinel instead of one URL: host:port,host:port,... and the name the
    # sentinels monitor; every process then follows a failover without a restart.
    redis_sentinels: str | None = field(default=None, metadata=_env("HOTLINE_REDIS_SENTINELS"))
    redis_service: str = field(default="hotline", metadata=_env("HOTLINE_REDIS_SERVICE"))
    redis_password: str | None = field(default=None, repr=False,
                                       metadata=_env("HOTLINE_REDIS_PASSWORD"))
    sentinel_password: str | None = field(default=None, repr=False,
                                          metadata=_env("HOTLINE_SENTINEL_PASSWORD"))
    # replicas that must confirm a write a caller is told about (WAIT); unset: 1 with
    # sentinels, 0 (no WAIT) with one Redis
    redis_wait_replicas: int | None = field(default=None,
                                            metadata=_env("HOTLINE_REDIS_WAIT_REPLICAS"))
    # how long such a write waits for them, in milliseconds (at most 2/3 of REDIS_TIMEOUT)
    redis_wait_ms: int = field(default=150, metadata=_env("HOTLINE_REDIS_WAIT_MS"))
    data_dir: str = field(default="instance", metadata=_env("HOTLINE_DATA_DIR"))
    public_url: str = field(default="http://127.0.0.1:5000", metadata=_env("HOTLINE_PUBLIC_URL"))
    secret_key: str | None = field(default=None, repr=False,
                                metadata=_env("HOTLINE_SECRET_KEY"))
    encryption_key: str | None = field(default=None, repr=False,
                                    metadata=_env("HOTLINE_ENCRYPTION_KEY"))
    scripts_dir: str = field(default="ivr_scripts", metadata=_env("HOTLINE_SCRIPTS_DIR"))
    # seconds between version checks
    scripts_refresh: float = field(default=1.0, metadata=_env("HOTLINE_SCRIPTS_REFRESH"))
    twilio_account_sid: str | None = field(default=None, metadata=_env("TWILIO_ACCOUNT_SID"))
    twilio_auth_token: str | None = field(default=None, repr=False,
                                       metadata=_env("TWILIO_AUTH_TOKEN"))
    # the Twilio REST API's base URL (unset: https://api.twilio.com); a stand-in for tests
    twilio_api_url: str | None = field(default=None, metadata=_env("HOTLINE_TWILIO_API_URL"))
    # ask Twilio to transcribe voice messages (when the account has transcription)
    transcribe_messages: bool = field(default=False,
                                      metadata=_env("HOTLINE_TRANSCRIBE_MESSAGES"))
    # when people answer calls, e.g. "09:00-21:00 Asia/Seoul"; outside them a caller is
    # offered a voice message first. Unset: always.
    office_hours: str | None = field(default=None, metadata=_env("HOTLINE_OFFICE_HOURS"))
    hotline_number: str = field(default="+15005550006", metadata=_env("HOTLINE_NUMBER"))
    key_prefix: str = field(default="hotline:", metadata=_env("HOTLINE_KEY_PREFIX"))
    demo: bool = field(default=False, metadata=_env("HOTLINE_DEMO"))
    session_ttl: int = field(default=1800, metadata=_env("HOTLINE_SESSION_TTL"))
    redis_timeout: float = field(default=0.3, metadata=_env("HOTLINE_REDIS_TIMEOUT"))
    # rings here become callback requests
    flash_number: str | None = field(default=None, metadata=_env("HOTLINE_FLASH_NUMBER"))
    # promised wait until there is data
    callback_hours: int = field(default=24, metadata=_env("HOTLINE_CALLBACK_HOURS"))
    callback_number_ttl: int = field(default=7 * 86400,
                                     metadata=_env("HOTLINE_CALLBACK_NUMBER_TTL"))
    missed_call_window: int = field(default=3600, metadata=_env("HOTLINE_MISSED_CALL_WINDOW"))
    # short calls to the main number count as missed calls
    missed_call_on_main: bool = field(default=False, metadata=_env("HOTLINE_MISSED_CALL_ON_MAIN"))
    missed_call_seconds: int = field(default=5, metadata=_env("HOTLINE_MISSED_CALL_SECONDS"))
    # loaded when Redis holds no directory
    directory_file: str | None = field(default=None, metadata=_env("HOTLINE_DIRECTORY_FILE"))
    # HSDS taxonomy term -> category file; unset: ivr_scripts/hsds_categories.csv
    hsds_category_map: str | None = field(default=None,
                                          metadata=_env("HOTLINE_HSDS_CATEGORY_MAP"))
    # the day boundary of the figures
    stats_timezone: str = field(default="UTC", metadata=_env("HOTLINE_STATS_TIMEZONE"))
    # texts per caller and minute; 0: off
    rate_limit_per_minute: int = field(default=20,
                                       metadata=_env("HOTLINE_RATE_LIMIT_PER_MINUTE"))
    # calls per caller and minute; 0: off
    voice_rate_limit_per_minute: int = field(
        default=6, metadata=_env("HOTLINE_VOICE_RATE_LIMIT_PER_MINUTE"))
    # trusted proxies setting X-Forwarded-For
    proxy_hops: int = field(default=0, metadata=_env("HOTLINE_PROXY_HOPS"))
    # closed callbacks/cases become counts after this; a fraction is allowed (tests, trials)
    retention_days: float = field(default=7, metadata=_env("HOTLINE_RETENTION_DAYS"))
    # seconds between scheduled purges
    purge_interval: int = field(default=3600, metadata=_env("HOTLINE_PURGE_INTERVAL"))
    log_level: str = field(default="INFO", metadata=_env("HOTLINE_LOG_LEVEL"))
    # json lines, or text (key=value)
    log_format: str = field(default="json", metadata=_env("HOTLINE_LOG_FORMAT"))
    # /metrics needs it unless on loopback
    metrics_token: str | None = field(default=None, repr=False,
                                   metadata=_env("HOTLINE_METRICS_TOKEN"))
    # who volunteers not paged may ask
    staff_contact: str | None = field(default=None, metadata=_env("HOTLINE_STAFF_CONTACT"))
    # callback requests held at once by one volunteer
    volunteer_max_requests: int = field(default=1,
                                        metadata=_env("HOTLINE_VOLUNTEER_MAX_REQUESTS"))
    # the country a number typed without its country code is read in (010-5555-1234)
    default_country: str = field(default="KR", metadata=_env("HOTLINE_DEFAULT_COUNTRY"))
    # minutes before an on-call shift its volunteer is reminded by SMS; 0: no reminders
    shift_reminder_minutes: int = field(default=30,
                                        metadata=_env("HOTLINE_SHIFT_REMINDER_MINUTES"))
    # the hour (rota time) from which staff get the day's gap warning
    gap_warning_hour: int = field(default=9, metadata=_env("HOTLINE_GAP_WARNING_HOUR"))
    # Not read from the environment: set by tests and the transcript runner.
    testing: bool = False  # Flask's TESTING; missing secrets are made up
    clock: Callable[[], float] | None = field(default=None, compare=False, repr=False)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
        """Defaults, then the environment, then `overrides` (field names or the old
        UPPER_CASE names); every value checked and converted here, once."""
        env = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        for f in dataclasses.fields(cls):
            var = f.metadata.get("env")
            raw = env.get(var) if var else None
            if var and raw not in (None, ""):
                values[f.name] = _coerce(f, raw, var)
        for name, value in overrides.items():
            f = _field(name)
            values[f.name] = _coerce(f, value, name)
        return cls(**values)

    def replace(self, **changes: Any) -> Settings:
        """A copy with `changes` (field names), checked like the environment's values."""
        return dataclasses.replace(
            self, **{name: _coerce(_field(name), value, name) for name, value in changes.items()})

    def as_flask_config(self) -> dict[str, Any]:
        """The settings under their old UPPER_CASE names: Flask's own (SECRET_KEY, TESTING)
        and a read-only copy for tests. The code reads the Settings, never this copy."""
        return {f.name.upper(): getattr(self, f.name) for f in dataclasses.fields(self)
                if f.name != "clock"}


_FIELDS = {f.name: f for f in dataclasses.fields(Settings)}

# name -> (environment variable, default): the environment contract, for docs and tests.
SETTINGS: dict[str, tuple[str, Any]] = {
    name.upper(): (f.metadata["env"], f.default) for name, f in _FIELDS.items()
    if "env" in f.metadata}


def _field(name: str) -> dataclasses.Field[Any]:
    f = _FIELDS.get(name) or _FIELDS.get(name.lower())
    if f is None:
        raise ConfigError(f"unknown setting {name}")
    return f


_TRUE, _FALSE = {"1", "true", "yes", "on"}, {"0", "false", "no", "off", ""}


def _coerce(f: dataclasses.Field[Any], value: Any, source: str) -> Any:
    """Return `value` as the field's type; a ConfigError naming `source` if it is not one."""
    if value is None or f.name == "clock":
        return value
    kind = str(f.type)
    try:
        if kind.startswith("bool"):
            if isinstance(value, str):
                word = value.strip().lower()
                if word not in _TRUE | _FALSE:
                    raise ValueError(value)
                return word in _TRUE
            return bool(value)
        if kind.startswith("int"):
            if isinstance(value, float) and not value.is_integer():
                raise ValueError(value)
            return int(value)
        if kind.startswith("float"):
            number = float(value)
            if f.name == "retention_days" and number.is_integer():
                return int(number)  # said as "7 days", not "7.0"
            return number
        if f.name == "default_country":
            code = str(value).strip().upper()
            if code not in phonenumbers.SUPPORTED_REGIONS:
                raise ValueError(value)
            return code
        return str(value)
    except (TypeError, ValueError):
        wanted = kind.split(" ")[0].replace("int", "a whole number").replace("float", "a number")
        wanted = wanted.replace("bool", "1/0, true/false, yes/no or on/off")
        if f.name == "default_country":
            wanted = "a two-letter country code like KR or US"
        raise ConfigError(f"{source}={value!r} is not {wanted}") from None


def load_config(overrides: Mapping[str, Any] | None = None,
                environ: Mapping[str, str] | None = None) -> Settings:
    """Return the settings: defaults, then the environment, then overrides."""
    return Settings.from_env(environ, **dict(overrides or {}))


def environment_config() -> Settings:
    """Read the configuration from the environment (demo secrets filled in demo mode):
    what the command line and the job worker run with."""
    config = load_config()
    if config.demo:
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


def demo_config(base: Settings) -> Settings:
    """Return `base` with DEMO on and any missing secret filled from the demo secrets."""
    values, _ = demo_secrets(base.data_dir or "instance")
    missing = {name.lower(): value for name, value in values.items()
               if not getattr(base, name.lower())}
    return base.replace(demo=True, **missing)
