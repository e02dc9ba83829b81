"""The basic node types: message, menu, question, language, end."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from hotline.engine.actions import Ask, Choice, Say
from hotline.engine.inputs import Digits, Input, Text
from hotline.engine.matching import match_option
from hotline.engine.model import Context, Node, Option, Reader, Step, register
from hotline.engine.session import WAIT_MENU, WAIT_TEXT

MAX_ANSWER = 160  # characters of a free-text answer kept in a variable


def answer_text(event: Input) -> str:
    """Return what the caller typed, said or pressed, as text."""
    return event.value if isinstance(event, (Digits, Text)) else ""


@register
@dataclass(frozen=True)
class MessageNode(Node):
    """Say or send a text, then go straight on to `goto`."""

    kind: ClassVar[str] = "message"
    example: ClassVar[str] = """\
counselling:
  type: message
  text:
    ko: 무료 상담 6시간. 혼자 또는 여럿이 함께 받을 수 있어요.
    en: Free counselling, 6 hours, one-to-one or in a group.
  goto: programmes
"""
    goto: str = ""

    @classmethod
    def parse(cls, reader: Reader, node_id: str, value: dict[str, Any], line: int) -> Node:
        return cls(id=node_id, text=reader.texts(value.get("text"), node_id, "text", line),
                   line=line, goto=str(value.get("goto") or ""))

    def targets(self) -> tuple[str, ...]:
        return (self.goto,) if self.goto else ()

    def enter(self, ctx: Context) -> Step:
        return Step((Say(ctx.pick(self.text), ctx.language),), goto=self.goto or None)


@register
@dataclass(frozen=True)
class MenuNode(Node):
    """Offer numbered options and wait. The channel adds "press N" / "reply N" lines.

    A caller may press or type the key, type the label, or a keyword in any language.
    `voice_also: [zh, ru]` on an option: a call also offers its key by each of those
    languages' names, in that language's voice ("中文请按9。"); the SMS stays as it is.
    """

    kind: ClassVar[str] = "menu"
    waits: ClassVar[bool] = True
    example: ClassVar[str] = """\
main_menu:
  type: menu
  text:
    ko: 무엇을 도와드릴까요?
    en: How can we help?
  options:
    - key: 1
      label: {ko: 무료 건강 지원, en: Free health programmes}
      keywords: {ko: [건강, 지원], en: [health, programme]}
      goto: programmes
    - key: 9
      label: {ko: English, en: 한국어}
      goto: choose_language
"""
    options: tuple[Option, ...] = ()

    @classmethod
    def parse(cls, reader: Reader, node_id: str, value: dict[str, Any], line: int) -> Node:
        return cls(id=node_id, text=reader.texts(value.get("text"), node_id, "text", line),
                   line=line, options=reader.options(value.get("options"), node_id, line))

    def targets(self) -> tuple[str, ...]:
        return tuple(option.goto for option in self.options)

    def texts(self) -> dict[str, dict[str, str]]:
        out = dict(super().texts())
        for option in self.options:
            out[f"option {option.key} label"] = option.label
        return out

    def choices(self, ctx: Context) -> tuple[Choice, ...]:
        """Return the options as numbered choices in the caller's language; an option
        with `voice_also` is offered again, on a call only, in each of those languages
        (but the caller's own), by the language's name in its own voice.

        Worked out once per Script object and language (Script.kept) when no label has
        anything to fill in."""
        kept = ctx.script.kept("_menu_choices")
        key = (self.id, ctx.language)
        found: tuple[Choice, ...] | None = kept.get(key)
        if found is None:
            found = self._choices(ctx)
            if all("{" not in text for o in self.options for text in o.label.values()):
                kept[key] = found
        return found

    def _choices(self, ctx: Context) -> tuple[Choice, ...]:
        choices: list[Choice] = []
        for o in self.options:
            choices.append(Choice(o.key, ctx.pick(o.label) or o.key))
            choices.extend(Choice(o.key, ctx.script.languages[code].name, code, voice_only=True)
                           for code in o.voice_also
                           if code != ctx.language and code in ctx.script.languages)
        return tuple(choices)

    def enter(self, ctx: Context) -> Step:
        return Step((Ask(ctx.pick(self.text), ctx.language, "menu", self.choices(ctx)),),
                    wait=WAIT_MENU)

    def answer(self, ctx: Context, event: Input) -> Step:
        option = match_option(self.options, answer_text(event), ctx.language)
        return Step(goto=option.goto) if option else Step(invalid=True)


@register
@dataclass(frozen=True)
class QuestionNode(Node):
    """Ask for free text (SMS) or speech (voice), keep it in `var`, then go to `goto`.

    Later texts can use the answer as {var}.
    """

    kind: ClassVar[str] = "question"
    waits: ClassVar[bool] = True
    example: ClassVar[str] = """\
ask_city:
  type: question
  text: {ko: 어느 도시에 계세요?, en: Which city are you in?}
  var: city
  goto: thanks
"""
    var: str = ""
    goto: str = ""

    @classmethod
    def parse(cls, reader: Reader, node_id: str, value: dict[str, Any], line: int) -> Node:
        var = str(value.get("var") or "")
        if not var:
            reader.problem(node_id, "a question needs var: the name to keep the answer in", line)
        return cls(id=node_id, text=reader.texts(value.get("text"), node_id, "text", line),
                   line=line, var=var, goto=str(value.get("goto") or ""))

    def targets(self) -> tuple[str, ...]:
        return (self.goto,) if self.goto else ()

    def enter(self, ctx: Context) -> Step:
        return Step((Ask(ctx.pick(self.text), ctx.language, "text"),), wait=WAIT_TEXT)

    def answer(self, ctx: Context, event: Input) -> Step:
        value = answer_text(event).strip()[:MAX_ANSWER]
        if not value:
            return Step(invalid=True)
        return Step(goto=self.goto or None, vars={self.var: value})


@register
@dataclass(frozen=True)
class LanguageNode(Node):
    """List the script's languages as options (1, 2, ...), switch, then go to `goto`."""

    kind: ClassVar[str] = "language"
    waits: ClassVar[bool] = True
    example: ClassVar[str] = """\
choose_language:
  type: language
  text: {ko: 언어를 고르세요., en: Choose a language.}
  goto: main_menu
"""
    goto: str = ""

    @classmethod
    def parse(cls, reader: Reader, node_id: str, value: dict[str, Any], line: int) -> Node:
        return cls(id=node_id, text=reader.texts(value.get("text"), node_id, "text", line),
                   line=line, goto=str(value.get("goto") or ""))

    def targets(self) -> tuple[str, ...]:
        return (self.goto,) if self.goto else ()

    def _options(self, ctx: Context) -> tuple[Option, ...]:
        return tuple(
            Option(str(i), {"_": lang.name}, code,
                   keywords={"_": (code, *lang.keywords)})
            for i, (code, lang) in enumerate(ctx.script.languages.items(), start=1)
        )

    def enter(self, ctx: Context) -> Step:
        choices = tuple(Choice(o.key, o.label["_"], o.goto) for o in self._options(ctx))
        return Step((Ask(ctx.pick(self.text), ctx.language, "menu", choices),), wait=WAIT_MENU)

    def answer(self, ctx: Context, event: Input) -> Step:
        chosen = match_option(self._options(ctx), answer_text(event), "_")
        if chosen is None:
            return Step(invalid=True)
        return Step(goto=self.goto or None, language=chosen.goto)


@register
@dataclass(frozen=True)
class EndNode(Node):
    """Say a last text (optional) and end the conversation."""

    kind: ClassVar[str] = "end"
    ends: ClassVar[bool] = True
    example: ClassVar[str] = """\
goodbye:
  type: end
  text: {ko: 연락 주셔서 고맙습니다., en: Thank you for getting in touch.}
"""

    def enter(self, ctx: Context) -> Step:
        text = ctx.pick(self.text)
        return Step((Say(text, ctx.language),) if text else (), end=True)
