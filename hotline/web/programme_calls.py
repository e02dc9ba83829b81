"""The reminder call's webhook (/twilio/programmes/reminder): the key a caller who joined
by voice pressed in their reminder call. Signed like every /twilio request; the view asks
the programmes domain (programmes/voice.py) what the call does next and renders it."""

from __future__ import annotations

from flask import Blueprint, Response, request

from hotline.channels.calls import twiml
from hotline.programmes import voice
from hotline.web import runtime
from hotline.web.webhook_guard import protect

bp = Blueprint("programme_calls", __name__, url_prefix="/twilio/programmes")
protect(bp)  # signature check, one answer per delivery, fallback on failure


@bp.post("/reminder")
def reminder() -> Response:
    """1 confirms the seat, 2 cancels it, 3 asks for a call; another key hears it again."""
    app = runtime()
    steps = voice.on_key(app.redis, app.config, request.args.get("signup", ""),
                         request.form.get("Digits", ""), request.args.get("lang", ""),
                         app.clock())
    return Response(twiml(steps, str(app.config.public_url or "")), status=200,
                    mimetype="text/xml")
