"""Inputs: what the caller did, as the engine sees it."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, ClassVar, Literal

Channel = Literal["sms", "voice"]


@dataclass(frozen=True)
class Begin:
    """A new contact: an incoming call, or an SMS that opens a conversation.

    `text` is the SMS body (used to guess the language); `country` is the caller's
    ISO country code, used only to pick the local emergency number.
    """

    type: ClassVar[str] = "begin"
    channel: Channel
    text: str = ""
    country: str = ""


@dataclass(frozen=True)
class Digits:
    """Keypad digits pressed during a wait."""

    type: ClassVar[str] = "digits"
    value: str


@dataclass(frozen=True)
class Text:
    """Typed text (SMS) or recognised speech (voice)."""

    type: ClassVar[str] = "text"
    value: str


@dataclass(frozen=True)
class Silence:
    """A wait ended with nothing from the caller (voice timeout)."""

    type: ClassVar[str] = "silence"


@dataclass(frozen=True)
class Outcome:
    """The application's answer to a Handoff: what the capability found or did."""

    type: ClassVar[str] = "outcome"
    capability: str
    data: dict[str, Any] = field(default_factory=dict)


Input = Begin | Digits | Text | Silence | Outcome

INPUT_TYPES: dict[str, type[Any]] = {
    cls.type: cls for cls in (Begin, Digits, Text, Silence, Outcome)
}


def input_to_dict(value: Input) -> dict[str, Any]:
    """Return the input as plain data with its type name."""
    return {"type": value.type, **asdict(value)}


def input_from_dict(data: dict[str, Any]) -> Input:
    """Rebuild an input from input_to_dict() output."""
    fields = {k: v for k, v in data.items() if k != "type"}
    result: Input = INPUT_TYPES[data["type"]](**fields)
    return result
