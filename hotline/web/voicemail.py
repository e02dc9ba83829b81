"""Voice messages on the web side.

- `POST /twilio/voicemail/recorded`: the action of a caller's <Record> (channels/voice.
  record); signed like every /twilio request. The message becomes a callback request (or
  joins an urgent case's call back: urgent/intake.message_left); the caller is thanked.
- `POST /twilio/voicemail/transcribed`: Twilio's transcription, when the account has it.
- `GET /media/voicemail/<id>?exp=&sig=`: the audio for the <Play> of a bridged call's
  whisper. Twilio fetches media without a login, so the URL carries our own HMAC and
  expires within minutes (callbacks/voicemail.play_url); the audio is streamed from
  Twilio's API with the account's credentials, never a public link.

The volunteer's own page for a message is in web/volunteer.py (behind login).
"""

from __future__ import annotations

import logging

import requests
from flask import Blueprint, Response, abort, request

from hotline.callbacks import voicemail
from hotline.channels.calls import twiml
from hotline.recordings import NoAccount, RecordingApi
from hotline.urgent import intake as urgent_intake
from hotline.web import runtime
from hotline.web.webhook_guard import protect

log = logging.getLogger(__name__)

bp = Blueprint("voicemail", __name__, url_prefix="/twilio/voicemail")
protect(bp)  # signature check, one answer per delivery, fallback on failure

media = Blueprint("media", __name__, url_prefix="/media")


@bp.post("/recorded")
def recorded() -> Response:
    """A caller's message is recorded: keep it with their request; thank them."""
    app, form, args = runtime(), request.form, request.args
    steps = urgent_intake.message_left(
        app.redis, app.config, case_code=args.get("case", "")[:8],
        number=form.get("From", ""), call_sid=form.get("CallSid", ""),
        recording_sid=form.get("RecordingSid", ""), seconds=form.get("RecordingDuration", ""),
        topic=args.get("topic", ""), language=args.get("lang", ""), now=app.clock())
    return Response(twiml(steps, str(app.config.public_url or "")), status=200,
                    mimetype="text/xml")


@bp.post("/transcribed")
def transcribed() -> Response:
    """Twilio's transcription of a message: kept sealed beside it."""
    app, form = runtime(), request.form
    if form.get("TranscriptionStatus", "completed") == "completed":
        voicemail.transcribed(app.redis, app.config, form.get("RecordingSid", "")[:64],
                              form.get("TranscriptionText", ""))
    return Response(twiml(()), status=200, mimetype="text/xml")


def stream(rid: str) -> Response:
    """Request `rid`'s latest message, streamed from Twilio (404: none, or no account)."""
    app = runtime()
    message = voicemail.message_of(app.redis, app.config, rid)
    if message is None:
        abort(404)
    try:
        kind, chunks = RecordingApi(app.config).audio(message.sid)
    except (NoAccount, LookupError):
        abort(404)
    except requests.RequestException:
        log.warning("request %s: the recording could not be fetched from Twilio", rid)
        abort(502)
    return Response(chunks, mimetype=kind, headers={"Cache-Control": "no-store"},
                    direct_passthrough=True)


@media.get("/voicemail/<rid>")
def play(rid: str) -> Response:
    """The audio for a whisper's <Play>: only with a signed URL that has not expired."""
    rid = rid[:20]
    if not voicemail.play_allowed(runtime().config, rid, request.args.get("exp", ""),
                                  request.args.get("sig", ""), runtime().clock()):
        abort(403)
    return stream(rid)
