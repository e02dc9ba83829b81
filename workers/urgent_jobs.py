"""Jobs of urgent cases (hotline.urgent.escalation): page a level, escalate after its ACK
timeout, page every level, text a volunteer. A code and ids only; no number in a log."""

from __future__ import annotations

from rq import get_current_job

from hotline import job_context as context
from hotline.urgent import escalation


def escalate(code: str, step: int) -> str:
    """Run escalation step `step` of a case (paging, the next step, the last resort)."""
    return escalation.escalate(context.connection(), context.config(), context.now(),
                               context.transport(), code, step)


def page_all_levels(code: str) -> str:
    """A voice case nobody accepted: page by SMS everyone on call who had no page yet."""
    return escalation.page_all_levels(context.connection(), context.config(), context.now(),
                                      context.transport(), code)


def text_volunteer(code: str, volunteer_id: str, body: str) -> str:
    """Send one SMS about a case to a volunteer (a sealed body is opened only now)."""
    job = get_current_job()
    return escalation.text_volunteer(context.connection(), context.config(),
                                     context.transport(), job.id if job else "", code,
                                     volunteer_id, body)
