"""Capabilities as the pipeline carries them out: called, then their jobs submitted.

A capability enqueues nothing itself; it adds its jobs to ctx.jobs, and the pipeline's
answer carries them to settle.settle(). Tests that call a capability directly submit
them the same way, right after the call.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from hotline import jobs
from hotline.conversation.capabilities import Capability
from hotline.directory import capability as directory_capability
from hotline.programmes import capability as programme_capability_module
from hotline.urgent import intake


def carried_out(capability: Capability) -> Capability:
    """`capability`, followed by the jobs it started (as settle.settle() sends them)."""

    def run(ctx: Any, params: dict[str, Any]) -> dict[str, Any]:
        data = capability(ctx, params)
        jobs.submit_all(ctx.redis, ctx.jobs)
        ctx.jobs.clear()
        return data

    return run


urgent_capability: Callable[[Any, dict[str, Any]], dict[str, Any]] = carried_out(
    intake.urgent_capability)
send_sms_capability = carried_out(directory_capability.send_sms_capability)
programme_capability = carried_out(programme_capability_module.programme_capability)
checkin_capability = carried_out(programme_capability_module.checkin_capability)
