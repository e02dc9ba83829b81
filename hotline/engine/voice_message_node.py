"""The `voice_message` node type: a caller leaves a short voice message for a call back."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar

from hotline.engine.actions import Record, Say
from hotline.engine.model import Context, Node, Reader, Script, Step, Texts, register

MAX_SECONDS = 120  # Twilio records at most this long here: a message, not a conversation


@register
@dataclass(frozen=True)
class VoiceMessageNode(Node):
    """On a call, say `text` and record a message of at most `max_seconds` after the
    beep: it becomes a callback request about `topic`, with the message attached, which
    the volunteer who takes it hears first. For callers who cannot type, and calls
    outside the hours people answer (a callback_request's `after_hours`).

    In an SMS, `sms` is said instead (a message can only be left by calling), and the
    conversation goes on at `goto`.
    """

    kind: ClassVar[str] = "voice_message"
    example: ClassVar[str] = """\
leave_message:
  type: voice_message
  topic: other
  text:
    ko: 삐 소리가 나면 2분 안에 말씀하세요. 끝나면 우물 정 자를 누르세요.
    en: After the beep, speak for up to 2 minutes. Press the pound key when done.
  sms:
    ko: 음성 메시지는 전화로 남길 수 있어요.
    en: You can leave a voice message by calling this number.
  goto: main_menu
"""
    topic: str = ""
    sms: Texts = field(default_factory=dict)
    goto: str = ""
    max_seconds: int = MAX_SECONDS

    @classmethod
    def parse(cls, reader: Reader, node_id: str, value: dict[str, Any], line: int) -> Node:
        topic = str(value.get("topic") or "")
        if not topic:
            reader.problem(node_id, "a voice_message needs topic: (e.g. other)", line)
        try:
            seconds = int(value.get("max_seconds") or MAX_SECONDS)
        except (TypeError, ValueError):
            seconds = 0
        if not 5 <= seconds <= MAX_SECONDS:
            reader.problem(node_id, f"max_seconds must be 5 to {MAX_SECONDS}", line)
            seconds = MAX_SECONDS
        sms = value.get("sms")
        return cls(id=node_id, text=reader.texts(value.get("text"), node_id, "text", line),
                   line=line, topic=topic, goto=str(value.get("goto") or ""),
                   sms=reader.texts(sms, node_id, "sms", line) if sms else {},
                   max_seconds=seconds)

    def targets(self) -> tuple[str, ...]:
        return (self.goto,) if self.goto else ()

    def texts(self) -> dict[str, Texts]:
        out = dict(super().texts())
        if self.sms:
            out["sms"] = self.sms
        return out

    def check(self, script: Script) -> list[str]:
        problems = [] if self.text else ["a voice_message needs text: what to say before the beep"]
        if not self.sms or not self.goto:
            problems.append("a voice_message needs sms: and goto: (an SMS cannot record)")
        return problems

    def enter(self, ctx: Context) -> Step:
        if ctx.session.channel != "voice":
            return Step((Say(ctx.pick(self.sms), ctx.language),), goto=self.goto or None)
        return Step((Say(ctx.pick(self.text), ctx.language),
                     Record(self.topic, ctx.language, self.max_seconds)), end=True)
