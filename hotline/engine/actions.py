"""Actions: what the engine asks a channel to do. Frozen, JSON-friendly, typed by name."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, ClassVar, Literal


@dataclass(frozen=True)
class Choice:
    """One numbered option offered to the caller: key '1', label '병원 찾기'."""

    key: str
    label: str
    # The language the label is in, when it is not the question's: a call says it with
    # that language's voice and press words (the language list: 中文请按3。).
    language: str = ""
    # Said on a call only, never written in an SMS: the same key offered again in another
    # language, in its own voice (the main menu's 9: 中文请按9。), at no cost to the SMS.
    voice_only: bool = False


@dataclass(frozen=True)
class Say:
    """Tell the caller something; no answer expected."""

    type: ClassVar[str] = "say"
    text: str
    language: str


@dataclass(frozen=True)
class Ask:
    """Tell the caller something and wait: for a choice (`menu`) or free text (`text`).

    `long_keys`: on a call, the caller may also key a longer number ended by # (a postal
    code) besides one key of `choices`, so the keypad is not cut after one digit.
    """

    type: ClassVar[str] = "ask"
    text: str
    language: str
    expects: Literal["menu", "text"] = "menu"
    choices: tuple[Choice, ...] = field(default_factory=tuple)
    long_keys: bool = False


@dataclass(frozen=True)
class End:
    """The conversation is over: hang up (voice) or stop replying (SMS)."""

    type: ClassVar[str] = "end"


@dataclass(frozen=True)
class DialNumber:
    """One phone a Dial rings; `whisper`: the page its answerer hears before being put
    through (a path and query under the public URL, e.g. "press 1 to accept")."""

    number: str
    whisper: str = ""


@dataclass(frozen=True)
class Dial:
    """Ring these numbers at once and put the caller through to the first who accepts.

    Ends the conversation in the engine: when the Dial ends, the call goes on at `after`
    (a path and query under the public URL). Voice renders <Dial>; SMS renders nothing.
    What to dial comes from a capability's outcome (e.g. the urgent capability's people
    on call): the engine only carries it to the channel.
    """

    type: ClassVar[str] = "dial"
    numbers: tuple[DialNumber, ...]
    caller_id: str = ""
    timeout: int = 30
    after: str = ""


@dataclass(frozen=True)
class Record:
    """Record a short voice message after a beep (at most `max_length` seconds).

    Ends the conversation in the engine, as a Dial does. Voice renders <Record>; when
    Twilio posts the recording, it becomes a callback request about `topic` in
    `language` with the message attached (or, with `case`, the call back of that urgent
    case). SMS renders nothing: a text caller is never offered it.
    """

    type: ClassVar[str] = "record"
    topic: str
    language: str
    max_length: int = 120
    case: str = ""


@dataclass(frozen=True)
class Handoff:
    """Ask the application to carry out a capability (directory search, callback, ...).

    The application does it and steps the engine again with an `Outcome` of the same
    `capability`; channels never render a Handoff.
    """

    type: ClassVar[str] = "handoff"
    capability: str
    params: dict[str, Any] = field(default_factory=dict)


Action = Say | Ask | End | Dial | Record | Handoff

ACTION_TYPES: dict[str, type[Any]] = {cls.type: cls
                                      for cls in (Say, Ask, End, Dial, Record, Handoff)}


def action_to_dict(action: Action) -> dict[str, Any]:
    """Return the action as plain data with its type name."""
    return {"type": action.type, **asdict(action)}


def action_from_dict(data: dict[str, Any]) -> Action:
    """Rebuild an action from action_to_dict() output."""
    fields = {k: v for k, v in data.items() if k != "type"}
    if data["type"] == "ask":
        fields["choices"] = tuple(Choice(**c) for c in fields.get("choices", ()))
    if data["type"] == "dial":
        fields["numbers"] = tuple(DialNumber(**n) for n in fields.get("numbers", ()))
    result: Action = ACTION_TYPES[data["type"]](**fields)
    return result
