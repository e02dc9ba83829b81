"""Structured logs: JSON lines (or key=value), callers named by their HMAC prefix only,
anything shaped like a number scrubbed, no message text at INFO."""

from __future__ import annotations

import io
import json
import logging

import pytest

from hotline import create_app, logs
from hotline.privacy.vault import log_id, new_key

CALLER = "+821012345678"


@pytest.fixture()
def restore_loggers():
    """logs.configure() changes process-wide loggers: put them back afterwards."""
    saved = {name: (list(lg.handlers), lg.level, lg.propagate)
             for name in logs.LOGGERS for lg in [logging.getLogger(name)]}
    yield
    for name, (handlers, level, propagate) in saved.items():
        logger = logging.getLogger(name)
        logger.handlers[:] = handlers
        logger.setLevel(level)
        logger.propagate = propagate


def test_a_line_is_one_json_object_with_extras_and_no_number(restore_loggers):
    stream = io.StringIO()
    logs.configure("INFO", "json", stream=stream)
    logging.getLogger("hotline.test").info("sent to %s", CALLER, extra={"caller": "3f9a0c1b2d",
                                                                        "request": 1001})
    logging.getLogger("hotline.test").debug("not at INFO")
    (line,) = stream.getvalue().splitlines()
    entry = json.loads(line)
    assert entry["msg"] == "sent to +[number]" and entry["level"] == "INFO"
    assert entry["logger"] == "hotline.test" and entry["caller"] == "3f9a0c1b2d"
    assert entry["request"] == 1001 and entry["at"].endswith("Z")


def test_an_exception_is_kept_scrubbed_in_the_same_line(restore_loggers):
    stream = io.StringIO()
    logs.configure("INFO", "json", stream=stream)
    try:
        raise ValueError(f"The 'To' number {CALLER} is not valid")
    except ValueError:
        logging.getLogger("workers.test").exception("job failed")
    (line,) = stream.getvalue().splitlines()
    entry = json.loads(line)
    assert "ValueError" in entry["exc"] and CALLER not in line and CALLER[1:] not in line


def test_the_text_style_is_key_value_pairs(restore_loggers):
    stream = io.StringIO()
    logs.configure("INFO", "text", stream=stream)
    logging.getLogger("hotline.test").info("caller opted out", extra={"caller": "3f9a0c1b2d"})
    line = stream.getvalue().strip()
    assert " level=INFO logger=hotline.test " in line
    assert 'msg="caller opted out" caller=3f9a0c1b2d' in line


def test_the_app_logs_a_caller_event_with_the_hmac_prefix(restore_loggers, redis_url,
                                                          redis_conn, monkeypatch):
    secrets = {"SECRET_KEY": "k", "TWILIO_AUTH_TOKEN": "t", "ENCRYPTION_KEY": new_key(),
               "REDIS_URL": redis_url, "PUBLIC_URL": "https://hotline.example.org"}
    for name in logs.LOGGERS:
        logging.getLogger(name).handlers[:] = []
    app = create_app(secrets)  # not testing: the structured handler is installed
    handler = logging.getLogger("hotline").handlers[0]
    assert isinstance(handler.formatter, logs.JsonFormatter)
    stream = io.StringIO()
    monkeypatch.setattr(handler, "stream", stream)
    from twilio.request_validator import RequestValidator

    params = {"From": CALLER, "To": "+15005550006", "Body": "STOP", "MessageSid": "SM1"}
    signature = RequestValidator("t").compute_signature(
        "https://hotline.example.org/twilio/sms", params)
    response = app.test_client().post("/twilio/sms", data=params,
                                      headers={"X-Twilio-Signature": signature})
    assert response.status_code == 200
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert {"msg": "caller opted out of SMS", "caller": log_id("k", CALLER)}.items() <= \
        next(e for e in lines if e["msg"].startswith("caller opted")).items()
    assert CALLER[3:] not in stream.getvalue()


def test_a_test_app_leaves_logging_to_pytest(app):
    assert not any(isinstance(h.formatter, logs.JsonFormatter)
                   for h in logging.getLogger("hotline").handlers)
