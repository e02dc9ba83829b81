"""The benchmark's baseline: a minimal Flask app that answers every POST with fixed TwiML.

    gunicorn -c python:hotline.gunicorn_conf --bind 127.0.0.1:8001 'baseline_app:app'

bench/run.py runs it under the same gunicorn settings as the hotline and sends it the
same signed conversations, so the ratio hotline/baseline shows what the hotline's own
work costs (signature check, session, engine, Redis, TwiML) over Flask and gunicorn.
The document is built once, with the twilio library, at import.
"""

from __future__ import annotations

from flask import Flask, Response
from twilio.twiml.voice_response import Gather, VoiceResponse

_response = VoiceResponse()
_gather = Gather(action="/twilio/voice/gather", method="POST", input="dtmf speech",
                 num_digits=1, language="ko-KR")
_gather.say("무엇을 도와드릴까요? 건강 지원: 1번", voice="Polly.Seoyeon", language="ko-KR")
_response.append(_gather)
TWIML = str(_response).encode("utf-8")

app = Flask(__name__)


@app.post("/twilio/<path:rest>")
def answer(rest: str) -> Response:
    """Return the fixed TwiML document, whatever was posted."""
    return Response(TWIML, status=200, mimetype="text/xml")


@app.get("/healthz")
def healthz() -> tuple[dict[str, str], int]:
    """Say the baseline is up (the harness waits for this)."""
    return {"baseline": "ok"}, 200
