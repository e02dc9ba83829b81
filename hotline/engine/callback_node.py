"""Callback node types: `callback_request` (ask for a call back) and `callback_cancel`.

Both hand off to a capability of the same name; the application files or cancels the
request and steps the engine again with the outcome, which these nodes put into words.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar

from hotline.engine.actions import Handoff, Say
from hotline.engine.inputs import Input, Outcome
from hotline.engine.model import Context, Node, Reader, Script, Step, Texts, register
from hotline.engine.session import WAIT_HANDOFF

PRIORITIES = ("normal", "high", "urgent")
ABOUT = "callback_about"  # a var a node before may set: what exactly the call is about


def _outcome_values(data: dict[str, Any]) -> dict[str, str]:
    return {name: str(data[name]) for name in ("id", "position", "hours") if name in data}


@register
@dataclass(frozen=True)
class CallbackRequestNode(Node):
    """File a request for a volunteer to call the caller back, then confirm it.

    `topic` (counselling, clinic, shelter, settlement, other) is chosen by staff.
    `text` confirms a new request and `existing` one the caller already had; both may use
    {hours} (the usual wait), {position} (place in the queue) and {id}. `failed` is said
    when the request could not be filed (it may use {emergency}).
    """

    kind: ClassVar[str] = "callback_request"
    example: ClassVar[str] = """\
ask_callback:
  type: callback_request
  topic: counselling
  text:
    ko: 다시 전화 요청을 받았어요. 보통 {hours}시간 안에 이 번호로 전화해요.
    en: Got it. A volunteer will call you from this number, usually within {hours} hours.
  existing:
    ko: 이미 요청하셨어요. 대기 순서는 {position}번이에요. 보통 {hours}시간 안에 전화해요.
    en: You have already asked. You are number {position}; usually within {hours} hours.
  goto: goodbye
"""
    topic: str = ""
    priority: str = "normal"
    existing: Texts = field(default_factory=dict)
    failed: Texts = field(default_factory=dict)
    goto: str = ""
    after_hours: str = ""

    @classmethod
    def parse(cls, reader: Reader, node_id: str, value: dict[str, Any], line: int) -> Node:
        topic = str(value.get("topic") or "")
        if not topic:
            reader.problem(node_id, "a callback_request needs topic: (e.g. counselling)", line)
        priority = str(value.get("priority") or "normal")
        if priority not in PRIORITIES:
            reader.problem(node_id, f"priority must be one of {', '.join(PRIORITIES)}", line)
        existing = value.get("existing")
        failed = value.get("failed")
        return cls(
            id=node_id, text=reader.texts(value.get("text"), node_id, "text", line), line=line,
            topic=topic, priority=priority, goto=str(value.get("goto") or ""),
            after_hours=str(value.get("after_hours") or ""),
            existing=reader.texts(existing, node_id, "existing", line) if existing else {},
            failed=reader.texts(failed, node_id, "failed", line) if failed else {},
        )

    def targets(self) -> tuple[str, ...]:
        return tuple(t for t in (self.goto, self.after_hours) if t)

    def texts(self) -> dict[str, Texts]:
        out = dict(super().texts())
        if self.existing:
            out["existing"] = self.existing
        if self.failed:
            out["failed"] = self.failed
        return out

    def check(self, script: Script) -> list[str]:
        problems = [] if self.text else ["a callback_request needs text: the confirmation"]
        target = script.nodes.get(self.after_hours) if self.after_hours else None
        if target is not None and target.kind != "voice_message":
            problems.append(f"after_hours goes to '{self.after_hours}' (type {target.kind}): "
                            "it must be a voice_message node")
        return problems

    def enter(self, ctx: Context) -> Step:
        params: dict[str, Any] = {"topic": self.topic, "language": ctx.language,
                                  "priority": self.priority}
        if self.after_hours:
            params["after_hours"] = True
        about = ctx.session.vars.get(ABOUT, "")
        if about:  # what the node before named (a programme): the volunteer sees it
            params["about"] = about
        return Step((Handoff(self.kind, params),), wait=WAIT_HANDOFF)

    def answer(self, ctx: Context, event: Input) -> Step:
        if not isinstance(event, Outcome) or event.capability != self.kind:
            return Step(invalid=True)
        if event.data.get("after_hours") and self.after_hours:
            return Step(goto=self.after_hours)  # nobody answers now: a voice message
        goto = self.goto or None
        done = {ABOUT: ""} if ctx.session.vars.get(ABOUT) else {}
        if "id" not in event.data:
            text = ctx.pick(self.failed) if self.failed else ctx.phrase("give_up")
            return Step((Say(text, ctx.language),), goto=goto, vars=done)
        texts = self.existing if event.data.get("existing") and self.existing else self.text
        return Step((Say(ctx.pick(texts, _outcome_values(event.data)), ctx.language),),
                    goto=goto, vars=done)


@register
@dataclass(frozen=True)
class CallbackCancelNode(Node):
    """Cancel the caller's open callback request. `text` confirms; `none` says there was none."""

    kind: ClassVar[str] = "callback_cancel"
    example: ClassVar[str] = """\
cancel_callback:
  type: callback_cancel
  text: {ko: 다시 전화 요청을 취소했어요., en: Your call-back request is cancelled.}
  none: {ko: 취소할 요청이 없어요., en: You have no call-back request.}
  goto: main_menu
"""
    none: Texts = field(default_factory=dict)
    goto: str = ""

    @classmethod
    def parse(cls, reader: Reader, node_id: str, value: dict[str, Any], line: int) -> Node:
        none = value.get("none")
        return cls(id=node_id, text=reader.texts(value.get("text"), node_id, "text", line),
                   line=line, goto=str(value.get("goto") or ""),
                   none=reader.texts(none, node_id, "none", line) if none else {})

    def targets(self) -> tuple[str, ...]:
        return (self.goto,) if self.goto else ()

    def texts(self) -> dict[str, Texts]:
        out = dict(super().texts())
        if self.none:
            out["none"] = self.none
        return out

    def enter(self, ctx: Context) -> Step:
        return Step((Handoff(self.kind, {"language": ctx.language}),), wait=WAIT_HANDOFF)

    def answer(self, ctx: Context, event: Input) -> Step:
        if not isinstance(event, Outcome) or event.capability != self.kind:
            return Step(invalid=True)
        texts = self.text if event.data.get("cancelled") else (self.none or self.text)
        return Step((Say(ctx.pick(texts, _outcome_values(event.data)), ctx.language),),
                    goto=self.goto or None)
