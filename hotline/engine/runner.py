"""Running a script: step(script, session, input) -> (actions, new session)."""

from __future__ import annotations

from dataclasses import dataclass

from hotline.engine.actions import Action, Ask, Choice, Dial, End, Handoff, Say
from hotline.engine.inputs import Begin, Input, Outcome, Silence, Text
from hotline.engine.matching import detect_language, match_language, match_option
from hotline.engine.model import Context, Option, Script
from hotline.engine.nodes import answer_text
from hotline.engine.session import WAIT_HANDOFF, WAIT_MENU, WAIT_RESUME, Session
from hotline.engine.urgent_node import urgent_jump


@dataclass(frozen=True)
class Options:
    """Engine limits. Hitting one fails safe: the caller hears the emergency number."""

    max_steps: int = 30  # nodes entered in one step (guards against goto loops)
    max_invalid: int = 3  # wrong answers in a row before the give-up phrase
    resume_window: float = 1800.0  # seconds within which a caller may resume
    sms_pause: float = 600.0  # an SMS after this much quiet may be asked to resume


@dataclass(frozen=True)
class Result:
    """What one step produced: actions for the channel, and the session to save.

    When the last action is a Handoff, the application carries it out and calls
    step() again with an Outcome.
    """

    actions: tuple[Action, ...]
    session: Session

    @property
    def handoff(self) -> Handoff | None:
        """The capability the application must carry out now, if any."""
        last = self.actions[-1] if self.actions else None
        return last if isinstance(last, Handoff) else None


_RESUME_OPTIONS = (Option("1", {}, "yes"), Option("2", {}, "no"))


def _resume_ask(ctx: Context) -> Ask:
    return Ask(ctx.phrase("resume"), ctx.language, "menu",
               (Choice("1", ctx.phrase("resume_yes")), Choice("2", ctx.phrase("resume_no"))))


def _give_up(ctx: Context) -> Say:
    return Say(ctx.phrase("give_up"), ctx.language)


def _ending(actions: tuple[Action, ...]) -> tuple[Action, ...]:
    """The actions of a step that ends the conversation: a hang-up last, unless a Dial
    ends it (the call goes on with the people dialled)."""
    return actions if actions and isinstance(actions[-1], Dial) else (*actions, End())


def _run(script: Script, session: Session, node_id: str | None, now: float, options: Options,
         before: tuple[Action, ...] = ()) -> Result:
    """Enter node_id and run on until the script waits for the caller or ends."""
    actions = list(before)
    session = session.with_(invalid=0)
    for _ in range(options.max_steps):
        node = script.nodes.get(node_id or "")
        if node is None:
            break
        step = node.enter(Context(script, session, now))
        actions.extend(step.actions)
        session = session.with_(node=node.id, vars={**session.vars, **step.vars},
                                language=step.language or session.language)
        if step.end:
            return Result(_ending(tuple(actions)), session.with_(wait=None))
        if step.wait:
            return Result(tuple(actions), session.with_(wait=step.wait))
        node_id = step.goto
    # A missing node, a dead end or a goto loop: fail safe with the emergency number.
    ctx = Context(script, session, now)
    actions.extend((_give_up(ctx), End()))
    return Result(tuple(actions), session.with_(wait=None))


def _fresh(script: Script, channel: str, text: str, country: str, now: float,
           options: Options) -> Result:
    language = script.default_language
    if channel == "sms" and text:  # a language's name or keyword first, else its letters
        language = (match_language(script.languages, text)
                    or detect_language(text, list(script.languages), script.default_language))
    session = Session(script=script.name, node=script.start, language=language,
                      channel=channel, updated=now, country=country)
    return _run(script, session, script.start, now, options)


def _alive(session: Session | None, script: Script, now: float, options: Options) -> bool:
    return (
        session is not None
        and session.script == script.name
        and session.wait is not None
        and session.node in script.nodes
        and now - session.updated <= options.resume_window
    )


def _wrong(script: Script, session: Session, now: float, options: Options,
           phrase: str, hint: str = "") -> Result:
    """The answer did not fit: say so (or what to send instead, `hint`) and ask again,
    or give up safely after too many."""
    ctx = Context(script, session, now)
    invalid = session.invalid + 1
    if invalid >= options.max_invalid:
        return _run(script, session, script.start, now, options, before=(_give_up(ctx),))
    again = _run(script, session, session.node, now, options,
                 before=(Say(hint or ctx.phrase(phrase), ctx.language),))
    return Result(again.actions, again.session.with_(invalid=invalid))


def _answer(script: Script, session: Session, event: Input, now: float,
            options: Options) -> Result:
    """Resume the waiting node with the caller's input."""
    ctx = Context(script, session, now)
    if session.wait == WAIT_RESUME:
        choice = match_option(_RESUME_OPTIONS, answer_text(event), ctx.language)
        if choice is None:
            return Result((_resume_ask(ctx),), session)
        if choice.goto == "yes":
            return _run(script, session, session.node, now, options)
        return _run(script, session.with_(vars={}), script.start, now, options)
    if isinstance(event, Silence):
        return _wrong(script, session, now, options, "silence")
    if session.wait == WAIT_MENU and isinstance(event, Text):
        switch = match_language(script.languages, event.value)
        if switch and switch != session.language:
            return _run(script, session.with_(language=switch), session.node, now, options)
    if session.wait == WAIT_HANDOFF and not isinstance(event, Outcome):
        # The caller wrote while a capability was being carried out: show the node again.
        return _run(script, session, session.node, now, options)
    node = script.nodes[session.node]
    step = node.answer(ctx, event)
    if step.invalid:
        return _wrong(script, session, now, options, "invalid", step.hint)
    session = session.with_(vars={**session.vars, **step.vars},
                            language=step.language or session.language, invalid=0)
    if step.end:
        return Result(_ending(step.actions), session.with_(wait=None))
    if step.wait:
        return Result(step.actions, session.with_(wait=step.wait))
    return _run(script, session, step.goto, now, options, before=step.actions)


def step(script: Script, session: Session | None, event: Input, *, now: float,
         options: Options = Options()) -> Result:
    """Take one caller input and return the actions to render and the new session."""
    result = _step(script, session, event, now, options)
    return Result(result.actions, result.session.with_(updated=now))


def _step(script: Script, session: Session | None, event: Input, now: float,
          options: Options) -> Result:
    alive = _alive(session, script, now, options)
    # An urgent word anywhere jumps straight to the urgent path, whatever the caller was on.
    jump = urgent_jump(script, session if alive else None, event, now)
    if jump is not None:
        return _run(script, jump[1], jump[0], now, options)
    if isinstance(event, Begin):
        if alive and session is not None and session.node != script.start:
            waiting = session.with_(wait=WAIT_RESUME, channel=event.channel,
                                    country=event.country or session.country)
            return Result((_resume_ask(Context(script, waiting, now)),), waiting)
        country = event.country or (session.country if session else "")
        return _fresh(script, event.channel, event.text, country, now, options)
    if not alive or session is None:
        text = event.value if isinstance(event, Text) else ""
        channel = session.channel if session else ("sms" if isinstance(event, Text) else "voice")
        return _fresh(script, channel, text, session.country if session else "", now, options)
    if (session.channel == "sms" and isinstance(event, Text) and session.wait == WAIT_MENU
            and session.node != script.start and now - session.updated > options.sms_pause):
        node = script.nodes[session.node]
        if node.answer(Context(script, session, now), event).invalid:
            waiting = session.with_(wait=WAIT_RESUME)
            return Result((_resume_ask(Context(script, waiting, now)),), waiting)
    return _answer(script, session, event, now, options)


def resume(script: Script, previous: Result, outcome: Outcome, *, now: float,
           options: Options = Options()) -> Result:
    """Step on from `previous` with a capability's outcome (what Capabilities.carry_out
    calls between handoffs)."""
    return step(script, previous.session, outcome, now=now, options=options)


def leads_to_urgent(script: Script, session: Session | None, event: Input, *, now: float,
                    options: Options = Options()) -> bool:
    """True when this input takes the caller to the urgent path: urgent words in any
    language of the script, the urgent key (main menu 0), or "yes" to a triage question.

    Asked by the inbound order before the rate limit (conversation/order.py), which must
    never hold back an urgent text. The step is pure, so trying it changes nothing.
    """
    handoff = _step(script, session, event, now, options).handoff
    return handoff is not None and handoff.capability == "urgent"
