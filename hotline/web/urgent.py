"""Urgent voice calls: the pages of a ringing level (whisper, accept on 1) and of a Dial
that ended (the next level, or the emergency number). All under /twilio/urgent and signed
like every /twilio request. The urgent domain decides (urgent/calls.py: steps and the
engine's Dial); these views parse and render (channels/calls.py, whose Dial is
channels/voice.dial). Every word said is a phrase of the scripts, in the voice of its
language.
"""

from __future__ import annotations

import redis
from flask import Blueprint, Response, request
from twilio.twiml.voice_response import VoiceResponse

from hotline.channels.calls import Step, render
from hotline.config import Settings
from hotline.scripts import volunteer_texts
from hotline.urgent import calls as urgent_calls
from hotline.web import runtime
from hotline.web.webhook_guard import protect

bp = Blueprint("urgent", __name__, url_prefix="/twilio/urgent")
protect(bp)  # signature check, one answer per delivery, fallback on failure


_url = urgent_calls.url


def _twiml(response: VoiceResponse) -> Response:
    return Response(str(response), status=200, mimetype="text/xml")


def _answer(answer: tuple[Step, ...] | urgent_calls.DialNext) -> Response:
    """Render what the urgent domain decided: call steps, or the next level's Dial."""
    if isinstance(answer, urgent_calls.DialNext):
        app = runtime()
        return _twiml(dial_twiml(app.redis, app.config, answer.code, answer.language,
                                 answer.step, app.clock()))
    config = runtime().config
    return _twiml(render(answer, str(config.public_url or ""), bool(config.transcribe_messages)))


def dial_twiml(conn: redis.Redis, config: Settings, code: str, language: str,
               step: int, now: float, before: str = "") -> VoiceResponse:
    """The caller's call goes on at the first level from `step` with anyone available
    (the urgent domain decides: urgent/calls.next_level; rendered here)."""
    return render(urgent_calls.next_level(conn, config, code, language, step, now, before),
                  str(config.public_url or ""), bool(config.transcribe_messages))


def _case_arg() -> str:
    return urgent_calls.case_code(request.args.get("case", ""))


def _language_arg() -> str | None:
    return request.args.get("lang")  # the domain keeps it if the scripts speak it


@bp.post("/whisper")
def whisper() -> Response:
    """A volunteer picked up: 1 takes the case, 2 passes it on (voicemail presses neither)."""
    app = runtime()
    return _answer(urgent_calls.whisper_steps(volunteer_texts.live(app.redis, app.config),
                                              app.config, _case_arg(), _language_arg()))


@bp.post("/accept")
def accept() -> Response:
    """The volunteer pressed a key: 1 claims the case and connects, 2 passes it on."""
    app = runtime()
    return _answer(urgent_calls.on_accept(app.redis, app.config, _case_arg(),
                                          request.form.get("Digits", ""),
                                          request.form.get("To", ""), _language_arg(),
                                          app.clock()))


@bp.post("/dialed")
def dialed() -> Response:
    """The Dial ended: record the outcome, or dial the next level if nobody accepted."""
    app = runtime()
    try:
        step = int(request.args.get("step", "1"))
    except ValueError:
        step = 1
    return _answer(urgent_calls.on_dialed(app.redis, app.config, _case_arg(), step,
                                          request.form.get("DialCallStatus", ""),
                                          request.form.get("DialCallDuration", ""),
                                          _language_arg(), app.clock()))
