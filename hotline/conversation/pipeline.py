"""The inbound pipeline: one text, call or Gather result, from its form to its answer.

    signature (checked by the web layer) -> replay guard -> volunteer commands, caller
    words (STOP/START/HELP/DELETE) and urgent detection -> rate limit -> an open urgent
    case -> session -> engine step -> capabilities -> answer (rendered by channels/)

No Flask, Twilio or TwiML here. Plain values in: an Inbound (the parsed form) and a
Context (Redis, settings, scripts, sessions, capabilities, the request's time). An
Answer out: the engine actions for the channel renderer (or the answer kept for a
retried delivery, or "the fallback"), the claim to keep the rendered answer under, the
writes that go with it (the caller's session, the day's counters), the jobs it starts
(an urgent case's first page, a reminder, a text to the volunteer on a case) and what a
replica must hold before the caller hears it. Once the answer is rendered,
settle.py enqueues the jobs, keeps the answer with its writes in one round trip, and
waits for the replica.

What the order needs from Redis is read with the replay guard's claim in one round trip
(arrival.py); where a text goes is decided over plain facts (order.py). Whatever fails,
the answer is the fallback with the local emergency number, and a failed delivery's
claim is released so that Twilio's retry is handled afresh.
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from functools import partial
from typing import Any

import redis

from hotline.callbacks import intake as callback_intake
from hotline.config import Settings
from hotline.conversation import arrival, notices, order, replay_guard, volunteer_commands
from hotline.conversation import caller_words as caller_keywords
from hotline.conversation import rate_limits as ratelimit
from hotline.conversation.capabilities import Capabilities, CapabilityContext
from hotline.conversation.sessions import SessionStore
from hotline.engine.actions import Action, End, Say
from hotline.engine.inputs import Begin, Digits, Input, Silence, Text
from hotline.engine.matching import detect_language
from hotline.engine.model import Script
from hotline.engine.runner import leads_to_urgent, resume, step
from hotline.engine.session import Session
from hotline.jobs import JobSpec
from hotline.numbers import country_of
from hotline.people import volunteers
from hotline.privacy.vault import caller_hash, log_id
from hotline.scripts.scriptset import ScriptSet
from hotline.stats import contact_counts
from hotline.urgent import intake as urgent_intake

log = logging.getLogger(__name__)
OUTAGES = (redis.ConnectionError, redis.TimeoutError)


@dataclass(slots=True)  # made on every webhook: see conversation/__init__.py
class Inbound:
    """One delivery from Twilio, parsed: what was sent, by whom, on which step.

    `kind`: "text" (an SMS), "call" (a new call) or "gather" (a Gather's result).
    `path`, `query`, `fields`: the delivery as sent, which the replay guard recognises.
    """

    channel: str  # "sms" or "voice"
    kind: str
    sender: str = field(repr=False)
    body: str = field(default="", repr=False)
    message_sid: str = ""
    call_sid: str = ""
    digits: str = ""
    speech: str = field(default="", repr=False)
    path: str = ""
    query: str = ""
    fields: tuple[tuple[str, str], ...] = field(default=(), repr=False)


@dataclass(slots=True)  # made on every webhook: see conversation/__init__.py
class Context:
    """What the pipeline works with: the app's parts and the request's time."""

    redis: Any
    config: Settings
    scripts: ScriptSet
    sessions: SessionStore
    capabilities: Capabilities
    now: float
    forget: caller_keywords.Forget  # erases a number in every domain (hotline.domains.forget)


@dataclass(slots=True)  # made on every webhook: see conversation/__init__.py
class Answer:
    """What to answer, for the channel renderer, and what to keep with it.

    Exactly one of: `replayed` (a repeated delivery: the first answer as sent, '' for an
    empty one), `fallback` (the emergency number), or `actions` in `script` (possibly
    none: an empty answer). `claim`: keep the rendered answer under it for retries
    (None: not kept). `writes`: made in the same round trip as keeping the answer.
    `jobs`: enqueued before the answer goes out (also with the fallback: a case opened
    before something failed is still paged). `confirm`: (what, id) of writes a replica
    must hold before the caller is told about them.
    """

    channel: str
    actions: tuple[Action, ...] = ()
    script: Script | None = None
    replayed: str | None = None
    fallback: bool = False
    claim: str | None = None
    writes: replay_guard.Writes = field(default_factory=replay_guard.Writes)
    jobs: tuple[JobSpec, ...] = ()
    confirm: tuple[tuple[str, str], ...] = ()


def handle(inbound: Inbound, ctx: Context) -> Answer:
    """Take one delivery through the inbound order; return what to answer and keep."""
    key = replay_guard.delivery_key(ctx.config, inbound.path, inbound.query, inbound.fields)
    try:
        claimed, stored, read = arrival.claim_and_read(
            ctx.redis, ctx.config, inbound.sender, inbound.message_sid,
            (key, replay_guard.PENDING, replay_guard.REPLAY_TTL), ctx.sessions, ctx.now,
            text=inbound.kind == "text", call=inbound.kind == "call")
    except OUTAGES as exc:  # Redis down or hung: the fallback at once
        log.error("%s: redis unreachable for caller %s (%s), answered with the fallback",
                  inbound.path, _who(ctx, inbound), type(exc).__name__)
        return Answer(inbound.channel, fallback=True)
    if not claimed:
        body = replay_guard.stored_answer(ctx.redis, ctx.config, key, stored)
        return Answer(inbound.channel, replayed=body or "")
    assert read is not None
    return _Delivery(inbound, ctx, read, key).answer()


def _who(ctx: Context, inbound: Inbound) -> str:
    """The caller's log id (an HMAC prefix), never the number."""
    try:
        return log_id(str(ctx.config.secret_key), inbound.sender)
    except Exception:  # noqa: BLE001  a log line must not fail the answer
        return "-"


class _Delivery:
    """One claimed delivery on its way through the order (plain state, no Flask)."""

    def __init__(self, inbound: Inbound, ctx: Context, read: arrival.Arrival, key: str):
        self.inbound, self.ctx, self.read = inbound, ctx, read
        self.config = ctx.config
        self.claim: str | None = key
        self.sets: list[tuple[str, str | bytes, int]] = []
        self.counts: dict[str, int] = {}
        self.jobs: list[JobSpec] = []  # what the capabilities start, sent with the answer
        self.confirm: list[tuple[str, str]] = []
        self.caller_hash = caller_hash(ctx.config, inbound.sender)

    # --- the answer -----------------------------------------------------------------

    def answer(self) -> Answer:
        if self.inbound.kind == "text":
            return self._text()
        if self.inbound.kind == "gather":
            if self.inbound.digits or self.inbound.speech:  # made with the step's write
                mark = callback_intake.pressed_mark(self.config, self.inbound.call_sid)
                if mark is not None:
                    self.sets.append(mark)
            return self._converse(self._gather_input)
        return self._call_over_limit() or self._converse(self._call_input)

    def _out(self, actions: tuple[Action, ...] = (), script: Script | None = None,
             fallback: bool = False) -> Answer:
        writes = replay_guard.Writes(tuple(self.sets), dict(self.counts), self.ctx.now)
        return Answer(self.inbound.channel, actions, script, fallback=fallback,
                      claim=self.claim, writes=writes, jobs=tuple(self.jobs),
                      confirm=tuple(self.confirm))

    def _failed(self, exc: BaseException) -> None:
        """Log where it failed (no caller words); the answer is not kept for retries."""
        if self.claim is not None:
            replay_guard.release(self.ctx.redis, self.claim)
            self.claim = None
        who, path = _who(self.ctx, self.inbound), self.inbound.path
        if isinstance(exc, OUTAGES):  # expected while Redis is down: one line, no stack
            log.error("%s: redis unreachable for caller %s (%s), answered with the fallback",
                      path, who, type(exc).__name__, extra={"caller": who})
            return
        stack = "".join(traceback.format_tb(exc.__traceback__))
        log.error("%s failed for caller %s, answered with the fallback: %s\n%s",
                  path, who, type(exc).__name__, stack, extra={"caller": who})

    # --- inputs -----------------------------------------------------------------------

    def _gather_input(self, session: Session | None) -> Input:
        if self.inbound.digits.strip():
            return Digits(self.inbound.digits.strip())
        speech = self.inbound.speech.strip()
        return Text(speech) if speech else Silence()

    def _sms_input(self, session: Session | None) -> Input:
        if session is None or session.channel != "sms":
            # A text after a call is a new contact: asked to continue, then shown as SMS
            # (a voice session would answer with voice menus: "press", one at a time).
            return Begin("sms", text=self.inbound.body, country=country_of(self.inbound.sender))
        return Text(self.inbound.body)

    def _call_input(self, session: Session | None) -> Input:
        return Begin("voice", country=country_of(self.inbound.sender))

    # --- the menu -----------------------------------------------------------------------

    def _converse(self, make_input: Callable[[Session | None], Input]) -> Answer:
        """Session -> engine step -> capabilities; the session is saved with the answer."""
        ctx, inbound = self.ctx, self.inbound
        try:
            session = ctx.sessions.parse(self.read.session)
            script = ctx.scripts.for_session(session)
            result = step(script, session, make_input(session), now=ctx.now)
            if result.handoff is not None:  # a search, a call back, a page: carried out here
                handoff_ctx = CapabilityContext(
                    redis=ctx.redis, config=ctx.config, caller=inbound.sender,
                    caller_hash=self.caller_hash, channel=inbound.channel,
                    language=result.session.language, call_sid=inbound.call_sid,
                    message_sid=inbound.message_sid, now=ctx.now, jobs=self.jobs,
                    confirm=self.confirm, directory_revision=self.read.directory)
                result = ctx.capabilities.carry_out(result, handoff_ctx,
                                                    partial(resume, script, now=ctx.now))
            self.sets.append((ctx.sessions.key(self.caller_hash),
                              ctx.sessions.sealed(result.session), ctx.sessions.ttl))
            if session is None:  # a new conversation: counted for the figures
                self.counts.update(contact_counts(inbound.channel, result.session.language))
            return self._out(result.actions, script)
        except Exception as exc:  # noqa: BLE001  whatever broke, the caller hears the number
            self._failed(exc)
            return self._out(fallback=True)

    # --- the rate limit -------------------------------------------------------------------

    def _notice(self) -> Answer:
        """The one short notice over the limit, in the caller's language, with the local
        emergency number (the script's phrase); a call hangs up after it."""
        channel = self.inbound.channel
        session = self.ctx.sessions.parse(self.read.session)
        script = self.ctx.scripts.for_session(session)
        if session is not None:
            language = session.language
        elif channel == "sms":
            language = detect_language(self.inbound.body, list(script.languages),
                                       script.default_language)
        else:
            language = script.default_language
        country = (session.country if session else "") or country_of(self.inbound.sender)
        text = notices.limit_notice(script, channel, language, country)
        said: tuple[Action, ...] = (Say(text, language),)
        return self._out(said if channel == "sms" else (*said, End()), script)

    def _call_over_limit(self) -> Answer | None:
        """Over its caller's limit (counted with the claim), a new call gets the notice,
        then hangs up.

        A call has no words yet, so nothing in it can be urgent; a volunteer is looked up
        only over the limit (never limited), so most calls cost one round trip here.
        """
        conn, config = self.ctx.redis, self.config
        try:
            facts = order.Facts("voice", limit=ratelimit.limit(config, "voice"),
                                count=self.read.count)
            if order.over_limit(facts):
                volunteer = volunteers.by_phone(conn, config, self.inbound.sender) is not None
                facts = replace(facts, volunteer=volunteer)
            if order.decide(facts) is not order.Route.NOTICE:
                return None
            return self._notice()
        except Exception as exc:  # noqa: BLE001  Redis down: the fallback at once, not later
            self._failed(exc)
            return self._out(fallback=True) if isinstance(exc, OUTAGES) else None

    # --- a text -------------------------------------------------------------------------

    def _text(self) -> Answer:
        """A text in the inbound order (order.py): a volunteer's command, a caller word,
        urgent words, the rate limit, a text on an open urgent case, or the menu (silent
        towards a number that opted out: the menu still runs, an urgent word pages a
        person, but no text goes back). A MessageSid handled already changes nothing."""
        read, Route = self.read, order.Route
        empty = self._out
        try:
            route = self._text_route(self._text_facts(volunteer=read.volunteer_id is not None))
            if route is Route.VOLUNTEER:
                answer = self._volunteer()
                if answer is not None:
                    return answer
                route = self._text_route(self._text_facts(volunteer=False))  # a caller
            if route in (Route.REPEAT, Route.SILENT):
                return empty()
            if route is Route.CALLER_WORD:
                return self._caller_word()
            if route is Route.NOTICE:
                answer = self._notice()
            elif route is Route.RELAY and self._relayed():
                answer = empty()  # passed on to the volunteer on the case
            else:
                answer = self._converse(self._sms_input)
        except Exception as exc:  # noqa: BLE001  the menu (or its fallback) still answers
            self._failed(exc)
            if read.retried:
                return empty()
            answer = self._converse(self._sms_input)
        if read.opted_out:  # the caller sent STOP: nothing goes back
            return self._out()
        return answer

    def _text_facts(self, volunteer: bool) -> order.Facts:
        """What the order needs to know about a text, from what was read with the claim."""
        read, ctx, body = self.read, self.ctx, self.inbound.body
        word = None if volunteer else caller_keywords.find(ctx.scripts.entry(), body,
                                                           opted_out=read.opted_out)
        facts = order.Facts("sms", repeated=read.retried, volunteer=volunteer,
                            caller_word=word.kind if word else None, count=read.count,
                            limit=ratelimit.limit(self.config, "sms"),
                            case=read.case_code is not None)
        if order.needs_urgent_check(facts):  # over the limit: would this reach a person?
            session = ctx.sessions.parse(read.session)
            script = ctx.scripts.for_session(session)
            facts = replace(facts, urgent=leads_to_urgent(
                script, session, self._sms_input(session), now=ctx.now))
        return facts

    def _text_route(self, facts: order.Facts) -> order.Route:
        """Where the text goes; over the limit, told once a window (claimed in Redis)."""
        route = order.decide(facts)
        if route is order.Route.NOTICE and not ratelimit.claim_notice(
                self.ctx.redis, self.config, "sms", self.caller_hash, self.ctx.now):
            route = order.decide(replace(facts, noticed=True))
        return route

    def _volunteer(self) -> Answer | None:
        """A volunteer's command, with its reply (None: the sender is not a volunteer now)."""
        ctx, read = self.ctx, self.read
        volunteer = (volunteers.get(ctx.redis, self.config, read.volunteer_id)
                     if read.volunteer_id else None)
        reply = volunteer_commands.handle_for(ctx.redis, self.config, volunteer,
                                              self.inbound.body, self.inbound.message_sid,
                                              now=ctx.now, later=self.jobs)
        if reply is None:
            return None
        script = ctx.scripts.entry()
        return self._out((Say(reply, script.default_language),), script)

    def _caller_word(self) -> Answer:
        """STOP, START, HELP or DELETE from a caller: carried out, with its short reply."""
        ctx, read = self.ctx, self.read
        script = ctx.scripts.entry()
        word = caller_keywords.find(script, self.inbound.body, opted_out=read.opted_out)
        if word is None:
            return self._out()

        def language() -> str | None:
            session = ctx.sessions.parse(read.session)
            return session.language if session else None

        handled = caller_keywords.carry_out(ctx.redis, self.config, word, self.inbound.sender,
                                            ctx.now, language, opted_out=read.opted_out,
                                            forget=ctx.forget)
        if handled.kind == "delete" and self.claim is not None:
            # Nothing about the number is kept, not even this answer.
            replay_guard.release(ctx.redis, self.claim)
            self.claim = None
        said = (Say(handled.reply, word.language),) if handled.reply else ()
        return self._out(said, script)

    def _relayed(self) -> bool:
        """A caller's text on their open urgent case: passed on to its volunteer."""
        return urgent_intake.relay(self.ctx.redis, self.config, self.inbound.sender,
                                   self.inbound.body, self.ctx.now,
                                   case_code=self.read.case_code, later=self.jobs) is not None
