"""What every /twilio blueprint runs around its views: verify, answer a delivery once, never fail.

- The signature check first: nothing unsigned reaches Redis (403).
- One answer per delivery (conversation/replay_guard.py): the inbound pipeline's routes
  (a text, a call, a Gather) claim the delivery with their first reads themselves; every
  other route's view runs inside answer_once(), which claims, runs the view, and keeps its
  answer, with plain locals (no flask.g between hooks).
- Redis down or hung at the claim: the route's fallback at once, so the caller hears the
  emergency number within a second instead of waiting on each later command.
- Any exception a view lets out: logged, and the route's fallback with 200, never a 500.
"""

from __future__ import annotations

import base64
import functools
import hmac
import logging
from collections.abc import Callable
from typing import Any

import redis
from flask import Blueprint, Flask, Response, abort, current_app, request
from flask.wrappers import Request
from twilio.request_validator import RequestValidator
from twilio.twiml.voice_response import VoiceResponse
from werkzeug.exceptions import HTTPException

from hotline import macs
from hotline.callbacks import intake as callback_intake
from hotline.channels.fallback import fallback
from hotline.config import Settings
from hotline.conversation import replay_guard
from hotline.engine.model import Script
from hotline.web import Runtime, runtime

log = logging.getLogger(__name__)

OUTAGES = (redis.ConnectionError, redis.TimeoutError)

# Status callbacks have no one listening: their fallback is an empty answer.
QUIET_ENDPOINTS = {"twilio.status_callback", "calls.status", "voicemail.transcribed"}

# Routes whose view hands the delivery to the inbound pipeline, which claims it itself
# together with its first reads (conversation/arrival.py): one round trip.
PIPELINE_ENDPOINTS = {"twilio.incoming_sms", "twilio.incoming_call", "twilio.gathered"}
STATUS_ENDPOINT = "twilio.status_callback"


def protect(bp: Blueprint) -> None:
    """Put a /twilio blueprint behind the signature check, the replay guard and the fallback."""
    bp.before_request(guard)
    bp.register_error_handler(Exception, on_error)


def guard() -> Response | None:
    """Check the signature; then, unless the pipeline claims it, answer the delivery once.

    The request and the app are looked up once (each context-local look-up costs)."""
    req: Request = request._get_current_object()  # type: ignore[attr-defined]
    app: Flask = current_app._get_current_object()  # type: ignore[attr-defined]
    config = app.extensions["hotline"].config
    check_signature(req, config)
    endpoint = req.endpoint
    if endpoint in PIPELINE_ENDPOINTS or endpoint not in app.view_functions:
        return None
    if endpoint == STATUS_ENDPOINT and not callback_intake.may_file_missed_call(config, req.form):
        return None  # changes nothing: the view answers it empty, without Redis
    view = app.view_functions[endpoint]
    return answer_once(lambda: view(**(req.view_args or {})))


# --- the signature ----------------------------------------------------------------------

def signed_url(public_url: str, req: Request | None = None) -> str:
    """Return the URL Twilio signed: PUBLIC_URL + this request's path and query (not Host)."""
    req = req if req is not None else request._get_current_object()  # type: ignore[attr-defined]
    url = public_url.rstrip("/") + req.path
    if req.query_string:
        url += "?" + req.query_string.decode("utf-8", "replace")
    return url


@functools.lru_cache(maxsize=4)
def _validator(token: str) -> RequestValidator:
    return RequestValidator(token)


def check_signature(req: Request | None = None, config: Settings | None = None) -> None:
    """Refuse (403) any request without a valid Twilio signature."""
    req = req if req is not None else request._get_current_object()  # type: ignore[attr-defined]
    config = config if config is not None else runtime().config
    if not signature_valid(config, signed_url(config.public_url, req), req.form,
                           req.headers.get("X-Twilio-Signature", "")):
        log.warning("rejected %s: missing or invalid Twilio signature", req.path)
        abort(403)


def signature_valid(config: Settings, url: str, form: Any, signature: str) -> bool:
    """True when `signature` is Twilio's over this URL and form (plain values: the Flask
    guard above and the WSGI dispatch in front of Flask both check through it)."""
    if not signature:
        return False
    token = str(config.twilio_auth_token or "")
    computed = expected_signature(token, url, form)
    return (hmac.compare_digest(computed.encode(), signature.encode("utf-8", "replace"))
            or _validator(token).validate(url, form, signature))


def expected_signature(token: str, url: str, form: Any) -> str:
    """The common case in one HMAC: the signature over exactly this URL (validate() always
    computes two, with and without the port, and is the fallback for the other forms).
    RequestValidator.compute_signature's string (each name, sorted, with each of its
    distinct values, sorted), without its per-name look-up of the form's type."""
    parts = [url]
    for name, values in sorted(form.lists()):
        if len(values) == 1:
            parts.append(name + values[0])
        else:
            parts += [name + value for value in sorted(set(values))]
    material = "".join(parts)
    mac = macs.digest(token.encode("utf-8"), material.encode("utf-8"), "sha1")
    return base64.b64encode(mac).decode("ascii")


# --- one answer per delivery -----------------------------------------------------------------

def delivery_key() -> str:
    """The replay guard's key of this request (path, query string, form)."""
    fields = [(name, value) for name, values in request.form.lists() for value in values]
    return replay_guard.delivery_key(runtime().config, request.path,
                                     request.query_string.decode("utf-8", "replace"), fields)


def answer_once(view: Callable[[], Any]) -> Response:
    """Run `view` for the first delivery and keep its answer; give a repeat that answer."""
    app, key = runtime(), delivery_key()
    try:
        claimed, stored = replay_guard.claim(app.redis, key)
    except OUTAGES as exc:
        log.error("%s: redis unreachable for caller %s (%s), answered with the fallback",
                  request.path, _who(), type(exc).__name__)
        return fallback_answer()
    if not claimed:
        body = replay_guard.stored_answer(app.redis, app.config, key, stored)
        return twiml(body) if body else _empty()
    try:
        response = current_app.make_response(view())
    except Exception:
        replay_guard.release(app.redis, key)  # failed: a retry is handled afresh
        raise
    keep = response.status_code == 200 and not response.direct_passthrough
    replay_guard.keep(app.redis, app.config, key,
                      response.get_data(as_text=True) if keep else None,
                      request.form.get("From", ""))
    return response


# --- answers ------------------------------------------------------------------------

def twiml(body: str) -> Response:
    """A TwiML answer."""
    return Response(body, status=200, mimetype="text/xml")


EMPTY = str(VoiceResponse())  # an empty <Response/>


def _empty() -> Response:
    return twiml(EMPTY)


def fallback_answer() -> Response:
    """The answer when Redis or a view fails: the emergency number (a missed call: busy)."""
    return twiml(fallback_twiml(runtime(), request.endpoint, request.form))


def fallback_twiml(app: Runtime, endpoint: str | None, form: Any) -> str:
    """The route's fallback as TwiML, from plain values (the endpoint's name and the form)."""
    if endpoint in QUIET_ENDPOINTS:
        return EMPTY
    try:
        from hotline.callbacks.intake import is_flash

        if endpoint == "calls.flash" or (
                endpoint == "twilio.incoming_call"
                and is_flash(app.config, form.get("To", ""))):
            busy = VoiceResponse()
            busy.reject(reason="busy")  # a missed call stays free for the caller
            return str(busy)
    except Exception as exc:  # noqa: BLE001  the fallback must not fail
        log.warning("flash number check failed (%s)", type(exc).__name__)
    channel = "sms" if endpoint == "twilio.incoming_sms" else "voice"
    return str(fallback(channel, form.get("From", ""), form.get("Body", ""),
                        _entry_script(app)))


def _entry_script(app: Runtime) -> Script | None:
    """The loaded entry script, for the fallback's words (None: its last-resort lines)."""
    try:
        return app.scripts.entry_or_none()
    except Exception:  # noqa: BLE001  the fallback must not fail
        return None


def _who() -> str:
    """The caller's log id (an HMAC prefix), never the number."""
    try:
        return runtime().log_id(request.form.get("From", ""))
    except Exception:  # noqa: BLE001  a log line must not fail the answer
        return "-"


def on_error(exc: Exception) -> Response | HTTPException:
    """A view failed: log where (no caller data), answer with the route's fallback."""
    if isinstance(exc, HTTPException):
        return exc
    if isinstance(exc, OUTAGES):
        log.error("%s: redis unreachable for caller %s (%s), answered with the fallback",
                  request.path, _who(), type(exc).__name__)
    else:
        log.exception("%s failed for caller %s, answered with the fallback: %s",
                      request.path, _who(), type(exc).__name__)
    return fallback_answer()
