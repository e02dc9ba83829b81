"""Urgent node types: `triage` (a yes/no question) and `urgent` (reach a person now).

The runner also jumps to a script's urgent node whenever the caller's words hold an
urgent word (hotline.engine.triage), whatever node the caller was on: see urgent_jump().
So does the start menu's urgent key (main.yaml: 0) sent as a first message, or at a
menu where that key means nothing else.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar

from hotline.engine.actions import Action, Ask, Choice, Handoff, Record, Say, action_from_dict
from hotline.engine.inputs import Begin, Digits, Input, Outcome, Text
from hotline.engine.matching import detect_language, match_option
from hotline.engine.model import Context, Node, Option, Reader, Script, Step, Texts, register
from hotline.engine.nodes import MenuNode, answer_text
from hotline.engine.session import WAIT_HANDOFF, WAIT_MENU, WAIT_RESUME, Session
from hotline.engine.triage import (
    WordLists,
    find_urgent,
    first_words,
    parse_urgent_words,
    script_urgent_words,
)

URGENT_TEXT_VAR = "urgent_text"  # the caller's words that triggered the urgent path
URGENT_REASON_VAR = "urgent_reason"  # why: "words", or the id of the triage question
URGENT_CODE_VAR = "urgent_code"  # the open case's code, between the case and the dial
DIAL_CAPABILITY = "urgent_dial"  # asked on a call for who to ring now (the Dial action)

# Yes/no labels and the answers that mean them, when a triage node gives none.
DEFAULT_YES: Texts = {"ko": "예", "en": "Yes", "zh": "是", "ru": "Да"}
DEFAULT_NO: Texts = {"ko": "아니요", "en": "No", "zh": "不是", "ru": "Нет"}
YES_WORDS: dict[str, tuple[str, ...]] = {
    "ko": ("예", "네", "응", "어", "그래요", "맞아요"), "en": ("yes", "y", "yeah"),
    "zh": ("是", "对", "有"), "ru": ("да",),
}
NO_WORDS: dict[str, tuple[str, ...]] = {
    "ko": ("아니요", "아니오", "아니", "아뇨", "없어요"), "en": ("no", "n", "nope"),
    "zh": ("不是", "不", "没有"), "ru": ("нет",),
}


@register
@dataclass(frozen=True)
class TriageNode(Node):
    """Ask a yes/no question; yes goes to `yes` (an urgent node), no goes to `no`."""

    kind: ClassVar[str] = "triage"
    waits: ClassVar[bool] = True
    example: ClassVar[str] = """\
ask_breathing:
  type: triage
  text: {ko: 숨쉬기가 힘드세요?, en: Is it hard to breathe?}
  yes: urgent
  no: ask_chest_pain
"""
    yes: str = ""
    no: str = ""
    labels: dict[str, Texts] = field(default_factory=dict)

    @classmethod
    def parse(cls, reader: Reader, node_id: str, value: dict[str, Any], line: int) -> Node:
        text = reader.texts(value.get("text"), node_id, "text", line)
        if not text:
            reader.problem(node_id, "a triage question needs text", line)
        yes, no = value.get("yes"), value.get("no")  # YAML 1.2: plain strings, not booleans
        for what, target in (("yes", yes), ("no", no)):
            if not target:
                reader.problem(node_id, f"a triage question needs {what}: the node to go to",
                               line)
        labels = {
            what: reader.texts(value.get(f"{what}_label"), node_id, f"{what}_label", line)
            for what in ("yes", "no") if value.get(f"{what}_label") is not None
        }
        return cls(id=node_id, text=text, line=line, yes=str(yes or ""), no=str(no or ""),
                   labels=labels)

    def targets(self) -> tuple[str, ...]:
        return tuple(t for t in (self.yes, self.no) if t)

    def texts(self) -> dict[str, Texts]:
        return {**super().texts(), **{f"{k}_label": v for k, v in self.labels.items()}}

    def check(self, script: Script) -> list[str]:
        target = script.nodes.get(self.yes)
        if target is not None and not isinstance(target, (UrgentNode, TriageNode)):
            return [(f"yes goes to '{self.yes}' (type {target.kind}): it must be an urgent "
                     "node (or another triage question)")]
        return []

    def _options(self) -> tuple[Option, ...]:
        return (
            Option("1", self.labels.get("yes", DEFAULT_YES), "yes", keywords=YES_WORDS),
            Option("2", self.labels.get("no", DEFAULT_NO), "no", keywords=NO_WORDS),
        )

    def enter(self, ctx: Context) -> Step:
        choices = tuple(Choice(o.key, ctx.pick(o.label)) for o in self._options())
        return Step((Ask(ctx.pick(self.text), ctx.language, "menu", choices),), wait=WAIT_MENU)

    def answer(self, ctx: Context, event: Input) -> Step:
        said = answer_text(event)
        option = match_option(self._options(), said, ctx.language)
        if option is None:
            return Step(invalid=True)
        if option.goto == "yes":
            return Step(goto=self.yes, vars={URGENT_REASON_VAR: self.id})
        return Step(goto=self.no)


@register
@dataclass(frozen=True)
class UrgentNode(Node):
    """Hand the caller to a person now: open an urgent case and page whoever is on call.

    `text` is the calm sentence said once the case is open; `nobody` is said instead when
    no volunteer is on call; `connecting` is said on a call just as the people on call are
    rung (the caller is being put through, not waiting to be contacted; `text` when absent).
    All may use {emergency}, the caller's local number.
    """

    kind: ClassVar[str] = "urgent"
    ends: ClassVar[bool] = True
    entry: ClassVar[bool] = True  # reached by urgent words from anywhere
    example: ClassVar[str] = """\
urgent:
  type: urgent
  text:
    ko: 곧 사람이 연락드려요. 위험하면 바로 {emergency}에 전화하세요.
    en: A person will contact you soon. If you are in danger, call {emergency} now.
  nobody:
    ko: 지금 바로 {emergency}에 전화하세요. 저희도 곧 다시 전화드릴게요.
    en: Call {emergency} now. We will also call you back soon.
  connecting:
    ko: 지금 사람에게 연결할게요. 잠시만 기다려 주세요.
    en: Connecting you to a person now. Please hold on.
"""
    nobody: Texts = field(default_factory=dict)
    connecting: Texts = field(default_factory=dict)

    @classmethod
    def parse(cls, reader: Reader, node_id: str, value: dict[str, Any], line: int) -> Node:
        text = reader.texts(value.get("text"), node_id, "text", line)
        if not text:
            reader.problem(node_id, "an urgent node needs text: the calm sentence", line)
        nobody = reader.texts(value.get("nobody"), node_id, "nobody", line)
        connecting = reader.texts(value.get("connecting"), node_id, "connecting", line)
        return cls(id=node_id, text=text, line=line, nobody=nobody, connecting=connecting)

    def texts(self) -> dict[str, Texts]:
        extra = {name: texts for name, texts in (("nobody", self.nobody),
                                                  ("connecting", self.connecting)) if texts}
        return {**super().texts(), **extra}

    def check(self, script: Script) -> list[str]:
        _, problems = parse_urgent_words(script.extra.get("urgent_words"))
        return problems

    def enter(self, ctx: Context) -> Step:
        words = ctx.session.vars.get(URGENT_TEXT_VAR, "")
        params = {
            "language": ctx.language,
            "first_words": first_words(words) if words else "",
            "reason": ctx.session.vars.get(URGENT_REASON_VAR, "") or "menu",
            "channel": ctx.session.channel,
        }
        # The words have done their job: do not keep the caller's text in the session.
        return Step((Handoff("urgent", params),), wait=WAIT_HANDOFF,
                    vars={URGENT_TEXT_VAR: "", URGENT_REASON_VAR: ""})

    def answer(self, ctx: Context, event: Input) -> Step:
        if isinstance(event, Outcome) and event.capability == DIAL_CAPABILITY:
            return self._dialled(ctx, event)
        if not isinstance(event, Outcome) or event.capability != "urgent":
            return Step(invalid=True)
        nobody = event.data.get("status") == "nobody"
        texts = self.nobody if nobody and self.nobody else self.text
        code = str(event.data.get("code", ""))
        if event.data.get("dial_now") and ctx.session.channel == "voice":
            # A call, and people on call: ask who to ring now; what is said depends on it.
            ask = Handoff(DIAL_CAPABILITY, {"code": code, "language": ctx.language})
            return Step((ask,), wait=WAIT_HANDOFF, vars={URGENT_CODE_VAR: code})
        said = Say(ctx.pick(texts, {"code": code}), ctx.language)
        if nobody:
            return Step((said, *self._message(ctx, code)), end=True)
        return Step((said,), end=True)

    def _message(self, ctx: Context, code: str) -> tuple[Action, ...]:
        """On a call nobody can take: the caller may leave a short message for whoever
        calls back (the phrase voicemail_invite, then a Record for the case)."""
        invite = ctx.phrase("voicemail_invite")
        if ctx.session.channel != "voice" or not invite or not code:
            return ()
        return (Say(invite, ctx.language), Record("urgent", ctx.language, case=code))

    def _dialled(self, ctx: Context, event: Outcome) -> Step:
        """Ring the people the capability named (a Dial ends the menu); with nobody to
        ring, the emergency number (the node's `nobody` text)."""
        code = {"code": ctx.session.vars.get(URGENT_CODE_VAR, "")}
        connect = event.data.get("connect")
        if isinstance(connect, dict) and connect.get("numbers"):
            said = Say(ctx.pick(self.connecting or self.text, code), ctx.language)
            return Step((said, action_from_dict({**connect, "type": "dial"})), end=True)
        if event.data.get("status") == "nobody" and self.nobody:
            case = code["code"] or str(event.data.get("code") or "")
            return Step((Say(ctx.pick(self.nobody, code), ctx.language),
                         *self._message(ctx, case)), end=True)
        return Step((Say(ctx.pick(self.text, code), ctx.language),), end=True)


def urgent_node_id(script: Script) -> str | None:
    """Return the script's urgent node: `urgent_node:` at the top, else the first one."""
    named = script.extra.get("urgent_node")
    if named and isinstance(script.nodes.get(str(named)), UrgentNode):
        return str(named)
    return next((n.id for n in script.nodes.values() if isinstance(n, UrgentNode)), None)


def _per_script(script: Script) -> tuple[str | None, WordLists, tuple[str, ...]]:
    """The script's urgent node, urgent word lists and the start menu's keys to the urgent
    node, worked out once per Script object (Script.kept) rather than on every text."""
    kept = script.kept("_urgent")
    found: tuple[str | None, WordLists, tuple[str, ...]] | None = kept.get("lookup")
    if found is None:
        target, start = urgent_node_id(script), script.nodes.get(script.start)
        keys = (() if not isinstance(start, MenuNode) or target is None
                else tuple(o.key for o in start.options if o.goto == target))
        found = kept["lookup"] = (target, script_urgent_words(script.extra), keys)
    return found


def urgent_keys(script: Script) -> tuple[str, ...]:
    """Return the keys of the start menu that lead to the urgent node (main.yaml: 0)."""
    return _per_script(script)[2]


def _key_means_urgent(script: Script, session: Session | None, event: Input,
                      now: float) -> bool:
    """True when the caller sent the start menu's urgent key alone where it means nothing
    else: as a first message (no session), at the resume question, or at a menu whose
    answer to that key would be wrong (not where 0 goes back)."""
    said = (event.value if isinstance(event, (Digits, Text))
            else event.text if isinstance(event, Begin) else "").strip()
    if not said or said not in urgent_keys(script):
        return False
    if session is None or session.wait == WAIT_RESUME:
        return True
    node = script.nodes.get(session.node)
    if session.wait != WAIT_MENU or node is None:
        return False
    return node.answer(Context(script, session, now), Text(said)).invalid


def _said(event: Input) -> str:
    if isinstance(event, Text):
        return event.value
    return event.text if isinstance(event, Begin) else ""


def urgent_jump(script: Script, session: Session | None, event: Input,
                now: float) -> tuple[str, Session] | None:
    """If the caller's words hold an urgent word, or the start menu's urgent key is sent
    where it means nothing else, return (urgent node id, session to run).

    `session` is the live session (None when there is none). Not while the caller is
    already waiting on the urgent node. The caller's words go into the session vars for
    the urgent node's handoff, which clears them again.
    """
    target, words, _ = _per_script(script)
    if target is None:
        return None
    if session is not None and session.node == target and session.wait is not None:
        return None
    said = _said(event)
    if _key_means_urgent(script, session, event, now):
        said, reason = "", "menu"  # the caller chose the urgent option: no words to pass on
    elif said and find_urgent(said, words) is not None:
        reason = "words"
    else:
        return None
    country = event.country if isinstance(event, Begin) else ""
    if session is None:
        channel = event.channel if isinstance(event, Begin) else (
            "voice" if isinstance(event, Digits) else "sms")
        session = Session(script=script.name, node=target, language=script.default_language,
                          channel=channel, updated=now)
    language = (detect_language(said, list(script.languages), session.language) if said
                else session.language)
    return target, session.with_(
        language=language, country=country or session.country,
        vars={**session.vars, URGENT_TEXT_VAR: said, URGENT_REASON_VAR: reason})
