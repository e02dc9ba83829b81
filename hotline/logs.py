"""Structured logs: one JSON object per line, a caller named only by their HMAC prefix.

Log calls name a caller with `extra={"caller": log_id}` (privacy.log_id: the first ten
hex digits of the number's HMAC), never with the number; message bodies are logged at
DEBUG at most. As a last line of defence, anything that still looks like a phone number
in E.164 form (+ and 7 to 15 digits) is replaced before the line is written.

    {"at": "2026-12-01T14:00:00Z", "level": "INFO", "logger": "hotline.keywords",
     "msg": "caller opted out", "caller": "3f9a0c1b2d", "job_id": "-"}

HOTLINE_LOG_FORMAT=text gives the same fields as `key=value` pairs on one line.
"""

from __future__ import annotations

import json
import logging
import re
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from hotline.config import Settings

E164 = re.compile(r"\+\d{7,15}")
# LogRecord attributes that are not extra fields given by the caller of the logger.
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message", "asctime"}
LOGGERS = ("hotline", "workers", "rq")


def scrub(text: str) -> str:
    """Replace anything shaped like an E.164 phone number with '+[number]'."""
    return E164.sub("+[number]", text)


def fields(record: logging.LogRecord) -> dict[str, Any]:
    """The fields of one log line: time, level, logger, message, then any extras."""
    entry: dict[str, Any] = {
        "at": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds")
        .replace("+00:00", "Z"),
        "level": record.levelname, "logger": record.name, "msg": scrub(record.getMessage()),
    }
    for name, value in vars(record).items():
        if name not in _STANDARD and not name.startswith("_"):
            entry[name] = value if isinstance(value, (int, float, bool)) else scrub(str(value))
    if record.exc_info:
        entry["exc"] = scrub(logging.Formatter().formatException(record.exc_info))
    return entry


class JsonFormatter(logging.Formatter):
    """One JSON object per line."""

    def format(self, record: logging.LogRecord) -> str:
        return json.dumps(fields(record), ensure_ascii=False)


class KeyValueFormatter(logging.Formatter):
    """key=value pairs on one line (values with spaces quoted)."""

    def format(self, record: logging.LogRecord) -> str:
        return " ".join(f"{k}={json.dumps(v, ensure_ascii=False) if ' ' in str(v) else v}"
                        for k, v in fields(record).items())


def handler(style: str = "json", stream: Any = None) -> logging.Handler:
    """A stream handler writing structured lines (`json` or `text`)."""
    out = logging.StreamHandler(stream)
    out.setFormatter(KeyValueFormatter() if style == "text" else JsonFormatter())
    return out


def configure(level: int | str = logging.INFO, style: str = "json",
              filters: tuple[logging.Filter, ...] = (), stream: Any = None) -> logging.Handler:
    """Send the hotline's, the workers' and rq's loggers to one structured handler."""
    out = handler(style, stream)
    for extra in filters:
        out.addFilter(extra)
    for name in LOGGERS:
        logger = logging.getLogger(name)
        logger.handlers[:] = [out]
        logger.setLevel(level)
        logger.propagate = False
    return out


def init_app(app: Any, settings: Settings) -> None:
    """Structured logs for the web app, unless testing or a host (gunicorn --log-config)
    already set a handler on the hotline logger."""
    if app.testing or logging.getLogger("hotline").handlers:
        return
    configure(settings.log_level.upper(), settings.log_format)
