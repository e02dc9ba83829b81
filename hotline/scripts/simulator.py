"""The staff phone simulator: a DRAFT script run by the same engine and channel renderers
the webhooks use, with nothing written for any caller.

The simulated caller's session travels with the page (plain JSON back and forth), never in
Redis. Capabilities that would act for a real caller (file a call back, page volunteers,
send an SMS) are not carried out: the engine gets the outcome a success would give, and
the simulator says what would have happened. A directory search is read only, so it runs
for real against the directory staff keep.
"""

from __future__ import annotations

import hashlib
import json
import threading
import xml.etree.ElementTree as ET
from collections import OrderedDict
from dataclasses import dataclass, field, replace
from typing import Any, Protocol

from hotline.channels import sms, voice
from hotline.engine.actions import Handoff
from hotline.engine.inputs import Begin, Digits, Input, Outcome, Silence, Text
from hotline.engine.loader import Problem, ScriptError
from hotline.engine.model import Script
from hotline.engine.runner import Result, step
from hotline.engine.segments import count_segments
from hotline.engine.session import Session
from hotline.scripts.scriptset import ScriptSet
from hotline.scripts.versions import compile_texts

ACTIONS = ("start", "send", "press", "say", "silence")
MAX_ROUNDS = 3  # handoffs per turn, as in hotline.conversation.capabilities
SIM_PUBLIC_URL = "https://simulator.invalid"  # Gather actions in the shown TwiML point here
COUNTRIES = {"ko": "KR", "en": "US", "zh": "CN", "ru": "RU"}
_CACHE_SIZE = 8
_cache: OrderedDict[str, dict[str, Script]] = OrderedDict()
_cache_lock = threading.Lock()


class SimulatorError(ValueError):
    """The turn cannot be simulated (bad input); the message is for the staff member."""


@dataclass
class Turn:
    """What the simulated phone shows after one turn."""

    channel: str
    messages: list[dict[str, Any]] = field(default_factory=list)  # sms: text, segments
    spoken: list[str] = field(default_factory=list)  # voice: what is said
    twiml: str = ""
    ended: bool = False
    listening: bool = False
    notes: list[str] = field(default_factory=list)
    session: dict[str, Any] | None = None
    problems: list[Problem] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """Return the turn as JSON-ready data."""
        return {"channel": self.channel, "messages": self.messages, "spoken": self.spoken,
                "twiml": self.twiml, "ended": self.ended, "listening": self.listening,
                "notes": self.notes, "session": self.session,
                "problems": [{"file": p.file, "node": p.node, "message": p.message,
                              "line": p.line, "severity": p.severity} for p in self.problems]}


def compiled(texts: dict[str, str]) -> dict[str, Script]:
    """Compile a draft set once (a few recent drafts are kept); ScriptError if it fails."""
    key = hashlib.sha256(json.dumps(texts, sort_keys=True).encode("utf-8")).hexdigest()
    with _cache_lock:
        if key in _cache:
            _cache.move_to_end(key)
            return _cache[key]
    scripts = compile_texts(texts)
    with _cache_lock:
        _cache[key] = scripts
        while len(_cache) > _CACHE_SIZE:
            _cache.popitem(last=False)
    return scripts


def _input(channel: str, action: str, value: str, language: str,
           session: Session | None) -> Input:
    if action not in ACTIONS:
        raise SimulatorError(f"unknown action {action!r}")
    country = COUNTRIES.get(language, "")
    if action == "start" or session is None:
        if channel == "sms" and action not in ("start", "send"):
            raise SimulatorError("an SMS conversation starts with a text")
        return Begin(channel, text=value if channel == "sms" else "", country=country)  # type: ignore[arg-type]
    if channel == "sms":
        if action != "send":
            raise SimulatorError("by SMS the caller can only send a text")
        return Text(value)
    if action == "press":
        if not value or any(c not in "0123456789*#" for c in value):
            raise SimulatorError("press takes keypad keys: 0-9, * and #")
        return Digits(value)
    if action == "say":
        return Text(value) if value.strip() else Silence()
    if action == "silence":
        return Silence()
    raise SimulatorError("a call is answered with press, say or silence")


def _outcome(capability: str, params: dict[str, Any], channel: str, deps: Deps,
             now: float) -> tuple[dict[str, Any], str]:
    """What the capability would answer, and a note on what a real call would have done."""
    if capability == "directory_search":
        return deps.search(params, now), "searched the directory (read only)"
    if capability == "callback_request":
        return ({"id": "SIM", "position": 1, "hours": deps.callback_hours(), "existing": False},
                "would file a call back request (not done in the simulator)")
    if capability == "callback_cancel":
        return {"cancelled": True, "id": "SIM"}, "would cancel the call back request"
    if capability == "urgent":
        return ({"code": "SIM", "status": "paging", "dial": [], "dial_timeout": 0},
                "would open an urgent case and page the people on call (not done)")
    if capability == "send_sms":
        body = str(params.get("body") or "")
        return {"queued": True}, f"would send this SMS to the caller: {body}"
    return {}, f"would carry out '{capability}' (no such capability: a real call fails safe)"


def simulate(texts: dict[str, str], channel: str, language: str, action: str, value: str,
             session_data: dict[str, Any] | None, deps: Deps, now: float) -> Turn:
    """Run one turn of a simulated conversation against the draft `texts`."""
    if channel not in ("sms", "voice"):
        raise SimulatorError("channel must be sms or voice")
    turn = Turn(channel)
    try:
        scripts = ScriptSet(compiled(texts))
        entry = scripts.entry()
    except ScriptError as exc:
        turn.problems = exc.problems
        return turn
    except LookupError as exc:
        turn.problems = [Problem("", "", str(exc))]
        return turn
    session = None
    if session_data and action != "start":
        try:
            session = Session.from_dict(dict(session_data))
        except (TypeError, ValueError):
            session = None
    if language not in entry.languages:
        language = entry.default_language
    script = scripts.for_session(session)
    if session is None:  # the language chosen on the page is where the caller starts
        script = replace(script, default_language=language) if language in script.languages \
            else script
    event = _input(channel, action, value, language, session)
    try:
        result = step(script, session, event, now=now)
        result = _carry_out(script, result, channel, deps, now, turn)
    except Exception as exc:  # noqa: BLE001  shown to staff: a real caller gets the fallback
        turn.notes.append(f"the engine failed ({type(exc).__name__}: {exc}); a real caller "
                          "would get the fallback with the emergency number")
        turn.ended = True
        return turn
    turn.session = result.session.to_dict()
    _render(turn, result, script)
    return turn


def _carry_out(script: Script, result: Result, channel: str, deps: Deps, now: float,
               turn: Turn) -> Result:
    actions: list[Any] = []
    for _ in range(MAX_ROUNDS):
        handoff = result.handoff
        if handoff is None:
            break
        actions.extend(a for a in result.actions if not isinstance(a, Handoff))
        data, note = _outcome(handoff.capability, dict(handoff.params), channel, deps, now)
        turn.notes.append(note)
        result = step(script, result.session, Outcome(handoff.capability, data), now=now)
    if result.handoff is not None:
        turn.notes.append("too many handoffs in one turn: a real call gets the fallback")
    actions.extend(a for a in result.actions if not isinstance(a, Handoff))
    return Result(tuple(actions), result.session)


def _render(turn: Turn, result: Result, script: Script) -> None:
    if turn.channel == "sms":
        for text in sms.messages(result.actions, script):
            count = count_segments(text)
            turn.messages.append({"text": text, "segments": count.segments,
                                  "encoding": count.encoding})
        turn.ended = result.session.wait is None
        turn.listening = not turn.ended
        return
    twiml = str(voice.render(result.actions, script, SIM_PUBLIC_URL))
    turn.twiml = twiml
    root = ET.fromstring(twiml)
    turn.spoken = ["".join(say.itertext()).strip() for say in root.iter("Say")]
    turn.listening = root.find("Gather") is not None
    turn.ended = not turn.listening


class Deps(Protocol):
    """What the simulator reads from the running hotline (the web page passes it in)."""

    def search(self, params: dict[str, Any], now: float) -> dict[str, Any]:
        """Search the staff's directory as a caller would (nothing is written)."""

    def callback_hours(self) -> int:
        """Hours a caller usually waits for a call back (as the real node is told)."""
