"""Capabilities: what the pipeline carries out when the engine hands off (search, callback).

A capability is a callable(ctx, params) -> dict, registered by name in create_app's
configure_capabilities. The engine hands off with Handoff(name, params); the pipeline
calls the capability and steps the engine again with Outcome(name, data).

A capability makes its own writes (a callback request, an urgent case) but enqueues no
job itself: it adds the jobs to `ctx.jobs` (an urgent case's first page, a directory
line by SMS, a programme's reminders), and to `ctx.confirm` what a replica must hold
before the caller is told. The pipeline's Answer carries both; the web layer submits
the jobs and waits for the replica before the answer goes out.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from hotline.config import Settings
from hotline.engine.actions import Action, Handoff
from hotline.engine.inputs import Outcome
from hotline.engine.runner import Result
from hotline.jobs import JobSpec

MAX_ROUNDS = 3  # handoffs carried out for one request before it counts as a loop


class UnknownCapability(LookupError):
    """The script handed off to a capability nobody registered."""


class TooManyHandoffs(RuntimeError):
    """The engine kept handing off after MAX_ROUNDS capabilities in one request."""


@dataclass(slots=True)  # made on every webhook: see conversation/__init__.py
class CapabilityContext:
    """What a capability may use: Redis, config, who is asking, on which channel and request.

    `caller` is the raw number; only capabilities that must keep it for a call back use it,
    and then only encrypted (privacy.NumberVault). It never shows in repr or logs.
    """

    redis: Any
    config: Settings
    caller: str = field(repr=False)
    caller_hash: str
    channel: str
    language: str
    call_sid: str = ""
    message_sid: str = ""
    now: float = 0.0  # the request's time from the app's (injectable) clock
    directory_revision: str | None = None  # the directory's version, read with the claim
    # Filled by the capabilities, carried by the answer (shared by every round's copy):
    jobs: list[JobSpec] = field(default_factory=list, repr=False)
    confirm: list[tuple[str, str]] = field(default_factory=list, repr=False)  # (what, id)


Capability = Callable[[CapabilityContext, dict[str, Any]], dict[str, Any]]


class Capabilities:
    """The registry of capabilities by name."""

    def __init__(self) -> None:
        self._by_name: dict[str, Capability] = {}

    def register(self, name: str, capability: Capability) -> Capability:
        """Make `capability` answer handoffs named `name`."""
        self._by_name[name] = capability
        return capability

    def __contains__(self, name: object) -> bool:
        return name in self._by_name

    def names(self) -> list[str]:
        """Return the registered names, sorted."""
        return sorted(self._by_name)

    def get(self, name: str) -> Capability:
        """Return the capability registered under `name`; UnknownCapability if none."""
        try:
            return self._by_name[name]
        except KeyError:
            raise UnknownCapability(f"no capability registered as {name!r}") from None

    def carry_out(self, result: Result, ctx: CapabilityContext,
                  resume: Callable[[Result, Outcome], Result]) -> Result:
        """Carry out the handoffs in `result` until the engine waits or ends.

        `resume(result, outcome)` steps the engine from `result.session` with the outcome.
        The actions of every round are kept, in order, without the Handoffs.
        """
        actions: list[Action] = []
        for _ in range(MAX_ROUNDS):
            handoff = result.handoff
            if handoff is None:
                break
            actions.extend(a for a in result.actions if not isinstance(a, Handoff))
            round_ctx = replace(ctx, language=result.session.language)
            data = self.get(handoff.capability)(round_ctx, dict(handoff.params))
            result = resume(result, Outcome(handoff.capability, dict(data or {})))
        if result.handoff is not None:
            raise TooManyHandoffs(f"more than {MAX_ROUNDS} handoffs in one request")
        actions.extend(result.actions)
        return Result(tuple(actions), result.session)
