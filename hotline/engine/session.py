"""The session: where a caller is in a script. Plain data that survives JSON."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any

# Wait kinds: what the session is waiting for at `node`.
WAIT_MENU = "menu"  # a choice among options
WAIT_TEXT = "text"  # free text or speech for a variable
WAIT_RESUME = "resume"  # "continue where you left off?"
WAIT_HANDOFF = "handoff"  # the application is carrying out a capability


@dataclass(frozen=True)
class Session:
    """One caller's place in one script; `wait` is None once the conversation ended."""

    script: str
    node: str
    language: str
    channel: str
    wait: str | None = None
    vars: dict[str, str] = field(default_factory=dict)
    invalid: int = 0
    updated: float = 0.0
    country: str = ""

    def to_dict(self) -> dict[str, Any]:
        """Return the session as plain data (by hand: asdict() deep-copies, on every request)."""
        held = self.__dict__
        data = {name: held[name] for name in _NAMES}
        data["vars"] = dict(self.vars)  # the one mutable field: plain str -> str
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Session:
        """Rebuild a session; unknown keys (from a newer version) are ignored."""
        known = {k: data[k] for k in cls.__dataclass_fields__ if k in data}
        return cls(**known)

    def with_(self, **changes: Any) -> Session:
        """Return a copy with some fields changed.

        By hand: dataclasses.replace() runs __init__ over every field again, about five
        times a webhook; a frozen copy of the fields is a fifth of its cost."""
        unknown = changes.keys() - _FIELDS
        if unknown:
            raise TypeError(f"Session has no field {min(unknown)!r}")
        copy = object.__new__(type(self))
        copy.__dict__.update(self.__dict__)
        copy.__dict__.update(changes)
        return copy


_NAMES = tuple(f.name for f in fields(Session))
_FIELDS = frozenset(_NAMES)
