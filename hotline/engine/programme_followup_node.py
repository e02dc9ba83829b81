"""The node type `programme_followup`: the answer to the one text a caller gets after
missing a session (the phrase programme_missed, or programme_missed_call when no session
is left): 1 joins the next session, 3 asks for a call about the programme."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from hotline.engine.actions import Ask, Choice
from hotline.engine.inputs import Input, Outcome
from hotline.engine.model import Context, Node, Reader, Script, Step, register
from hotline.engine.nodes import answer_text
from hotline.engine.programme_node import CAPABILITY, _handoff, _ProgrammeNode
from hotline.engine.session import WAIT_MENU


@register
@dataclass(frozen=True)
class ProgrammeFollowupNode(_ProgrammeNode):
    """The reply to the text after a missed session: 1 joins the next session, 3 asks for
    a call about the programme.

    A job puts the caller here with the sign-up (var prog_signup), the next session
    (prog_next, empty when none is left) and the programme (callback_about). `text` asks
    again after a wrong answer; `joined` confirms the new date ({when}; say how to cancel),
    `waiting` a place on its waiting list ({position}), `none` says the date is gone. 3
    leads to `callback` (a callback_request node: the request names the programme), the
    end to `goto`. Staff name this node `programme_followup` in the entry script.
    """

    kind: ClassVar[str] = "programme_followup"
    entry: ClassVar[bool] = True  # reached from the follow-up text, not from a menu
    words: ClassVar[tuple[str, ...]] = ("when", "joined", "waiting", "none", "next_label",
                                        "call_label")
    example: ClassVar[str] = """\
programme_followup:
  type: programme_followup
  text: {ko: "1 또는 3을 보내 주세요.", en: "Please reply 1 or 3."}
  when: {ko: "{month}월 {day}일 {time}", en: "{month}/{day} {time}"}
  joined: {ko: "{when} 신청됐어요. 취소는 1번, 6번.", en: "Booked: {when}. To cancel: 1, then 6."}
  waiting: {ko: "자리가 없어 대기 {position}번이에요.", en: "It is full: you are number {position} in line."}
  none: {ko: 그 날짜는 이제 신청할 수 없어요., en: That date is no longer open.}
  next_label: {ko: 다음 날짜 신청, en: Join the next date}
  call_label: {ko: 전화 요청, en: Call me}
  callback: programme_callback
  goto: main_menu
"""
    callback: str = ""

    @classmethod
    def parse(cls, reader: Reader, node_id: str, value: dict[str, Any], line: int) -> Node:
        if not value.get("callback"):
            reader.problem(node_id, "a programme_followup needs callback: a "
                           "callback_request node", line)
        value = {"back": value.get("goto"), **value}  # no menu to go back to
        node = super().parse(reader, node_id, value, line)
        return cls(id=node.id, text=node.text, line=line, w=getattr(node, "w", {}),
                   back=getattr(node, "back", ""), goto=getattr(node, "goto", ""),
                   callback=str(value.get("callback") or ""))

    def targets(self) -> tuple[str, ...]:
        return tuple(t for t in (self.goto, self.callback) if t)

    def check(self, script: Script) -> list[str]:
        target = script.nodes.get(self.callback)
        if target is not None and target.kind != "callback_request":
            return [f"callback: {self.callback} is a {target.kind}, not a callback_request"]
        return []

    def enter(self, ctx: Context) -> Step:
        choices: tuple[Choice, ...] = ((Choice("1", self.say(ctx, "next_label")),)
                   if ctx.session.vars.get("prog_next") else ())
        choices += (Choice("3", self.say(ctx, "call_label")),)
        return Step((Ask(ctx.pick(self.text), ctx.language, "menu", choices),), wait=WAIT_MENU)

    def answer(self, ctx: Context, event: Input) -> Step:
        v = ctx.session.vars
        if isinstance(event, Outcome):
            if event.capability != CAPABILITY:
                return Step(invalid=True)
            data = event.data
            if data.get("status") == "joined":
                return self.done(ctx, self.say(ctx, "joined", {
                    "when": self.when(ctx, data.get("session") or {})}), self.goto)
            if data.get("status") == "waiting":
                return self.done(ctx, self.say(ctx, "waiting", {
                    "position": str(data.get("position", ""))}), self.goto)
            return self.done(ctx, self.say(ctx, "none"), self.goto)
        said = answer_text(event).strip()
        if said == "1" and v.get("prog_next"):
            return _handoff(ctx, "move", {"prog_next": ""}, signup=v.get("prog_signup", ""),
                            session=v["prog_next"])
        if said == "3":  # callback_about stays: the request names the programme
            return Step(goto=self.callback, vars={"prog_signup": "", "prog_next": ""})
        return Step(invalid=True)
