"""Twilio webhooks for the menu: parse the form, hand it to the pipeline, render, answer.

Every request must carry a valid X-Twilio-Signature (403 otherwise, web/webhook_guard.py).
The inbound order, the replay guard and the fallback on failure live in the Flask-free
pipeline (conversation/pipeline.py); here the form becomes an Inbound, the pipeline's
Answer becomes TwiML through channels/, and the answer is kept for Twilio's retries
together with the writes it is the outcome of (one round trip). A validly signed request
always gets 200 and TwiML: when anything fails, the fallback with the emergency number.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, request
from twilio.twiml.voice_response import VoiceResponse

from hotline.callbacks import intake as callback_intake
from hotline.channels import rendered
from hotline.channels.fallback import fallback
from hotline.conversation import pipeline, replay_guard, settle
from hotline.scripts.scriptset import ScriptSet
from hotline.web import Runtime, runtime
from hotline.web.webhook_guard import answer_once, protect, twiml

bp = Blueprint("twilio", __name__, url_prefix="/twilio")
EMPTY = str(VoiceResponse())  # an empty <Response/>
protect(bp)  # signature check, one answer per delivery, fallback on failure


def inbound_of(channel: str, kind: str, form: Any, path: str, query: str) -> pipeline.Inbound:
    """The delivery as plain values, from its form (webhook_dispatch.Form, or Flask's
    MultiDict on the Flask route) and its path and query."""
    first: dict[str, str] = {}  # MultiDict.get makes an exception of every missing name
    fields: list[tuple[str, str]] = []
    for name, values in form.lists():
        if len(values) == 1:
            first[name] = values[0]
            fields.append((name, values[0]))
        elif values:
            first[name] = values[0]
            fields += [(name, value) for value in values]
    get = first.get
    return pipeline.Inbound(
        channel=channel, kind=kind, sender=get("From", ""), body=get("Body", ""),
        message_sid=get("MessageSid", ""), call_sid=get("CallSid", ""),
        digits=get("Digits", ""), speech=get("SpeechResult", ""), path=path, query=query,
        fields=tuple(fields))


def _render(answer: pipeline.Answer, inbound: pipeline.Inbound, config: Any,
            scripts: ScriptSet) -> str:
    """The pipeline's answer as TwiML, by the channel's renderer (the fallback in the words
    of the entry script's phrase fallback_unavailable, when one is loaded)."""
    if answer.replayed is not None:
        return answer.replayed or EMPTY
    if answer.fallback:
        return str(fallback(answer.channel, inbound.sender, inbound.body,
                            scripts.entry_or_none()))
    return rendered.twiml(answer.channel, answer.actions, answer.script,
                          str(config.public_url), bool(config.transcribe_messages))


def answer_body(app: Runtime, channel: str, kind: str, form: Any, path: str,
                query: str) -> str:
    """Pipeline -> render -> settle (jobs, writes, replica); return the TwiML to send.

    Plain values in and out: the Flask views below and the WSGI dispatch in front of Flask
    (web/webhook_dispatch.py) both answer through it, with the delivery's form, path and
    query string. Raises when rendering failed or the answer's jobs could not be enqueued
    (the claim is released first): the caller then answers with the fallback."""
    ctx = app.context()
    conn, config = ctx.redis, ctx.config
    inbound = inbound_of(channel, kind, form, path, query)
    answer = pipeline.handle(inbound, ctx)
    try:
        body = _render(answer, inbound, config, app.scripts)
    except Exception:
        if answer.claim is not None:  # failed: a retry is handled afresh
            replay_guard.release(conn, answer.claim)
        raise  # the guard answers with the fallback
    settle.settle(conn, config, answer, body, inbound.sender)  # jobs, writes, replica
    return body


def _answer(channel: str, kind: str) -> Response:
    """Parse -> pipeline -> render -> settle (jobs, writes, replica) -> respond."""
    req = request._get_current_object()  # type: ignore[attr-defined]
    body = answer_body(runtime(), channel, kind, req.form, req.path,
                       req.query_string.decode("utf-8", "replace"))
    return Response(body, status=200, mimetype="text/xml")


def status_body(app: Runtime, form: Any) -> str:
    """A status callback: a short unanswered call may become a call back request (the
    replay guard around it is the caller's: answer_once, or the WSGI dispatch's, which
    both leave out a callback that cannot file one: may_file_missed_call)."""
    # A failure is logged by the guard, the answer stays empty, a retry tries again.
    callback_intake.call_ended(app.redis, app.config, form, app.clock())
    return EMPTY


@bp.post("/voice")
def incoming_call() -> Response:
    """A new call: start (or offer to resume) the menu; a ring on the flash number is a
    missed call (rejected busy, so it costs the caller nothing)."""
    if callback_intake.is_flash(runtime().config, request.form.get("To", "")):
        from hotline.web.calls import flash

        return answer_once(flash)
    return _answer("voice", "call")


@bp.post("/voice/gather")
def gathered() -> Response:
    """A Gather finished: digits, speech, or nothing (a call already let in: not limited)."""
    return _answer("voice", "gather")


@bp.post("/sms")
def incoming_sms() -> Response:
    """An SMS, in the inbound order (conversation/order.py, carried out by the pipeline).

    A retry of a MessageSid already handled changes nothing and gets an empty answer.
    """
    return _answer("sms", "text")


@bp.post("/status")
def status_callback() -> Response:
    """Call and message status callbacks: acknowledged with an empty <Response/>.

    A short call to the main number in which the caller pressed nothing becomes a call
    back request when staff turned MISSED_CALL_ON_MAIN on.
    """
    return twiml(status_body(runtime(), request.form))
