"""What every /twilio blueprint runs around its views: verify, answer a delivery once, never fail.

- The signature check first (signature.check_signature): nothing unsigned reaches Redis.
- Twilio retries webhooks and delivers status callbacks at least once. A delivery identical
  to one already answered (same path, query string and form) gets the stored answer again
  and changes nothing; a twin that arrives while the first is still running waits briefly
  for its answer, else gets an empty <Response/>. Answers are kept Fernet-encrypted (a
  <Dial> may hold a caller's number) for REPLAY_TTL, under an HMAC of the request, and
  listed under each caller they are about, so erasure finds them (hotline/replay.py).
  Menu Gathers carry a fresh token in their action URL (channels/voice.py), so the same
  key pressed at two different questions is two deliveries, not one.
- Redis down or hung at that first look-up: the route's fallback at once, so the caller
  hears the emergency number within a second instead of waiting on each later command.
- Any exception a view lets out: logged, and the route's fallback with 200, never a 500.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import time
from collections.abc import Callable
from typing import Any

import redis
from flask import Blueprint, Response, g, request
from twilio.twiml.voice_response import VoiceResponse
from werkzeug.exceptions import HTTPException

from hotline import replay
from hotline.channels.fallback import fallback
from hotline.engine.model import Script
from hotline.privacy.vault import NumberVault
from hotline.web import runtime
from hotline.web.signature import check_signature

log = logging.getLogger(__name__)

REPLAY_TTL = replay.REPLAY_TTL  # seconds an answer is kept for a retried delivery
PENDING = b"-"  # the claim while the first delivery is being answered
WAIT_FOR_FIRST = 2.0  # seconds a twin waits for the first delivery's answer
OUTAGES = (redis.ConnectionError, redis.TimeoutError)

# Status callbacks have no one listening: their fallback is an empty answer.
QUIET_ENDPOINTS = {"twilio.status_callback", "calls.status"}

# A route may claim in the same round trip as its first reads: (key, value, ttl) in,
# (claimed, the stored answer when not claimed) out. See web/arrival.py.
ClaimAndRead = Callable[[tuple[str, bytes, int]], tuple[bool, bytes | None]]
_claim_and_read: dict[str, ClaimAndRead] = {}


def claim_with(endpoint: str, claim_and_read: ClaimAndRead) -> None:
    """Let `endpoint` make the claim itself, together with what its view reads first."""
    _claim_and_read[endpoint] = claim_and_read


def protect(bp: Blueprint) -> None:
    """Put a /twilio blueprint behind the signature check, the replay guard and the fallback."""
    bp.before_request(check_signature)
    bp.before_request(claim)
    bp.after_request(store)
    bp.register_error_handler(Exception, on_error)


def _empty() -> Response:
    return Response(str(VoiceResponse()), status=200, mimetype="text/xml")


def fallback_answer() -> Response:
    """The answer when Redis or a view fails: the emergency number (a missed call: busy)."""
    form = request.form
    if request.endpoint in QUIET_ENDPOINTS:
        return _empty()
    try:
        from hotline.callbacks.intake import is_flash

        if request.endpoint == "calls.flash" or (
                request.endpoint == "twilio.incoming_call"
                and is_flash(runtime().config, form.get("To", ""))):
            busy = VoiceResponse()
            busy.reject(reason="busy")  # a missed call stays free for the caller
            return Response(str(busy), status=200, mimetype="text/xml")
    except Exception as exc:  # noqa: BLE001  the fallback must not fail
        log.warning("flash number check failed (%s)", type(exc).__name__)
    channel = "sms" if request.endpoint == "twilio.incoming_sms" else "voice"
    answer = fallback(channel, form.get("From", ""), form.get("Body", ""), _entry_script())
    return Response(str(answer), status=200, mimetype="text/xml")


def _entry_script() -> Script | None:
    """The loaded entry script, for the fallback's words (None: its last-resort lines)."""
    try:
        return runtime().scripts.entry_or_none()
    except Exception:  # noqa: BLE001  the fallback must not fail
        return None


def _who() -> str:
    """The caller's log id (an HMAC prefix), never the number."""
    try:
        return runtime().log_id(request.form.get("From", ""))
    except Exception:  # noqa: BLE001  a log line must not fail the answer
        return "-"


def _key() -> str:
    app = runtime()
    fields = sorted((name, value) for name, values in request.form.lists() for value in values)
    material = json.dumps([request.path, request.query_string.decode("utf-8", "replace"),
                           fields], ensure_ascii=False)
    digest = hmac.new(str(app.config["SECRET_KEY"]).encode(), material.encode("utf-8"),
                      hashlib.sha256).hexdigest()[:40]
    return replay.answer_key(app.config, digest)


def _vault() -> NumberVault | None:
    key = runtime().config.get("ENCRYPTION_KEY")
    return NumberVault(key) if key else None


def claim() -> Response | None:
    """Let the first delivery through; answer a repeated one with the stored answer."""
    conn, key = runtime().redis, _key()
    own = _claim_and_read.get(request.endpoint or "")
    try:
        if own is None:
            claimed = bool(conn.set(key, PENDING, nx=True, ex=REPLAY_TTL))
            stored = None if claimed else conn.get(key)
        else:
            claimed, stored = own((key, PENDING, REPLAY_TTL))
        if claimed:
            g.replay_key = key
            return None
        return _replay(conn, key, stored)
    except OUTAGES as exc:
        log.error("%s: redis unreachable for caller %s (%s), answered with the fallback",
                  request.path, _who(), type(exc).__name__)
        return fallback_answer()


def _replay(conn: redis.Redis, key: str, stored: bytes | str | None) -> Response:
    deadline = time.monotonic() + WAIT_FOR_FIRST
    while stored == PENDING and time.monotonic() < deadline:
        time.sleep(0.05)
        stored = conn.get(key)
    vault = _vault()
    body = vault.decrypt(stored) if vault and stored and stored != PENDING else None
    log.info("%s: repeated delivery, %s", request.path,
             "answered as before" if body else "answered empty")
    if body is None:
        return _empty()
    return Response(body, status=200, mimetype="text/xml")


def do_not_replay() -> None:
    """This delivery failed (answered with the fallback): let a retry be handled afresh."""
    key = g.pop("replay_key", None)
    if key is None:
        return
    try:
        runtime().redis.delete(key)
    except Exception as exc:  # noqa: BLE001  the claim expires by itself
        log.warning("%s: claim not released (%s)", request.path, type(exc).__name__)


def with_answer(write: Callable[[Any], object]) -> None:
    """Send a write in the same round trip as the answer kept for retries (a pipeline).

    For what the answer is the outcome of (the caller's session): kept together or lost
    together, and one round trip less.
    """
    g.setdefault("writes_with_answer", []).append(write)


def store(response: Response) -> Response:
    """Keep the answer of a first delivery, encrypted, for its retries."""
    key, writes = g.pop("replay_key", None), g.pop("writes_with_answer", [])
    if key is None and not writes:
        return response
    vault = _vault()
    try:
        pipe = runtime().redis.pipeline(transaction=False)
        for write in writes:
            write(pipe)
        keep = response.status_code == 200 and not response.direct_passthrough
        if key is not None and keep and vault is not None:
            answer = response.get_data(as_text=True)
            replay.keep(pipe, runtime().config, key, vault.encrypt(answer),
                        replay.about(runtime().config, request.form.get("From", ""), answer))
        elif key is not None:
            pipe.delete(key)
        pipe.execute()
    except Exception as exc:  # noqa: BLE001  the answer goes out anyway
        log.warning("%s: answer not kept for retries (%s)", request.path, type(exc).__name__)
    return response


def on_error(exc: Exception) -> Response | HTTPException:
    """A view failed: log where (no caller data), answer with the route's fallback."""
    if isinstance(exc, HTTPException):
        return exc
    do_not_replay()
    if isinstance(exc, OUTAGES):
        log.error("%s: redis unreachable for caller %s (%s), answered with the fallback",
                  request.path, _who(), type(exc).__name__)
    else:
        log.exception("%s failed for caller %s, answered with the fallback: %s",
                      request.path, _who(), type(exc).__name__)
    return fallback_answer()
