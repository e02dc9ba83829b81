"""Twilio's webhooks answered in front of Flask: a small WSGI dispatch, same guarantees.

A webhook is most of the hotline's traffic, and Flask's request machinery (request and
app contexts, context-local look-ups, hooks, the Response object) cost about as much CPU
as the hotline's own work on it. The routes the menu runs on (/twilio/sms, /twilio/voice,
/twilio/voice/gather) and the status callbacks (/twilio/status) are answered here with
plain values: the form parsed once from the raw body (as werkzeug parses it), the
signature checked over it (web/webhook_guard.signature_valid), then the same code as the
Flask views (web/twilio.answer_body, status_body) and the same answers:

- no valid X-Twilio-Signature: 403, before anything reaches Redis;
- a validly signed request always gets 200 and TwiML: when anything fails (Redis down
  included), the route's fallback (webhook_guard.fallback_twiml);
- one answer per delivery: the pipeline claims it with its first reads, the status route
  through replay_guard.claim, as answer_once does; a status callback that cannot change
  anything (callbacks/intake.may_file_missed_call) is answered empty without Redis, on
  both ways in;
- the app's hooks a webhook needs, folded in: the live script version (scripts/live.py),
  the latency histogram (web/metrics.py) and the security headers (web/headers.py).
  No cookie session and no CSRF check: webhooks have neither.

Anything else goes to Flask unchanged: other paths and methods, a body that is not a
plain url-encoded form of a known length (multipart, chunked, too large, not UTF-8), and
a ring on the flash number (web/calls.py answers it). Those requests get the Flask
views behind the same guard (web/webhook_guard.py), which the tests run as well.
"""

from __future__ import annotations

import io
import logging
import time
from collections.abc import Callable, ItemsView, Iterable, Iterator
from typing import Any
from urllib.parse import unquote

import werkzeug.urls  # noqa: F401  registers the "werkzeug.url_quote" decoding errors
from flask import Flask
from werkzeug.exceptions import Forbidden

from hotline.callbacks import intake as callback_intake
from hotline.conversation import replay_guard
from hotline.web import Runtime, metrics, twilio
from hotline.web import headers as security_headers
from hotline.web.webhook_guard import OUTAGES, fallback_twiml, signature_valid

log = logging.getLogger(__name__)

StartResponse = Callable[..., Any]
WSGIApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]
EXTENSION = "webhook_dispatch"
FORM = "application/x-www-form-urlencoded"
FLASK_LIMITS = ("MAX_FORM_MEMORY_SIZE", "MAX_CONTENT_LENGTH")
TEXT_XML = "text/xml; charset=utf-8"  # what Flask's Response(mimetype="text/xml") sends

# path -> (the Flask endpoint it stands for, channel, kind); kind "status": status callback
ROUTES: dict[str, tuple[str, str, str]] = {
    "/twilio/sms": ("twilio.incoming_sms", "sms", "text"),
    "/twilio/voice": ("twilio.incoming_call", "voice", "call"),
    "/twilio/voice/gather": ("twilio.gathered", "voice", "gather"),
    "/twilio/status": ("twilio.status_callback", "voice", "status"),
}


class WebhookDispatch:
    """WSGI middleware: answers the Twilio webhook routes itself, passes the rest on."""

    def __init__(self, app: Flask, inner: WSGIApp):
        self.inner = inner  # Flask (behind any middleware already installed)
        self.enabled = True  # False: every request goes through Flask (tests compare both)
        self.runtime: Runtime = app.extensions["hotline"]
        self.live = app.extensions.get("live_scripts")
        # Flask's own limits (not hotline settings): a larger body is Flask's to refuse.
        form_limit, content_limit = (app.config.get(name) for name in FLASK_LIMITS)
        limit = form_limit or 500_000
        self.max_body = min(limit, content_limit) if content_limit else limit
        self.public_url = self.runtime.config.public_url.rstrip("/")
        https = self.public_url.startswith("https://")
        self.headers = self._headers(https)
        self.https_headers = self._headers(True)
        forbidden = Forbidden()
        self.forbidden = forbidden.get_body().encode()
        self.timers: dict[str, Any] = {}  # path -> its child of the latency histogram

    @staticmethod
    def _headers(https: bool) -> list[tuple[str, str]]:
        """The security headers every answer of the app carries (web/headers.py)."""
        out = list(security_headers.HEADERS.items())
        out.append(("Cache-Control", security_headers.NO_STORE))
        if https:
            out.append(("Strict-Transport-Security", security_headers.HSTS))
        return out

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        route = ROUTES.get(path)
        if route is None or not self.enabled or environ.get("REQUEST_METHOD") != "POST":
            return self.inner(environ, start_response)
        started = time.perf_counter()
        body = self._body(environ)
        form = _parse(body) if body is not None else None
        if form is None or (route[2] == "call" and callback_intake.is_flash(
                self.runtime.config, form.get("To", ""))):
            if body is not None:  # read already: Flask reads it again from here
                environ["wsgi.input"] = io.BytesIO(body)
            return self.inner(environ, start_response)
        try:
            status, answer = self._answer(environ, path, route, form)
        finally:
            timer = self.timers.get(path)
            if timer is None:
                # Made at a route's first webhook, not when the worker boots: a child made
                # then holds its metrics file from then on, and a gunicorn started later on
                # the same directory (bench/run.py's floor) deletes the files it finds.
                # The same child labels() would give on every webhook (prometheus_client
                # keeps it for good), without its lock and checks each time.
                timer = self.timers[path] = metrics.WEBHOOK_SECONDS.labels(path)
            timer.observe(time.perf_counter() - started)
        https = environ.get("wsgi.url_scheme") == "https"
        response_headers = [("Content-Type", TEXT_XML if status == "200 OK" else
                             "text/html; charset=utf-8"),
                            ("Content-Length", str(len(answer))),
                            *(self.https_headers if https else self.headers)]
        start_response(status, response_headers)
        return [answer]

    def _body(self, environ: dict[str, Any]) -> bytes | None:
        """The raw body of a plain url-encoded form of known, allowed length; else None
        (nothing read: Flask takes the request as it came)."""
        if not environ.get("CONTENT_TYPE", "").startswith(FORM):
            return None
        try:
            length = int(environ.get("CONTENT_LENGTH") or -1)
        except ValueError:
            return None
        if length < 0 or length > self.max_body:
            return None
        body: bytes = environ["wsgi.input"].read(length) if length else b""
        return body

    def _answer(self, environ: dict[str, Any], path: str, route: tuple[str, str, str],
                form: Form) -> tuple[str, bytes]:
        """Check, then answer: (status line, body)."""
        app = self.runtime
        if self.live is not None:
            self.live.refresh()  # the current script version, at most one GET a second
        # The raw bytes (PEP 3333: latin-1) read as UTF-8, as Flask's request.query_string
        query = environ.get("QUERY_STRING", "").encode("latin-1", "replace").decode(
            "utf-8", "replace")
        url = self.public_url + path + ("?" + query if query else "")
        try:
            valid = signature_valid(app.config, url, form,
                                    environ.get("HTTP_X_TWILIO_SIGNATURE", ""))
        except Exception:  # noqa: BLE001  a signature that cannot be checked is not valid
            valid = False
        if not valid:
            log.warning("rejected %s: missing or invalid Twilio signature", path)
            return "403 FORBIDDEN", self.forbidden
        endpoint, channel, kind = route
        try:
            if kind == "status":
                text = self._status(path, query, form)
            else:
                text = twilio.answer_body(app, channel, kind, form, path, query)
        except Exception as exc:  # a validly signed request always gets TwiML
            who = _who(app, form)
            if isinstance(exc, OUTAGES):
                log.error("%s: redis unreachable for caller %s (%s), answered with the "
                          "fallback", path, who, type(exc).__name__)
            else:
                log.exception("%s failed for caller %s, answered with the fallback: %s",
                              path, who, type(exc).__name__)
            text = fallback_twiml(app, endpoint, form)
        return "200 OK", text.encode("utf-8")

    def _status(self, path: str, query: str, form: Form) -> str:
        """A status callback, answered once per delivery (webhook_guard.answer_once's way)."""
        app = self.runtime
        if not callback_intake.may_file_missed_call(app.config, form):
            return twilio.EMPTY  # nothing to do, nothing to keep: no Redis
        fields = [(name, value) for name, values in form.lists() for value in values]
        key = replay_guard.delivery_key(app.config, path, query, fields)
        claimed, stored = replay_guard.claim(app.redis, key)  # an outage: the fallback
        if not claimed:
            return replay_guard.stored_answer(app.redis, app.config, key, stored) or twilio.EMPTY
        try:
            text = twilio.status_body(app, form)
        except Exception:
            replay_guard.release(app.redis, key)  # failed: a retry is handled afresh
            raise
        replay_guard.keep(app.redis, app.config, key, text, form.get("From", ""))
        return text


class Form:
    """A url-encoded form, parsed once (_parse): each name with its values in the order sent.

    The part of werkzeug's MultiDict the webhook path reads (get: the first value,
    getlist, lists, the names), without MultiDict's copy of a name's values on every
    lists() (a webhook reads them three times: the signature, the Inbound, the replay
    key). The twilio library's RequestValidator reads it through getlist.
    """

    __slots__ = ("_lists", "lists")
    lists: Callable[[], ItemsView[str, list[str]]]  # (name, values) pairs, as MultiDict's

    def __init__(self, lists: dict[str, list[str]]) -> None:
        self._lists = lists
        self.lists = lists.items  # the dict's own view, read in place (no Python call)

    def get(self, name: str, default: Any = None) -> Any:
        values = self._lists.get(name)
        return values[0] if values else default

    def getlist(self, name: str) -> list[str]:
        return list(self._lists.get(name, ()))

    def __iter__(self) -> Iterator[str]:
        return iter(self._lists)

    def __len__(self) -> int:
        return len(self._lists)


def _parse(body: bytes) -> Form | None:
    """The form as werkzeug parses a url-encoded body (None: not UTF-8, left to Flask).

    parse_qsl's steps with werkzeug's call (blanks kept, its decoding errors), except
    that a name or value with nothing to unquote (most of Twilio's fields: sids, counts,
    versions) is taken as it is: parse_qsl unquotes each through three calls, about 4 %
    of a webhook's instructions (bench/instructions.py). Tested equal to Flask's
    request.form on 3,000 odd bodies.
    """
    try:
        text = body.decode()
    except UnicodeDecodeError:
        return None
    lists: dict[str, list[str]] = {}
    for part in text.split("&"):
        if not part:
            continue
        name, _, value = part.partition("=")
        if "%" in name or "+" in name:
            name = unquote(name.replace("+", " "), errors="werkzeug.url_quote")
        if "%" in value or "+" in value:
            value = unquote(value.replace("+", " "), errors="werkzeug.url_quote")
        values = lists.get(name)
        if values is None:
            lists[name] = [value]
        else:
            values.append(value)
    return Form(lists)


def _who(app: Runtime, form: Form) -> str:
    """The caller's log id (an HMAC prefix), never the number."""
    try:
        return app.log_id(form.get("From", ""))
    except Exception:  # noqa: BLE001  a log line must not fail the answer
        return "-"


def init_app(app: Flask) -> None:
    """Put the dispatch in front of the app (outermost, after every other middleware)."""
    dispatch = WebhookDispatch(app, app.wsgi_app)
    app.extensions[EXTENSION] = dispatch
    app.wsgi_app = dispatch  # type: ignore[method-assign]
