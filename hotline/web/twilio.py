"""Twilio webhooks: signature check, then input -> session -> engine step -> TwiML.

Every request must carry a valid X-Twilio-Signature (403 otherwise). A validly signed
request always gets 200 and TwiML: when anything fails, the fallback with the local
emergency number.
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Callable

import redis
from flask import Blueprint, Response, after_this_request, g, request
from twilio.twiml import TwiML
from twilio.twiml.messaging_response import MessagingResponse
from twilio.twiml.voice_response import VoiceResponse
from werkzeug.datastructures import MultiDict

from hotline import (
    callback_intake,
    caller_keywords,
    ratelimit,
    stats,
    urgent_intake,
    volunteer_commands,
    volunteers,
)
from hotline.capabilities import CapabilityContext
from hotline.channels import sms, voice
from hotline.channels.fallback import fallback
from hotline.channels.ratelimit import over_limit
from hotline.engine.inputs import Begin, Digits, Input, Outcome, Silence, Text
from hotline.engine.runner import Result, step
from hotline.engine.session import Session
from hotline.numbers import country_of
from hotline.web import arrival, runtime
from hotline.web.urgent import urgent_dial
from hotline.web.webhook_guard import claim_with, do_not_replay, protect, with_answer

log = logging.getLogger(__name__)
bp = Blueprint("twilio", __name__, url_prefix="/twilio")
protect(bp)  # signature check, one answer per delivery, fallback on failure
claim_with("twilio.incoming_sms", arrival.read_with_claim)  # and a text's first reads
claim_with("twilio.incoming_call", arrival.session_with_claim)  # and the caller's session
claim_with("twilio.gathered", arrival.session_with_claim)

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
    if session is None or session.channel != "sms":
        # A text after a call is a new contact: asked to continue, then shown as SMS (a
        # voice session would answer with voice menus: "press", one result at a time).
        return Begin("sms", text=body, country=country_of(form.get("From", "")))
    return Text(body)


def _call_input(form: Form, session: Session | None) -> Input:
    return Begin("voice", country=country_of(form.get("From", "")))


def _converse(channel: str, make_input: Callable[[Form, Session | None], Input],
              read: arrival.Arrival) -> Response:
    """Verify is done; parse input, step, carry out handoffs, save, render.

    `read`: what was read with the claim, the session included.
    """
    form, app = request.form, runtime()
    caller = form.get("From", "")
    try:
        caller_hash = app.caller_hash(caller)
        session = app.sessions.parse(read.session)
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
        session_now = result.session
        with_answer(lambda pipe: app.sessions.save(caller_hash, session_now, into=pipe))
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
    """Log where it failed, with the caller's log id; not the message: it may hold their words.

    The answer of a failed delivery is not kept for its retries: a retry is handled afresh.
    """
    do_not_replay()
    try:
        who = runtime().log_id(caller)
    except Exception:  # noqa: BLE001  a log line must not fail the fallback
        who = "-"
    if isinstance(exc, OUTAGES):  # expected while Redis is down: one line, no stack
        log.error("%s: redis unreachable for caller %s (%s), answered with the fallback",
                  request.path, who, type(exc).__name__, extra={"caller": who})
        return
    stack = "".join(traceback.format_tb(exc.__traceback__))
    log.error("%s failed for caller %s, answered with the fallback: %s\n%s",
              request.path, who, type(exc).__name__, stack, extra={"caller": who})


@bp.post("/voice")
def incoming_call() -> Response:
    """A new call: start (or offer to resume) the menu; a ring on the flash number is a
    missed call (rejected busy, so it costs the caller nothing)."""
    if callback_intake.is_flash(runtime().config, request.form.get("To", "")):
        from hotline.web.calls import flash

        return flash()
    return _over_limit("voice") or _converse("voice", _call_input, arrival.current())


@bp.post("/voice/gather")
def gathered() -> Response:
    """A Gather finished: digits, speech, or nothing."""
    form, app = request.form, runtime()
    if form.get("Digits") or form.get("SpeechResult"):
        _safely(lambda: callback_intake.note_pressed(app.redis, app.config,
                                                     form.get("CallSid", "")))
    return _converse("voice", _gather_input, arrival.current())


def _safely(effect: Callable[[], object]) -> None:
    """Run a side effect of a call; whatever fails, the answer still goes out."""
    try:
        effect()
    except Exception as exc:  # noqa: BLE001  the caller's answer comes first
        _log_failure(exc, request.form.get("From", ""))


def _before_menu(read: arrival.Arrival) -> Response | None:
    """A volunteer's command, or a caller's text on an open urgent case: not for the menu."""
    form, app = request.form, runtime()
    sender, body = form.get("From", ""), form.get("Body", "")
    try:
        volunteer = (volunteers.get(app.redis, app.config, read.volunteer_id)
                     if read.volunteer_id else None)
        reply = volunteer_commands.handle_for(app.redis, app.config, volunteer, body,
                                              form.get("MessageSid", ""), now=app.clock())
        if reply is not None:
            response = MessagingResponse()
            response.message(reply)
            return _twiml(response)
        keyword = _caller_keyword(sender, body, read)
        if keyword is not None:
            return keyword
        g.opted_out = read.opted_out
        if read.case_code and urgent_intake.relay(app.redis, app.config, sender, body,
                                                  app.clock(), case_code=read.case_code):
            return _twiml(MessagingResponse())  # passed on to the volunteer on the case
    except Exception as exc:  # noqa: BLE001  the menu (or its fallback) still answers
        _log_failure(exc, sender)
    return None


def _caller_keyword(sender: str, body: str, read: arrival.Arrival) -> Response | None:
    """STOP, START, HELP or DELETE from a caller: carried out, with its short reply."""
    app = runtime()

    def language() -> str | None:
        session = app.sessions.parse(read.session)
        return session.language if session else None

    handled = caller_keywords.handle(app.redis, app.config, app.scripts.entry(), sender, body,
                                     app.clock(), language, opted_out=read.opted_out)
    if handled is None:
        return None
    if handled.kind == "delete":
        do_not_replay()  # nothing about the number is kept, not even this answer
    response = MessagingResponse()
    if handled.reply:
        response.message(handled.reply)
    return _twiml(response)


def _over_limit(channel: str, read: arrival.Arrival | None = None) -> Response | None:
    """Count this text or call against its caller's rate limit; the answer when over it.

    A text was counted with the claim (`read`): only judged here.
    """
    app, caller = runtime(), request.form.get("From", "")
    try:
        if read is None:
            verdict = ratelimit.check(app.redis, app.config, channel, caller,
                                      app.caller_hash(caller), app.clock())
        else:
            verdict = ratelimit.judge(app.redis, app.config, channel, caller, read.count,
                                      volunteer=read.volunteer_id is not None)
    except Exception as exc:  # noqa: BLE001  Redis down: the fallback at once, not later
        _log_failure(exc, caller)
        if isinstance(exc, OUTAGES):
            return _twiml(fallback(channel, caller, request.form.get("Body", "")))
        return None
    return None if verdict == ratelimit.Verdict.ALLOW else _twiml(over_limit(channel, verdict))


@bp.post("/sms")
def incoming_sms() -> Response:
    """An SMS: a volunteer's command, a caller keyword (STOP, START, HELP, DELETE), a
    caller's text on an urgent case, or the menu (silent towards a number that opted out).

    A retry of a MessageSid already handled changes nothing and gets an empty answer.
    What this needs from Redis first was read with the replay guard's claim (arrival.py).
    """
    read = arrival.current()
    if read.retried:
        return _twiml(MessagingResponse())
    answer = (_over_limit("sms", read) or _before_menu(read)
              or _converse("sms", _sms_input, read))
    if g.get("opted_out"):  # the caller sent STOP: the menu still runs (an urgent word
        return _twiml(MessagingResponse())  # pages a person), but no text goes back
    return answer


@bp.post("/status")
def status_callback() -> Response:
    """Call and message status callbacks: acknowledged with an empty <Response/>.

    A short call to the main number in which the caller pressed nothing becomes a call
    back request when staff turned MISSED_CALL_ON_MAIN on.
    """
    form, app = request.form, runtime()
    if form.get("CallSid") and form.get("CallStatus") == "completed":
        _safely(lambda: callback_intake.call_ended(app.redis, app.config, form, app.clock()))
    return _twiml(VoiceResponse())
