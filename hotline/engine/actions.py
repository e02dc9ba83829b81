"""Actions: what the engine asks a channel to do. Frozen, JSON-friendly, typed by name."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, ClassVar, Literal


@dataclass(frozen=True)
class Choice:
    """One numbered option offered to the caller: key '1', label '병원 찾기'."""

    key: str
    label: str


@dataclass(frozen=True)
class Say:
    """Tell the caller something; no answer expected."""

    type: ClassVar[str] = "say"
    text: str
    language: str


@dataclass(frozen=True)
class Ask:
    """Tell the caller something and wait: for a choice (`menu`) or free text (`text`)."""

    type: ClassVar[str] = "ask"
    text: str
    language: str
    expects: Literal["menu", "text"] = "menu"
    choices: tuple[Choice, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class End:
    """The conversation is over: hang up (voice) or stop replying (SMS)."""

    type: ClassVar[str] = "end"


@dataclass(frozen=True)
class Handoff:
    """Ask the application to carry out a capability (directory search, callback, ...).

    The application does it and steps the engine again with an `Outcome` of the same
    `capability`; channels never render a Handoff.
    """

    type: ClassVar[str] = "handoff"
    capability: str
    params: dict[str, Any] = field(default_factory=dict)


Action = Say | Ask | End | Handoff

ACTION_TYPES: dict[str, type[Any]] = {cls.type: cls for cls in (Say, Ask, End, Handoff)}


def action_to_dict(action: Action) -> dict[str, Any]:
    """Return the action as plain data with its type name."""
    return {"type": action.type, **asdict(action)}


def action_from_dict(data: dict[str, Any]) -> Action:
    """Rebuild an action from action_to_dict() output."""
    fields = {k: v for k, v in data.items() if k != "type"}
    if data["type"] == "ask":
        fields["choices"] = tuple(Choice(**c) for c in fields.get("choices", ()))
    result: Action = ACTION_TYPES[data["type"]](**fields)
    return result
