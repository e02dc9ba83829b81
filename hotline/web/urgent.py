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

from hotline.engine.actions import End, Say
from hotline.engine.emergency import emergency_number
from hotline.engine.model import Script
from hotline.engine.runner import Result
from hotline.people import rota, volunteers
from hotline.scripts import volunteer_texts
from hotline.urgent import cases as urgent
from hotline.urgent import intake as urgent_intake
from hotline.web import runtime
from hotline.web.webhook_guard import protect

log = logging.getLogger(__name__)
bp = Blueprint("urgent", __name__, url_prefix="/twilio/urgent")
protect(bp)  # signature check, one answer per delivery, fallback on failure


def _say(parent: VoiceResponse | Gather, text: str, voice: tuple[str, str]) -> None:
    name, speech = voice  # the script's voice for the language (volunteer_texts.voice)
    parent.say(text, **{k: v for k, v in (("voice", name), ("language", speech)) if v})


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
    voice = volunteer_texts.voice(conn, config, language)
    if before:
        _say(response, before, voice)
    case = urgent.get(conn, config, code)
    levels = rota.current(conn, config, now)
    for index in range(step, len(levels)):
        people = [volunteers.get(conn, config, v) for v in levels[index].volunteers]
        phones = [(p.id, p.phone, volunteer_texts.language_of(conn, config, p)) for p in people
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
    text = volunteer_texts.text(conn, config, "urgent_nobody", language,
                                emergency=emergency_number(country))
    _say(response, text, voice)
    response.hangup()
    return response


def urgent_dial(conn: redis.Redis, config: dict[str, Any], script: Script, result: Result,
                caller: str, now: float) -> VoiceResponse | None:
    """TwiML for a voice call that just reached an urgent node: its calm sentence, then Dial.

    None when the caller's case is already claimed or nobody is on call: the normal
    rendering then says the node's text with the emergency number. A case still waiting
    for someone (opened by SMS, or by an earlier call) is dialled now too.
    """
    node = script.nodes.get(result.session.node)
    if node is None or node.kind != "urgent" or not result.actions:
        return None
    if not isinstance(result.actions[-1], End):
        return None
    case = urgent.open_case_of(conn, config, caller)
    if case is None or case.state not in urgent.UNCLAIMED:
        return None  # a volunteer has the case already (they are told the caller rang)
    if not any(level.volunteers for level in rota.current(conn, config, now)):
        return None
    said = " ".join(a.text for a in result.actions if isinstance(a, Say) and a.text)
    return dial_twiml(conn, config, case.code, result.session.language, 0, now, before=said)


def _nobody(conn: redis.Redis, config: dict[str, Any], case: urgent.Case | None,
            now: float) -> None:
    """Nobody took the call: the case waits at the top of the callback queue, and every
    level is paged by SMS at once."""
    if case is None or case.state not in urgent.UNCLAIMED:
        return
    if not urgent.once(conn, config, case.code, "voice-nobody"):
        return
    rid = urgent_intake.file_callback(conn, config, case, now)
    urgent.set_state(conn, config, case.code, urgent.State.CALLBACK, callback=rid)
    urgent.note(conn, config, case.code, now, "nobody_answered", callback=rid)
    urgent.enqueue_page_all(conn, case.code)


def _case_arg() -> str:
    """The case code in the URL: letters and digits only (it is spoken and put in TwiML)."""
    code = urgent.normal_code(request.args.get("case", ""))
    return "".join(c for c in code if c.isascii() and c.isalnum())[:8]


@bp.post("/whisper")
def whisper() -> Response:
    """A volunteer picked up: ask them to press 1 (voicemail never presses 1)."""
    app, code = runtime(), _case_arg()
    conn, config = app.redis, app.config
    lang = volunteer_texts.spoken(conn, config, request.args.get("lang", "ko"))
    said, voice = (volunteer_texts.text(conn, config, "urgent_whisper", lang),
                   volunteer_texts.voice(conn, config, lang))
    response = VoiceResponse()
    gather = Gather(input="dtmf", num_digits=1, timeout=8, method="POST",
                    action=_url(config, "accept", case=code, lang=lang))
    _say(gather, f"{said} {' '.join(code)}.", voice)
    _say(gather, said, voice)
    response.append(gather)
    response.hangup()  # no key: this leg drops, the others keep ringing
    return _twiml(response)


@bp.post("/accept")
def accept() -> Response:
    """The volunteer pressed a key: on 1 claim the case and connect, else hang up."""
    app = runtime()
    code = _case_arg()
    lang = volunteer_texts.spoken(app.redis, app.config, request.args.get("lang", "ko"))
    voice = volunteer_texts.voice(app.redis, app.config, lang)
    response = VoiceResponse()
    person = volunteers.by_phone(app.redis, app.config, request.form.get("To", ""))
    if request.form.get("Digits") != "1" or person is None:
        response.hangup()
        return _twiml(response)
    outcome = urgent.claim(app.redis, app.config, code, person.id, app.clock())
    if outcome in ("won", "claimed"):
        log.info("urgent case %s: accepted by volunteer %s on the call", code, person.id)
        _say(response, volunteer_texts.text(app.redis, app.config, "volunteer_connecting",
                                            lang), voice)  # the whisper ends: legs bridged
        return _twiml(response)
    _say(response, volunteer_texts.text(app.redis, app.config, "urgent_call_taken", lang),
         voice)
    response.hangup()
    return _twiml(response)


@bp.post("/dialed")
def dialed() -> Response:
    """The Dial ended: record the outcome, or dial the next level if nobody accepted."""
    app = runtime()
    code = _case_arg()
    lang = volunteer_texts.spoken(app.redis, app.config, request.args.get("lang", "ko"))
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
