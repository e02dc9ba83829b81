"""Urgent voice calls: ring a level's volunteers at once, whisper, accept on 1, escalate.

All under /twilio/urgent and signed like every /twilio request. dial_twiml() is what the
caller's call runs once an urgent case is open: a <Dial> with one <Number> per volunteer
of the first level with anyone available, each with a whisper URL ("urgent call, press 1
to accept"), so voicemail can never take the call. No acceptance within the level's
timeout: the Dial's action dials the next level; after the last, the caller hears the
emergency number and the case becomes an urgent callback (SMS paging goes on meanwhile).
"""

from __future__ import annotations

import redis
from flask import Blueprint, Response, request
from twilio.twiml.voice_response import Gather, VoiceResponse

from hotline.channels.calls import Step, render
from hotline.config import Settings
from hotline.engine.emergency import emergency_number
from hotline.people import rota, volunteers
from hotline.urgent import calls as urgent_calls
from hotline.urgent import cases as urgent
from hotline.urgent import intake as urgent_intake
from hotline.urgent.calls import VOICES, WHISPER  # used by dial_twiml (whisper languages)
from hotline.web import runtime
from hotline.web.webhook_guard import protect

bp = Blueprint("urgent", __name__, url_prefix="/twilio/urgent")
protect(bp)  # signature check, one answer per delivery, fallback on failure

# Said to the caller when nobody accepted: neutral, with the local emergency number.
NOBODY = {
    "ko": "지금 바로 {emergency}에 전화하세요. 곧 다시 전화드릴게요.",
    "en": "Please call {emergency} now. We will call you back soon.",
    "zh": "请马上拨打{emergency}。我们会尽快给您回电。",
    "ru": "Позвоните сейчас по номеру {emergency}. Мы скоро вам перезвоним.",
}


def _say(parent: VoiceResponse | Gather, text: str, language: str) -> None:
    voice, code = VOICES.get(language, VOICES["ko"])
    parent.say(text, voice=voice, language=code)


_url = urgent_calls.url


def _twiml(response: VoiceResponse) -> Response:
    return Response(str(response), status=200, mimetype="text/xml")


def _answer(answer: tuple[Step, ...] | urgent_calls.DialNext) -> Response:
    """Render what the urgent domain decided: call steps, or the next level's Dial."""
    if isinstance(answer, urgent_calls.DialNext):
        app = runtime()
        return _twiml(dial_twiml(app.redis, app.config, answer.code, answer.language,
                                 answer.step, app.clock()))
    return _twiml(render(answer))


def dial_twiml(conn: redis.Redis, config: Settings, code: str, language: str,
               step: int, now: float, before: str = "") -> VoiceResponse:
    """Say `before`, then dial the first level from `step` with anyone available.

    With nobody left, the caller hears the emergency number and the case becomes an
    urgent callback.
    """
    response = VoiceResponse()
    if before:
        _say(response, before, language)
    case = urgent.get(conn, config, code)
    levels = rota.current(conn, config, now)
    for index in range(step, len(levels)):
        people = [volunteers.get(conn, config, v) for v in levels[index].volunteers]
        phones = [(p.id, p.phone, _language_of(p)) for p in people
                  if p is not None][:10]  # Dial rings <= 10
        if not phones:
            continue
        dial = response.dial(caller_id=config.hotline_number,
                             timeout=min(max(levels[index].ack_timeout, 5), 600),
                             method="POST",
                             action=_url(config, "dialed", case=code, step=str(index + 1),
                                         lang=language))
        for vid, phone, lang in phones:  # each hears the whisper in their own language
            urgent.mark_paged(conn, config, code, vid)
            dial.number(phone, url=_url(config, "whisper", case=code, lang=lang), method="POST")
        urgent.note(conn, config, code, now, "dialled", level=levels[index].level,
                    volunteers=[vid for vid, _, _ in phones])
        return response
    _nobody(conn, config, case, now)
    country = case.country if case else ""
    text = NOBODY.get(language, NOBODY["ko"]).format(emergency=emergency_number(country))
    _say(response, text, language)
    response.hangup()
    return response


def _language_of(person: volunteers.Volunteer) -> str:
    """The whisper language for a volunteer: the first they speak, if we have the words."""
    first = person.languages[0] if person.languages else "ko"
    return first if first in WHISPER else "ko"


def _nobody(conn: redis.Redis, config: Settings, case: urgent.Case | None,
            now: float) -> None:
    """Nobody took the call: the case becomes an urgent callback (urgent/intake.py)."""
    urgent_intake.nobody_answered(conn, config, case, now)


def _case_arg() -> str:
    return urgent_calls.case_code(request.args.get("case", ""))


def _language_arg() -> str:
    return urgent_calls.language(request.args.get("lang"))


@bp.post("/whisper")
def whisper() -> Response:
    """A volunteer picked up: 1 takes the case, 2 passes it on (voicemail presses neither)."""
    app = runtime()
    return _answer(urgent_calls.whisper_steps(app.redis, app.config, _case_arg(),
                                              _language_arg()))


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
