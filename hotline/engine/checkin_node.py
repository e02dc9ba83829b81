"""The `checkin_request` node type: regular friendly calls, weekly or every two weeks, in
a time window the caller picks; a caller who has them can stop them here.

It hands off to the `checkin` capability (status, start, stop); each due call becomes a
call-back request with the topic "check-in". Where the node is lives in vars ci_*.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from hotline.engine.actions import Ask, Choice, Handoff, Say
from hotline.engine.inputs import Input, Outcome
from hotline.engine.model import Context, Node, Reader, Step, register
from hotline.engine.nodes import answer_text
from hotline.engine.programme_node import _ProgrammeNode
from hotline.engine.session import WAIT_HANDOFF, WAIT_MENU

CAPABILITY = "checkin"
EVERY = {"1": "7", "2": "14"}
WINDOWS = {"1": "morning", "2": "afternoon", "3": "evening"}


@register
@dataclass(frozen=True)
class CheckinRequestNode(_ProgrammeNode):
    """Ask for regular check-in calls, or stop them.

    `text` asks how often (`weekly_label`, `biweekly_label`); `window` asks when
    (`morning_label`, `afternoon_label`, `evening_label`); `started` confirms and should
    say how to stop and how long the number is kept; `active` tells a caller who has them
    (key 1, `stop_label`, stops them); `stopped` confirms. 0 leads to `back`.
    """

    kind: ClassVar[str] = "checkin_request"
    words: ClassVar[tuple[str, ...]] = (
        "window", "started", "active", "stopped", "weekly_label", "biweekly_label",
        "morning_label", "afternoon_label", "evening_label", "stop_label", "back_label")
    example: ClassVar[str] = """\
checkin:
  type: checkin_request
  text: {ko: 얼마나 자주 안부 전화를 드릴까요?, en: How often shall we call to say hello?}
  window: {ko: 몇 시쯤이 좋아요?, en: What time of day?}
  started:
    ko: 안부 전화를 드릴게요. 그만하려면 4, 4, 1. 번호는 12주 뒤 지워요.
    en: "We will call you. To stop: 4, then 4, then 1. Number erased after 12 weeks."
  active: {ko: 안부 전화를 받고 계세요., en: You get check-in calls.}
  stopped: {ko: 안부 전화를 그만할게요. 번호도 지웠어요., en: Check-in calls stopped.}
  weekly_label: {ko: 매주, en: Every week}
  biweekly_label: {ko: 2주마다, en: Every two weeks}
  morning_label: {ko: 오전 10시, en: 10 am}
  afternoon_label: {ko: 오후 2시, en: 2 pm}
  evening_label: {ko: 오후 6시, en: 6 pm}
  stop_label: {ko: 그만 받기, en: Stop them}
  back_label: {ko: 뒤로, en: Back}
  back: callback_menu
  goto: main_menu
"""

    @classmethod
    def parse(cls, reader: Reader, node_id: str, value: dict[str, Any], line: int) -> Node:
        node = super().parse(reader, node_id, value, line)
        return cls(id=node.id, text=node.text, line=line, w=getattr(node, "w", {}),
                   back=getattr(node, "back", ""), goto=getattr(node, "goto", ""))

    def _ask(self, ctx: Context, text: str, labels: dict[str, str], phase: str,
             vars_: dict[str, str] | None = None) -> Step:
        choices = tuple(Choice(k, self.say(ctx, name)) for k, name in labels.items())
        choices += (Choice("0", self.say(ctx, "back_label")),)
        return Step((Ask(text, ctx.language, "menu", choices),), wait=WAIT_MENU,
                    vars={"ci_phase": phase, **(vars_ or {})})

    def enter(self, ctx: Context) -> Step:
        return Step((Handoff(CAPABILITY, {"action": "status"}),), wait=WAIT_HANDOFF,
                    vars={"ci_phase": "", "ci_every": ""})

    def answer(self, ctx: Context, event: Input) -> Step:
        if isinstance(event, Outcome):
            return self.outcome(ctx, event.data) if event.capability == CAPABILITY else Step(
                invalid=True)
        said, phase = answer_text(event).strip(), ctx.session.vars.get("ci_phase")
        if said == "0":
            return Step(goto=self.back, vars={"ci_phase": ""})
        if phase == "active" and said == "1":
            return Step((Handoff(CAPABILITY, {"action": "stop"}),), wait=WAIT_HANDOFF)
        if phase == "every" and said in EVERY:
            return self._ask(ctx, self.say(ctx, "window"), {
                "1": "morning_label", "2": "afternoon_label", "3": "evening_label"}, "window",
                {"ci_every": EVERY[said]})
        if phase == "window" and said in WINDOWS:
            params = {"action": "start", "every": ctx.session.vars.get("ci_every", "7"),
                      "window": WINDOWS[said]}
            return Step((Handoff(CAPABILITY, params),), wait=WAIT_HANDOFF)
        return Step(invalid=True)

    def outcome(self, ctx: Context, data: dict[str, Any]) -> Step:
        action = data.get("action")
        if action == "status" and data.get("active"):
            return self._ask(ctx, self.say(ctx, "active"), {"1": "stop_label"}, "active")
        if action == "status":
            return self._ask(ctx, ctx.pick(self.text),
                             {"1": "weekly_label", "2": "biweekly_label"}, "every")
        if action == "stop":
            return Step((Say(self.say(ctx, "stopped"), ctx.language),), goto=self.goto or None,
                        vars={"ci_phase": ""})
        if data.get("started"):
            return Step((Say(self.say(ctx, "started"), ctx.language),), goto=self.goto or None,
                        vars={"ci_phase": "", "ci_every": ""})
        return Step((Say(ctx.phrase("give_up"), ctx.language),), goto=self.back or None)
