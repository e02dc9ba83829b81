"""The web pages when Redis is down: a short 503 page, not a 500.

Only for the pages people read (/login, /volunteer/, /admin/...): the Twilio webhooks
have their own fallback TwiML and /healthz answers 503 by itself. The page uses the
site's layout with nobody logged in (the account is read from Redis), else plain text.
"""

from __future__ import annotations

import logging
from typing import Any

import redis
from flask import Flask, g, render_template, request

from hotline.web.texts import say

log = logging.getLogger(__name__)

# Blueprints of the pages people read; a Redis outage there is a 503 page.
PAGE_BLUEPRINTS = ("site", "auth", "volunteer", "admin", "admin_scripts", "admin_directory",
                   "admin_people", "admin_figures")
MESSAGE = say("try_again_later")
RETRY_AFTER = "30"  # seconds


def unavailable(exc: Exception) -> Any:
    """The 503 page for a page request that could not reach Redis."""
    if request.blueprint not in PAGE_BLUEPRINTS:
        raise exc  # webhooks and the rest keep their own handling
    log.warning("web page: redis unreachable (%s) on %s", type(exc).__name__, request.path)
    g.user = None  # the layout must not ask Redis who is logged in
    headers = {"Retry-After": RETRY_AFTER}
    try:
        return render_template("error.html", status=503, message=MESSAGE), 503, headers
    except Exception:  # noqa: BLE001  whatever else is broken, the plain page still goes out
        return MESSAGE, 503, {**headers, "Content-Type": "text/plain; charset=utf-8"}


def init_app(app: Flask) -> None:
    """Answer a Redis outage on the web pages with the 503 page."""
    for error in (redis.ConnectionError, redis.TimeoutError):
        app.register_error_handler(error, unavailable)
