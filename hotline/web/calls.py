"""Bridged-call webhooks: the volunteer presses 1, the caller is dialled, outcomes recorded.

All under /twilio/calls and signed like every /twilio request. Also the flash number:
a ring is rejected busy (free for the caller) and becomes a callback request. Each view
parses the form, asks the callbacks domain (callbacks/bridge.py, callbacks/intake.py)
what the call does next, and renders that (channels/calls.py).
"""

from __future__ import annotations

from flask import Blueprint, Response, request

from hotline.callbacks import bridge
from hotline.callbacks.intake import on_flash
from hotline.channels.calls import Step, twiml
from hotline.web import runtime
from hotline.web.webhook_guard import protect

bp = Blueprint("calls", __name__, url_prefix="/twilio/calls")
protect(bp)  # signature check, one answer per delivery, fallback on failure


def _twiml(steps: tuple[Step, ...]) -> Response:
    return Response(twiml(steps, str(runtime().config.public_url or "")), status=200,
                    mimetype="text/xml")


def _request_id() -> str:
    return request.args.get("request", "")


@bp.post("/connect")
def connect() -> Response:
    """The volunteer answered the whisper: on 1 dial the caller, else back to the queue."""
    app = runtime()
    return _twiml(bridge.on_connect(app.redis, app.config, _request_id(),
                                    request.form.get("Digits", ""),
                                    request.args.get("lang"), app.clock()))


@bp.post("/dialed")
def dialed() -> Response:
    """The caller's leg ended: answered (wait for DONE) or not (try again later)."""
    app = runtime()
    return _twiml(bridge.on_dialed(app.redis, app.config, _request_id(),
                                   request.form.get("DialCallStatus", ""),
                                   request.args.get("lang"), app.clock()))


@bp.post("/status")
def status() -> Response:
    """Status of the volunteer's call: ended without pressing 1 -> back in the queue."""
    app = runtime()
    return _twiml(bridge.on_status(app.redis, app.config, _request_id(),
                                   request.args.get("leg", ""),
                                   request.form.get("CallStatus", "")))


@bp.post("/flash")
def flash() -> Response:
    """A ring on the flash number: reject it busy (no charge) and file a callback request."""
    app = runtime()
    return _twiml(on_flash(lambda: app.redis, app.config, request.form.get("From", ""),
                           request.form.get("CallSid", ""), app.clock()))
