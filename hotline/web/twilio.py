"""Twilio webhooks: signature check, then input -> session -> engine step -> TwiML.

Every request must carry a valid X-Twilio-Signature (403 otherwise). A validly signed
request always gets 200 and TwiML: when anything fails, the fallback with the local
emergency number.
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Callable
from typing import Any

import redis
from flask import Blueprint, Response, after_this_request, request
from twilio.twiml import TwiML
from twilio.twiml.messaging_response import MessagingResponse
from twilio.twiml.voice_response import VoiceResponse
from werkzeug.datastructures import MultiDict

from hotline import callback_intake, ratelimit, stats, urgent_intake, volunteer_commands
from hotline.capabilities import CapabilityContext
from hotline.channels import sms, voice
from hotline.channels.fallback import fallback
from hotline.channels.ratelimit import over_limit
from hotline.engine.inputs import Begin, Digits, Input, Outcome, Silence, Text
from hotline.engine.runner import Result, step
from hotline.engine.session import Session
from hotline.numbers import country_of
from hotline.web import readahead, runtime
from hotline.web.signature import check_signature
from hotline.web.urgent import urgent_dial

log = logging.getLogger(__name__)
bp = Blueprint("twilio", __name__, url_prefix="/twilio")
bp.before_request(check_signature)

Form = MultiDict[str, str]
OUTAGES = (redis.ConnectionError, redis.TimeoutError)


def _twiml(response: TwiML) -> Response:
    return Response(str(response), status=200, mimetype="text/xml")


def _gather_input(form: Form, session: Session | None) -> Input:
    digits = form.get("Digits", "").strip()
    if digits:
        return Digits(digits)
    speech = form.get("SpeechResult", "").strip()
    return Text(speech) if speech else Silence()


def _sms_input(form: Form, session: Session | None) -> Input:
    body = form.get("Body", "")
    if session is None:
        return Begin("sms", text=body, country=country_of(form.get("From", "")))
    return Text(body)


def _call_input(form: Form, session: Session | None) -> Input:
    return Begin("voice", country=country_of(form.get("From", "")))


def _converse(channel: str, make_input: Callable[[Form, Session | None], Input],
              ahead: readahead.Ahead | None = None) -> Response:
    """Verify is done; parse input, load session (read ahead, when given), step, carry out
    handoffs, save, render."""
    form, app = request.form, runtime()
    caller = form.get("From", "")
    try:
        caller_hash = app.caller_hash(caller)
        if ahead is None:
            ahead = _read_ahead(channel, limited=False)
        session = app.sessions.parse(ahead.session)
        script = app.scripts.for_session(session)
        now = app.clock()
        result = step(script, session, make_input(form, session), now=now)
        ctx = CapabilityContext(
            redis=app.redis, config=app.config, caller=caller, caller_hash=caller_hash,
            channel=channel, language=result.session.language,
            call_sid=form.get("CallSid", ""), message_sid=form.get("MessageSid", ""), now=now)

        def resume(previous: Result, outcome: Outcome) -> Result:
            return step(script, previous.session, outcome, now=now)

        result = app.capabilities.carry_out(result, ctx, resume)
        app.sessions.save(caller_hash, result.session)
        if session is None:  # a new conversation: counted for the figures
            _count_contact(channel, result.session.language, now)
        if channel == "voice":
            dial = urgent_dial(app.redis, app.config, script, result, caller, now)
            if dial is not None:  # an urgent call: ring the people on call now
                return _twiml(dial)
            return _twiml(voice.render(result.actions, script, app.config["PUBLIC_URL"]))
        return _twiml(sms.render(result.actions, script))
    except Exception as exc:  # noqa: BLE001  whatever broke, the caller hears the number
        _log_failure(exc, caller)
        return _twiml(fallback(channel, caller, form.get("Body", "")))


def _count_contact(channel: str, language: str, now: float) -> None:
    """Count a new conversation once the answer has gone out (off the caller's time)."""
    app = runtime()
    conn, config = app.redis, app.config

    @after_this_request
    def count_on_close(response: Response) -> Response:
        response.call_on_close(lambda: stats.count_contact(conn, config, now, channel, language))
        return response


def _log_failure(exc: BaseException, caller: str) -> None:
    """Log where it failed, with the caller's log id; not the message: it may hold their words."""
    try:
        who = runtime().log_id(caller)
    except Exception:  # noqa: BLE001  a log line must not fail the fallback
        who = "-"
    if isinstance(exc, OUTAGES):  # expected while Redis is down: one line, no stack
        log.error("%s: redis unreachable for caller %s (%s), answered with the fallback",
                  request.path, who, type(exc).__name__)
        return
    stack = "".join(traceback.format_tb(exc.__traceback__))
    log.error("%s failed for caller %s, answered with the fallback: %s\n%s",
              request.path, who, type(exc).__name__, stack)


def _read_ahead(channel: str, *, limited: bool = True, look_up: bool = False,
                message_sid: str = "") -> readahead.Ahead:
    """Read what this request needs first, in one round trip (see hotline.web.readahead)."""
    app, caller = runtime(), request.form.get("From", "")
    caller_hash = app.caller_hash(caller)
    return readahead.read(app.redis, app.config, channel=channel, caller=caller,
                          caller_hash=caller_hash, session_key=app.sessions.key(caller_hash),
                          now=app.clock(), message_sid=message_sid, limited=limited,
                          look_up=look_up)


def _start(channel: str, **options: Any) -> readahead.Ahead | Response:
    """Read ahead for a new text or call; the fallback at once when Redis is down."""
    caller = request.form.get("From", "")
    try:
        return _read_ahead(channel, **options)
    except Exception as exc:  # noqa: BLE001  Redis down: the fallback at once, not later
        _log_failure(exc, caller)
        return _twiml(fallback(channel, caller, request.form.get("Body", "")))


def _over_limit(channel: str, ahead: readahead.Ahead) -> Response | None:
    """The answer when this text or call is over its caller's rate limit, else None."""
    app, caller = runtime(), request.form.get("From", "")
    try:
        verdict = ratelimit.judge(app.redis, app.config, channel, caller, ahead.count,
                                  volunteer=ahead.volunteer if channel == "sms" else None)
    except Exception as exc:  # noqa: BLE001  cannot tell: answer it as usual
        _log_failure(exc, caller)
        return None
    return None if verdict == ratelimit.Verdict.ALLOW else _twiml(over_limit(channel, verdict))


@bp.post("/voice")
def incoming_call() -> Response:
    """A new call: start (or offer to resume) the menu; a ring on the flash number is a
    missed call (rejected busy, so it costs the caller nothing)."""
    if callback_intake.is_flash(runtime().config, request.form.get("To", "")):
        from hotline.web.calls import flash

        return flash()
    ahead = _start("voice")
    if isinstance(ahead, Response):
        return ahead
    return _over_limit("voice", ahead) or _converse("voice", _call_input, ahead)


@bp.post("/voice/gather")
def gathered() -> Response:
    """A Gather finished: digits, speech, or nothing."""
    return _converse("voice", _gather_input)


def _before_menu(ahead: readahead.Ahead) -> Response | None:
    """A volunteer's command, or a caller's text on an open urgent case: not for the menu.

    Only looked into when the read-ahead found a volunteer or an urgent case for the number.
    """
    if not (ahead.volunteer or ahead.open_case):
        return None
    form, app = request.form, runtime()
    sender, body = form.get("From", ""), form.get("Body", "")
    try:
        reply = volunteer_commands.handle(app.redis, app.config, sender, body,
                                          form.get("MessageSid", ""), now=app.clock())
        if reply is not None:
            response = MessagingResponse()
            response.message(reply)
            return _twiml(response)
        if urgent_intake.relay(app.redis, app.config, sender, body, app.clock()):
            return _twiml(MessagingResponse())  # passed on to the volunteer on the case
    except Exception as exc:  # noqa: BLE001  the menu (or its fallback) still answers
        _log_failure(exc, sender)
    return None


@bp.post("/sms")
def incoming_sms() -> Response:
    """An SMS: a volunteer's command, a caller's text on an urgent case, or the menu.

    A retry of a MessageSid already handled changes nothing and gets an empty answer.
    """
    ahead = _start("sms", look_up=True, message_sid=request.form.get("MessageSid", ""))
    if isinstance(ahead, Response):
        return ahead
    if ahead.retried:
        return _twiml(MessagingResponse())
    return _over_limit("sms", ahead) or _before_menu(ahead) or _converse("sms", _sms_input, ahead)


@bp.post("/status")
def status_callback() -> Response:
    """Call and message status callbacks: acknowledged with an empty <Response/>."""
    return _twiml(VoiceResponse())
