"""Urgent voice calls: ring a level's volunteers at once, whisper, accept on 1, escalate.

All under /twilio/urgent and signed like every /twilio request. dial_twiml() is what the
caller's call runs once an urgent case is open: a <Dial> with one <Number> per volunteer
of the first level with anyone available, each with a whisper URL ("urgent call, press 1
to accept"), so voicemail can never take the call. No acceptance within the level's
timeout: the Dial's action dials the next level; after the last, the caller hears the
emergency number and the case becomes an urgent callback (SMS paging goes on meanwhile).
"""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import urlencode

import redis
from flask import Blueprint, Response, request
from twilio.twiml.voice_response import Gather, VoiceResponse

from hotline.engine.emergency import emergency_number
from hotline.people import rota, volunteers
from hotline.urgent import cases as urgent
from hotline.urgent import intake as urgent_intake
from hotline.web import runtime
from hotline.web.webhook_guard import protect

log = logging.getLogger(__name__)
bp = Blueprint("urgent", __name__, url_prefix="/twilio/urgent")
protect(bp)  # signature check, one answer per delivery, fallback on failure

VOICES = {"ko": ("Polly.Seoyeon", "ko-KR"), "en": ("Polly.Joanna", "en-US"),
          "zh": ("Polly.Zhiyu", "cmn-CN"), "ru": ("Polly.Tatyana", "ru-RU")}
WHISPER = {"ko": "긴급 전화입니다. 받으려면 1번을 누르세요.",
           "en": "Urgent call. Press 1 to accept."}
CONNECTING = {"ko": "연결합니다.", "en": "Connecting."}
TAKEN = {"ko": "다른 분이 받았어요. 고맙습니다.", "en": "Someone else took this call. Thank you."}
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


def _url(config: dict[str, Any], view: str, **params: str) -> str:
    base = str(config.get("PUBLIC_URL") or "").rstrip("/")
    return f"{base}/twilio/urgent/{view}?{urlencode(params)}"


def _twiml(response: VoiceResponse) -> Response:
    return Response(str(response), status=200, mimetype="text/xml")


def dial_twiml(conn: redis.Redis, config: dict[str, Any], code: str, language: str,
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
        dial = response.dial(caller_id=config.get("HOTLINE_NUMBER"),
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


def _nobody(conn: redis.Redis, config: dict[str, Any], case: urgent.Case | None,
            now: float) -> None:
    """Nobody took the call: the case becomes an urgent callback (urgent/intake.py)."""
    urgent_intake.nobody_answered(conn, config, case, now)


def _case_arg() -> str:
    """The case code in the URL: letters and digits only (it is spoken and put in TwiML)."""
    code = urgent.normal_code(request.args.get("case", ""))
    return "".join(c for c in code if c.isascii() and c.isalnum())[:8]


@bp.post("/whisper")
def whisper() -> Response:
    """A volunteer picked up: ask them to press 1 (voicemail never presses 1)."""
    config, code = runtime().config, _case_arg()
    lang = request.args.get("lang", "ko") if request.args.get("lang") in WHISPER else "ko"
    response = VoiceResponse()
    gather = Gather(input="dtmf", num_digits=1, timeout=8, method="POST",
                    action=_url(config, "accept", case=code, lang=lang))
    _say(gather, f"{WHISPER[lang]} {' '.join(code)}.", lang)
    _say(gather, WHISPER[lang], lang)
    response.append(gather)
    response.hangup()  # no key: this leg drops, the others keep ringing
    return _twiml(response)


@bp.post("/accept")
def accept() -> Response:
    """The volunteer pressed a key: on 1 claim the case and connect, else hang up."""
    app = runtime()
    code = _case_arg()
    lang = request.args.get("lang", "ko") if request.args.get("lang") in WHISPER else "ko"
    response = VoiceResponse()
    person = volunteers.by_phone(app.redis, app.config, request.form.get("To", ""))
    if request.form.get("Digits") != "1" or person is None:
        response.hangup()
        return _twiml(response)
    outcome = urgent.claim(app.redis, app.config, code, person.id, app.clock())
    if outcome in ("won", "claimed"):
        log.info("urgent case %s: accepted by volunteer %s on the call", code, person.id)
        _say(response, CONNECTING[lang], lang)  # the whisper ends: the legs are bridged
        return _twiml(response)
    _say(response, TAKEN[lang], lang)
    response.hangup()
    return _twiml(response)


@bp.post("/dialed")
def dialed() -> Response:
    """The Dial ended: record the outcome, or dial the next level if nobody accepted."""
    app = runtime()
    code = _case_arg()
    lang = request.args.get("lang", "ko") if request.args.get("lang") in WHISPER else "ko"
    try:
        step = int(request.args.get("step", "1"))
    except ValueError:
        step = 1
    status = request.form.get("DialCallStatus", "")
    case = urgent.get(app.redis, app.config, code)
    now = app.clock()
    if case is not None and case.state == urgent.State.CLAIMED:
        urgent.note(app.redis, app.config, code, now, "call_outcome", status=status,
                    seconds=request.form.get("DialCallDuration", ""))
        # The volunteer accepted and spoke with the caller: the case is over (the number
        # goes); a caller who needs more calls again or texts, and a new case opens.
        urgent.close(app.redis, app.config, code, now, outcome=f"call {status or 'ended'}")
        response = VoiceResponse()
        response.hangup()
        return _twiml(response)
    if case is not None:
        urgent.note(app.redis, app.config, code, now, "not_accepted", status=status)
    return _twiml(dial_twiml(app.redis, app.config, code, lang, step, now))
