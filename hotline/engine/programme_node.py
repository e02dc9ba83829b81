"""Programme node types: `programme_signup` (pick a programme and a session, join it or
its waiting list) and `programme_mine` (list and cancel one's own sign-ups).

Both hand off to the `programme` capability with an `action` (list, sessions, join, mine,
cancel); the capability answers with plain data (names per language, dates as numbers)
and these nodes put it into the caller's words. Where a node is lives in vars prog_*.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar

from hotline.engine.actions import Ask, Choice, Handoff, Say
from hotline.engine.inputs import Input, Outcome
from hotline.engine.model import Context, Node, Reader, Script, Step, Texts, register
from hotline.engine.nodes import answer_text
from hotline.engine.session import WAIT_HANDOFF, WAIT_MENU

CAPABILITY = "programme"
MAX_CHOICES = 8  # programmes or sessions offered at once (keys 1-8; 0 goes back)

ABOUT = "callback_about"  # the var a callback_request node files as what the call is about
_RESET = {"prog_phase": "", "prog_ids": "", "prog_pid": "", "prog_sid": "", "prog_next": "",
          ABOUT: ""}
CALL_KEY = "9"  # the sign-up's "call me about it" key (keys 1-8 are sessions, 0 goes back)


def _read(reader: Reader, node_id: str, value: dict[str, Any], line: int,
          names: tuple[str, ...]) -> dict[str, Texts]:
    out = {}
    for name in names:
        texts = reader.texts(value.get(name), node_id, name, line)
        if not texts:
            reader.problem(node_id, f"a {value.get('type')} needs {name}:", line)
        out[name] = texts
    return out


def _handoff(ctx: Context, action: str, vars_: dict[str, str], **params: Any) -> Step:
    return Step((Handoff(CAPABILITY, {"action": action, "language": ctx.language, **params}),),
                wait=WAIT_HANDOFF, vars=vars_)


def _pick(event: Input, ids: list[str]) -> str | None:
    """The id the caller chose by its number (1..n), or None."""
    said = answer_text(event).strip()
    if said.isdigit() and 1 <= int(said) <= len(ids):
        return ids[int(said) - 1]
    return None


@dataclass(frozen=True)
class _ProgrammeNode(Node):
    waits: ClassVar[bool] = True
    words: ClassVar[tuple[str, ...]] = ()
    w: dict[str, Texts] = field(default_factory=dict)
    back: str = ""
    goto: str = ""

    @classmethod
    def parse(cls, reader: Reader, node_id: str, value: dict[str, Any], line: int) -> Node:
        for name in ("back", "goto"):
            if not value.get(name):
                reader.problem(node_id, f"a {cls.kind} needs {name}: a node id", line)
        return cls(id=node_id, text=reader.texts(value.get("text"), node_id, "text", line),
                   line=line, w=_read(reader, node_id, value, line, cls.words),
                   back=str(value.get("back") or ""), goto=str(value.get("goto") or ""))

    def targets(self) -> tuple[str, ...]:
        return tuple(t for t in (self.back, self.goto) if t)

    def texts(self) -> dict[str, Texts]:
        return {**super().texts(), **{n: t for n, t in self.w.items() if t}}

    def say(self, ctx: Context, name: str, extra: dict[str, str] | None = None) -> str:
        return ctx.pick(self.w.get(name, {}), extra)

    def when(self, ctx: Context, data: dict[str, Any]) -> str:
        """A session's date and time in the caller's words (the node's `when`)."""
        return self.say(ctx, "when", {k: str(data.get(k, "")) for k in ("month", "day", "time")})

    def menu(self, ctx: Context, text: str, labels: list[str], vars_: dict[str, str],
             extra: tuple[Choice, ...] = ()) -> Step:
        choices = tuple(Choice(str(n), label) for n, label in enumerate(labels, start=1))
        choices += extra + (Choice("0", self.say(ctx, "back_label")),)
        return Step((Ask(text, ctx.language, "menu", choices),), wait=WAIT_MENU, vars=vars_)

    def done(self, ctx: Context, text: str, to: str) -> Step:
        return Step((Say(text, ctx.language),), goto=to or None, vars=dict(_RESET))


@register
@dataclass(frozen=True)
class ProgrammeSignupNode(_ProgrammeNode):
    """Let the caller join a programme: pick one, pick a session, get one confirmation.

    `text` asks which programme; `sessions` which date; `when` writes a date
    ({month} {day} {time}). `joined` confirms (it may use {when}, {until_month},
    {until_day}: until when the number is kept) and should say how to cancel; `waiting`
    says the place on a waiting list ({position}); `full` says a session is full and offers
    the next one with a seat (key 1) or its waiting list (key 2, `wait_label`); `already` when the caller has joined
    it before; `none` when there is nothing to join. 0 leads to `back`, the end to `goto`.
    `kinds` (optional) limits the list to programmes of these kinds. `callback`
    (optional, a callback_request node) adds key 9 (`call_label`) to the dates and to a full
    date: instead of a date, a volunteer calls about the programme (the request names it).
    """

    kind: ClassVar[str] = "programme_signup"
    words: ClassVar[tuple[str, ...]] = ("sessions", "when", "joined", "waiting", "full",
                                        "already", "none", "wait_label",
                                        "back_label")
    example: ClassVar[str] = """\
join_programme:
  type: programme_signup
  text: {ko: 어느 것을 신청할까요?, en: Which one would you like to join?}
  sessions: {ko: 언제가 좋아요?, en: Which date suits you?}
  when: {ko: "{month}월 {day}일 {time}", en: "{month}/{day} {time}"}
  joined:
    ko: "{when} 신청됐어요. 취소는 1번, 6번. 번호는 {until_month}월 {until_day}일에 지워요."
    en: "Booked: {when}. To cancel: 1, then 6. Number erased {until_month}/{until_day}."
  waiting: {ko: "자리가 없어 대기 {position}번이에요.", en: "Full: you are number {position} in line."}
  full: {ko: 그날은 자리가 찼어요., en: That date is full.}
  already: {ko: "이미 {when}에 신청하셨어요.", en: "You are already booked for {when}."}
  none: {ko: 지금은 신청할 수 있는 것이 없어요., en: Nothing is open to join now.}
  wait_label: {ko: 기다릴게요, en: Wait for a place}
  back_label: {ko: 뒤로, en: Back}
  call_label: {ko: 전화로 안내받기, en: Call me about it}
  callback: programme_callback
  back: programmes
  goto: programmes
"""
    kinds: tuple[str, ...] = ()
    callback: str = ""
    call_label: Texts = field(default_factory=dict)

    @classmethod
    def parse(cls, reader: Reader, node_id: str, value: dict[str, Any], line: int) -> Node:
        node = super().parse(reader, node_id, value, line)
        raw = value.get("kinds") or []
        kinds = tuple(str(k) for k in (raw if isinstance(raw, list) else [raw]))
        callback = str(value.get("callback") or "")
        label = reader.texts(value.get("call_label"), node_id, "call_label", line) \
            if callback or value.get("call_label") else {}
        if callback and not label:
            reader.problem(node_id, "a programme_signup with callback: needs call_label:", line)
        return cls(id=node.id, text=node.text, line=line, w=getattr(node, "w", {}),
                   back=getattr(node, "back", ""), goto=getattr(node, "goto", ""), kinds=kinds,
                   callback=callback, call_label=label)

    def targets(self) -> tuple[str, ...]:
        return super().targets() + ((self.callback,) if self.callback else ())

    def texts(self) -> dict[str, Texts]:
        return {**super().texts(), **({"call_label": self.call_label} if self.call_label else {})}

    def check(self, script: Script) -> list[str]:
        target = script.nodes.get(self.callback) if self.callback else None
        if target is not None and target.kind != "callback_request":
            return [f"callback: {self.callback} is a {target.kind}, not a callback_request"]
        return []

    def _call(self, ctx: Context) -> tuple[Choice, ...]:
        return (Choice(CALL_KEY, ctx.pick(self.call_label)),) if self.callback else ()

    def enter(self, ctx: Context) -> Step:
        v = ctx.session.vars
        if ctx.session.node == self.id and v.get("prog_phase") in ("session", "full"):
            return _handoff(ctx, "sessions", {"prog_phase": "session"},
                            programme=v.get("prog_pid", ""))
        return _handoff(ctx, "list", {**_RESET, "prog_phase": "programme"},
                        kinds=list(self.kinds))

    def answer(self, ctx: Context, event: Input) -> Step:
        v = ctx.session.vars
        if isinstance(event, Outcome):
            return self.outcome(ctx, event.data) if event.capability == CAPABILITY else Step(
                invalid=True)
        said = answer_text(event).strip()
        phase = v.get("prog_phase")
        if said == CALL_KEY and self.callback and phase in ("session", "full"):
            return Step(goto=self.callback, vars={**_RESET, ABOUT: v.get("prog_pid", "")})
        if said == "0":
            if phase == "session":
                return _handoff(ctx, "list", {**_RESET, "prog_phase": "programme"},
                                kinds=list(self.kinds))
            return Step(goto=self.back, vars=dict(_RESET))
        if phase == "full":
            if said == "1" and v.get("prog_next"):
                return _handoff(ctx, "join", {}, programme=v["prog_pid"], session=v["prog_next"])
            if said == "2":
                return _handoff(ctx, "join", {}, programme=v["prog_pid"],
                                session=v["prog_sid"], wait=True)
            return Step(invalid=True)
        chosen = _pick(event, v.get("prog_ids", "").split("|") if v.get("prog_ids") else [])
        if chosen is None:
            return Step(invalid=True)
        if phase == "programme":
            return _handoff(ctx, "sessions", {"prog_pid": chosen}, programme=chosen)
        return _handoff(ctx, "join", {"prog_sid": chosen}, programme=v.get("prog_pid", ""),
                        session=chosen)

    def outcome(self, ctx: Context, data: dict[str, Any]) -> Step:
        action = data.get("action")
        if action == "list":
            items = list(data.get("programmes") or [])[:MAX_CHOICES]
            if not items:
                return self.done(ctx, self.say(ctx, "none"), self.back)
            return self.menu(ctx, ctx.pick(self.text), [ctx.pick(i["name"]) for i in items],
                             {"prog_phase": "programme",
                              "prog_ids": "|".join(str(i["id"]) for i in items)})
        if action == "sessions":
            items = list(data.get("sessions") or [])[:MAX_CHOICES]
            if not items:
                return self.done(ctx, self.say(ctx, "none"), self.back)
            return self.menu(ctx, self.say(ctx, "sessions"), [self.when(ctx, i) for i in items],
                             {"prog_phase": "session",
                              "prog_ids": "|".join(str(i["id"]) for i in items)},
                             self._call(ctx))
        status = data.get("status")
        session = data.get("session") or {}
        if status == "joined":
            until = data.get("until") or {}
            return self.done(ctx, self.say(ctx, "joined", {
                "when": self.when(ctx, session), "until_month": str(until.get("month", "")),
                "until_day": str(until.get("day", ""))}), self.goto)
        if status == "waiting":
            return self.done(ctx, self.say(ctx, "waiting", {
                "position": str(data.get("position", ""))}), self.goto)
        if status == "already":
            return self.done(ctx, self.say(ctx, "already", {"when": self.when(ctx, session)}),
                             self.goto)
        if status == "full":
            following = data.get("next") or {}
            choices = [Choice("2", self.say(ctx, "wait_label")), *self._call(ctx),
                       Choice("0", self.say(ctx, "back_label"))]
            if following:  # the next session with a seat left
                choices.insert(0, Choice("1", self.when(ctx, following)))
            return Step((Ask(self.say(ctx, "full"), ctx.language, "menu", tuple(choices)),),
                        wait=WAIT_MENU,
                        vars={"prog_phase": "full",
                              "prog_next": str(following.get("id", ""))})
        return self.done(ctx, self.say(ctx, "none"), self.back)


@register
@dataclass(frozen=True)
class ProgrammeMineNode(_ProgrammeNode):
    """List the caller's own sign-ups and cancel one by its number.

    `text` heads the list; `when` writes a date ({month} {day} {time}); `cancelled`
    confirms a cancellation; `none` says there is nothing to cancel. 0 leads to `back`.
    """

    kind: ClassVar[str] = "programme_mine"
    words: ClassVar[tuple[str, ...]] = ("when", "cancelled", "none", "back_label")
    example: ClassVar[str] = """\
my_programmes:
  type: programme_mine
  text: {ko: 취소할 신청을 고르세요., en: Choose a booking to cancel.}
  when: {ko: "{month}월 {day}일 {time}", en: "{month}/{day} {time}"}
  cancelled: {ko: 취소했어요. 번호도 지웠어요., en: Cancelled. Your number is erased.}
  none: {ko: 신청한 것이 없어요., en: You have no bookings.}
  back_label: {ko: 뒤로, en: Back}
  back: programmes
  goto: programmes
"""

    def enter(self, ctx: Context) -> Step:
        return _handoff(ctx, "mine", {**_RESET, "prog_phase": "mine"})

    def answer(self, ctx: Context, event: Input) -> Step:
        if isinstance(event, Outcome):
            return self.outcome(ctx, event.data) if event.capability == CAPABILITY else Step(
                invalid=True)
        if answer_text(event).strip() == "0":
            return Step(goto=self.back, vars=dict(_RESET))
        ids = ctx.session.vars.get("prog_ids", "")
        chosen = _pick(event, ids.split("|") if ids else [])
        if chosen is None:
            return Step(invalid=True)
        return _handoff(ctx, "cancel", {}, signup=chosen)

    def outcome(self, ctx: Context, data: dict[str, Any]) -> Step:
        if data.get("action") == "cancel":
            return self.done(ctx, self.say(ctx, "cancelled" if data.get("cancelled")
                                           else "none"), self.goto)
        items = list(data.get("signups") or [])[:MAX_CHOICES]
        if not items:
            return self.done(ctx, self.say(ctx, "none"), self.back)
        labels = [f"{ctx.pick(i['name'])} {self.when(ctx, i)}" for i in items]
        return self.menu(ctx, ctx.pick(self.text), labels,
                         {"prog_phase": "mine", "prog_ids": "|".join(str(i["id"]) for i in items)})


@register
@dataclass(frozen=True)
class ProgrammeReplyNode(_ProgrammeNode):
    """The answer to a reminder: 1 confirms the seat, 2 cancels it, 3 asks for a call.

    A reminder job puts the caller here (the session, for as long as a session lives) with
    the sign-up in var prog_signup; the reminder itself is the phrase programme_reminder.
    `text` asks again after a wrong answer; `confirmed` and `cancelled` answer 1 and 2;
    `none` says the sign-up is gone. 3 leads to `callback` (a callback_request node), the
    end to `goto`. Staff name this node `programme_reply` in the entry script.
    """

    kind: ClassVar[str] = "programme_reply"
    entry: ClassVar[bool] = True  # reached from a reminder, not from a menu
    words: ClassVar[tuple[str, ...]] = ("confirmed", "cancelled", "none", "confirm_label",
                                        "cancel_label", "call_label")
    example: ClassVar[str] = """\
programme_reply:
  type: programme_reply
  text: {ko: 답을 골라 주세요., en: Please choose.}
  confirmed: {ko: 확인했어요. 그때 만나요., en: Thank you. See you then.}
  cancelled: {ko: 취소했어요. 번호도 지웠어요., en: Cancelled. Your number is erased.}
  none: {ko: 신청한 것이 없어요., en: You have no bookings.}
  confirm_label: {ko: 확인, en: Confirm}
  cancel_label: {ko: 취소, en: Cancel}
  call_label: {ko: 전화 요청, en: Call me}
  callback: programme_callback
  goto: main_menu
"""
    callback: str = ""

    @classmethod
    def parse(cls, reader: Reader, node_id: str, value: dict[str, Any], line: int) -> Node:
        if not value.get("callback"):
            reader.problem(node_id, "a programme_reply needs callback: a callback_request "
                           "node", line)
        value = {"back": value.get("goto"), **value}  # no menu to go back to: 0 is not offered
        node = super().parse(reader, node_id, value, line)
        return cls(id=node.id, text=node.text, line=line, w=getattr(node, "w", {}),
                   back=getattr(node, "back", ""), goto=getattr(node, "goto", ""),
                   callback=str(value.get("callback") or ""))

    def targets(self) -> tuple[str, ...]:
        return tuple(t for t in (self.goto, self.callback) if t)

    def enter(self, ctx: Context) -> Step:
        choices = (Choice("1", self.say(ctx, "confirm_label")),
                   Choice("2", self.say(ctx, "cancel_label")),
                   Choice("3", self.say(ctx, "call_label")))
        return Step((Ask(ctx.pick(self.text), ctx.language, "menu", choices),), wait=WAIT_MENU)

    def answer(self, ctx: Context, event: Input) -> Step:
        if isinstance(event, Outcome):
            if event.capability != CAPABILITY:
                return Step(invalid=True)
            if event.data.get("action") == "confirm" and event.data.get("confirmed"):
                return self.done(ctx, self.say(ctx, "confirmed"), self.goto)
            if event.data.get("action") == "cancel" and event.data.get("cancelled"):
                return self.done(ctx, self.say(ctx, "cancelled"), self.goto)
            return self.done(ctx, self.say(ctx, "none"), self.goto)
        said = answer_text(event).strip()
        signup = ctx.session.vars.get("prog_signup", "")
        if said == "1":
            return _handoff(ctx, "confirm", {}, signup=signup)
        if said == "2":
            return _handoff(ctx, "cancel", {}, signup=signup)
        if said == "3":
            return Step(goto=self.callback, vars={"prog_signup": ""})
        return Step(invalid=True)
