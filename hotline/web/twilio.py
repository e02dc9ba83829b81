"""Twilio webhooks: signature check, then input -> session -> engine step -> TwiML.

Every request must carry a valid X-Twilio-Signature (403 otherwise). A validly signed
request always gets 200 and TwiML: when anything fails, the fallback with the local
emergency number.
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Callable
from dataclasses import replace

import redis
from flask import Blueprint, Response, after_this_request, request
from twilio.twiml import TwiML
from twilio.twiml.messaging_response import MessagingResponse
from twilio.twiml.voice_response import VoiceResponse
from werkzeug.datastructures import MultiDict

from hotline import stats
from hotline.callbacks import intake as callback_intake
from hotline.channels import ratelimit as channel_ratelimit
from hotline.channels import sms, voice
from hotline.channels.fallback import fallback
from hotline.conversation import caller_words as caller_keywords
from hotline.conversation import notices, order, volunteer_commands
from hotline.conversation import rate_limits as ratelimit
from hotline.conversation.capabilities import CapabilityContext
from hotline.engine.inputs import Begin, Digits, Input, Outcome, Silence, Text
from hotline.engine.matching import detect_language
from hotline.engine.runner import Result, leads_to_urgent, step
from hotline.engine.session import Session
from hotline.numbers import country_of
from hotline.people import volunteers
from hotline.urgent import intake as urgent_intake
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
        return _twiml(fallback(channel, caller, form.get("Body", ""),
                               app.scripts.entry_or_none()))


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
    read = arrival.current()
    return _call_over_limit(read) or _converse("voice", _call_input, read)


@bp.post("/voice/gather")
def gathered() -> Response:
    """A Gather finished: digits, speech, or nothing (a call already let in: not limited)."""
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


def _call_over_limit(read: arrival.Arrival) -> Response | None:
    """Count a new call against its caller's limit; over it, the notice said, then hang up.

    A call has no words yet, so nothing in it can be urgent; a volunteer is looked up only
    over the limit (never limited), so most calls cost one round trip here.
    """
    app, caller = runtime(), request.form.get("From", "")
    try:
        facts = order.Facts("voice", limit=ratelimit.limit(app.config, "voice"),
                            count=ratelimit.count(app.redis, app.config, "voice",
                                                  app.caller_hash(caller), app.clock()))
        if order.over_limit(facts):
            volunteer = volunteers.by_phone(app.redis, app.config, caller) is not None
            facts = replace(facts, volunteer=volunteer)
        if order.decide(facts) is not order.Route.NOTICE:
            return None
        return _notice("voice", read)
    except Exception as exc:  # noqa: BLE001  Redis down: the fallback at once, not later
        _log_failure(exc, caller)
        if isinstance(exc, OUTAGES):
            return _twiml(fallback("voice", caller, script=app.scripts.entry_or_none()))
        return None


def _notice(channel: str, read: arrival.Arrival) -> Response:
    """The one short notice over the limit, in the caller's language, with the local
    emergency number (the script's phrase)."""
    form, app = request.form, runtime()
    session = app.sessions.parse(read.session)
    script = app.scripts.for_session(session)
    if session is not None:
        language = session.language
    elif channel == "sms":
        language = detect_language(form.get("Body", ""), list(script.languages),
                                   script.default_language)
    else:
        language = script.default_language
    country = (session.country if session else "") or country_of(form.get("From", ""))
    text = notices.limit_notice(script, channel, language, country)
    return _twiml(channel_ratelimit.notice(channel, script, text, language))


def _text_facts(read: arrival.Arrival, volunteer: bool) -> order.Facts:
    """What the order needs to know about a text, from what was read with the claim."""
    form, app = request.form, runtime()
    word = None if volunteer else caller_keywords.find(
        app.scripts.entry(), form.get("Body", ""), opted_out=read.opted_out)
    facts = order.Facts("sms", repeated=read.retried, volunteer=volunteer,
                        caller_word=word.kind if word else None, count=read.count,
                        limit=ratelimit.limit(app.config, "sms"),
                        case=read.case_code is not None)
    if order.needs_urgent_check(facts):  # over the limit: would this text reach a person?
        session = app.sessions.parse(read.session)
        script = app.scripts.for_session(session)
        facts = replace(facts, urgent=leads_to_urgent(
            script, session, _sms_input(form, session), now=app.clock()))
    return facts


def _text_route(facts: order.Facts) -> order.Route:
    """Where the text goes; over the limit, told once a window (claimed in Redis)."""
    route = order.decide(facts)
    if route is order.Route.NOTICE:
        app = runtime()
        if not ratelimit.claim_notice(app.redis, app.config, "sms",
                                      app.caller_hash(request.form.get("From", "")), app.clock()):
            route = order.decide(replace(facts, noticed=True))
    return route


def _volunteer(read: arrival.Arrival) -> Response | None:
    """A volunteer's command, with its reply (None: the sender is not a volunteer now)."""
    form, app = request.form, runtime()
    volunteer = (volunteers.get(app.redis, app.config, read.volunteer_id)
                 if read.volunteer_id else None)
    reply = volunteer_commands.handle_for(app.redis, app.config, volunteer,
                                          form.get("Body", ""), form.get("MessageSid", ""),
                                          now=app.clock())
    if reply is None:
        return None
    response = MessagingResponse()
    response.message(reply)
    return _twiml(response)


def _caller_word(read: arrival.Arrival) -> Response:
    """STOP, START, HELP or DELETE from a caller: carried out, with its short reply."""
    form, app = request.form, runtime()
    sender = form.get("From", "")
    word = caller_keywords.find(app.scripts.entry(), form.get("Body", ""),
                                opted_out=read.opted_out)
    response = MessagingResponse()
    if word is None:
        return _twiml(response)

    def language() -> str | None:
        session = app.sessions.parse(read.session)
        return session.language if session else None

    handled = caller_keywords.carry_out(app.redis, app.config, word, sender, app.clock(),
                                        language, opted_out=read.opted_out)
    if handled.kind == "delete":
        do_not_replay()  # nothing about the number is kept, not even this answer
    if handled.reply:
        response.message(handled.reply)
    return _twiml(response)


def _relayed(read: arrival.Arrival) -> bool:
    """A caller's text on their open urgent case: passed on to its volunteer."""
    form, app = request.form, runtime()
    return urgent_intake.relay(app.redis, app.config, form.get("From", ""),
                               form.get("Body", ""), app.clock(),
                               case_code=read.case_code) is not None


@bp.post("/sms")
def incoming_sms() -> Response:
    """An SMS, in the inbound order (conversation/order.py): a volunteer's command, a
    caller word (STOP, START, HELP, DELETE), urgent words, then the rate limit, then a
    text on an open urgent case or the menu (silent towards a number that opted out).

    A retry of a MessageSid already handled changes nothing and gets an empty answer.
    What this needs from Redis first was read with the replay guard's claim (arrival.py).
    """
    read, sender = arrival.current(), request.form.get("From", "")
    Route = order.Route
    try:
        route = _text_route(_text_facts(read, volunteer=read.volunteer_id is not None))
        if route is Route.VOLUNTEER:
            answer = _volunteer(read)
            if answer is not None:
                return answer
            route = _text_route(_text_facts(read, volunteer=False))  # no record: a caller
        if route is Route.REPEAT:
            return _twiml(MessagingResponse())
        if route is Route.CALLER_WORD:
            return _caller_word(read)
        if route is Route.SILENT:
            return _twiml(MessagingResponse())
        if route is Route.NOTICE:
            answer = _notice("sms", read)
        elif route is Route.RELAY and _relayed(read):
            answer = _twiml(MessagingResponse())  # passed on to the volunteer on the case
        else:
            answer = _converse("sms", _sms_input, read)
    except Exception as exc:  # noqa: BLE001  the menu (or its fallback) still answers
        _log_failure(exc, sender)
        if read.retried:
            return _twiml(MessagingResponse())
        answer = _converse("sms", _sms_input, read)
    if read.opted_out:  # the caller sent STOP: the menu still runs (an urgent word pages
        return _twiml(MessagingResponse())  # a person), but no text goes back
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
