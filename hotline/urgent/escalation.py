"""Paging and escalation of urgent cases: page a level, escalate after its ACK timeout,
page every level of a voice case nobody took, text a volunteer about a case. Plain values
in (Redis, settings, the time, the outbound transport), a short status out;
workers/urgent_jobs.py runs them in RQ.

Each takes a case code (and ids), logs the code and job id, never a number or the
caller's words. Every page is sent at most once (SET NX per step and volunteer), so a
retried or duplicated job adds nothing; the next step is scheduled in Redis with
enqueue_in, so it survives a worker restart.
"""

from __future__ import annotations

import logging

import redis

from hotline import totals
from hotline.config import Settings
from hotline.effects import at_most_once
from hotline.people import rota, volunteers
from hotline.scripts import volunteer_texts
from hotline.telephony import Transport
from hotline.urgent import cases as urgent
from hotline.urgent import intake as urgent_intake
from hotline.urgent.cases import State

log = logging.getLogger("hotline.jobs")


def _page(conn: redis.Redis, config: Settings, case: urgent.Case,
          person: volunteers.Volunteer) -> str:
    """The page of a case in the volunteer's language (the staff-edited phrase)."""
    language = volunteer_texts.language_of(conn, config, person)
    template = volunteer_texts.phrase(conn, config, "urgent_page", language)
    chose_menu = volunteer_texts.text(conn, config, "urgent_chose_menu", language)
    return urgent.page_text(case.code, case.language, case.first_words, case.reason,
                            template, chose_menu)


def escalate(conn: redis.Redis, config: Settings, now: float, transport: Transport,
             code: str, step: int) -> str:
    """Run escalation step `step` of a case: page who the policy says, schedule the next;
    when the policy runs out, page the staff on duty and mark the case unanswered."""
    case = urgent.get(conn, config, code)
    if case is None or case.state not in urgent.UNCLAIMED:
        log.info("case %s step %s: %s, paging stops", code, step,
                 case.state.value if case else "gone")
        return "stopped"
    current = rota.load_rota(conn, config)
    levels = rota.current(conn, config, now)
    plan = urgent.plan(levels, step, current.repeat if current else 0,
                       rota.staff_on_duty(conn, config, now))

    for n, level in enumerate(plan.skipped):
        if urgent.once(conn, config, code, f"skip-{step}-{n}"):
            urgent.note(conn, config, code, now, "skipped", level=level,
                        why="nobody available")
    if plan.last_resort and urgent.once(conn, config, code, "last-resort"):
        rid = case.callback or urgent_intake.file_callback(conn, config, case, now)
        urgent.set_state(conn, config, code, State.CALLBACK, callback=rid, unanswered="1")
        urgent.set_next_step(conn, config, code, step, None)
        urgent.note(conn, config, code, now, "nobody_on_call" if plan.nobody
                    else "nobody_answered", callback=rid)
        log.info("case %s: %s; urgent callback %s, paging the staff on duty", code,
                 "nobody on call" if plan.nobody else "nobody answered", rid)

    for vid in plan.page:
        if not urgent.once(conn, config, code, f"page-{step}-{vid}"):
            continue  # already paged in this step (a retried or repeated job)
        person = volunteers.get(conn, config, vid)
        if person is None:
            continue
        urgent.mark_paged(conn, config, code, vid)  # before sending: a fast ACK must count
        try:
            transport.send_sms(person.phone, _page(conn, config, case, person))
        except Exception:
            urgent.forget_once(conn, config, code, f"page-{step}-{vid}")
            raise  # RQ retries the job; pages already sent are not sent again
        urgent.once(conn, config, code, f"sms-{vid}")  # has had a page (see page_all_levels)
        totals.count(conn, config, totals.PAGES_SENT)
        log.info("case %s step %s: paged volunteer %s", code, step, vid)

    if urgent.once(conn, config, code, f"step-{step}"):
        what = "last_resort" if plan.last_resort else "paged" if step == 0 else "escalated"
        urgent.note(conn, config, code, now, what, level=plan.level,
                    volunteers=list(plan.page))
        if step > 0:
            totals.count(conn, config, totals.ESCALATIONS)
    # The next step at least once: a worker killed after the note above but before this
    # would otherwise stop the escalation for good. Scheduled again under the same job id
    # it replaces itself; run twice, its pages are sent once.
    if plan.next is not None and not urgent.done(conn, config, code, f"next-{step}"):
        urgent.set_next_step(conn, config, code, step, plan.next, now + plan.wait)
        urgent.enqueue_step(conn, code, plan.next, plan.wait)
        urgent.once(conn, config, code, f"next-{step}")
    return f"paged {len(plan.page)}"


def page_all_levels(conn: redis.Redis, config: Settings, now: float, transport: Transport,
                    code: str) -> str:
    """A voice case nobody accepted: page by SMS, now, everyone on call at every level who
    has not had a page for it yet (the escalation by SMS goes on as planned)."""
    case = urgent.get(conn, config, code)
    if case is None or case.state not in urgent.UNCLAIMED:
        return "stopped"
    levels = rota.current(conn, config, now)
    people = list(dict.fromkeys(v for level in levels for v in level.volunteers))
    if not people:
        people = list(rota.everyone(conn, config))
    sent = []
    for vid in people:
        person = volunteers.get(conn, config, vid)
        if person is None or not urgent.once(conn, config, code, f"sms-{vid}"):
            continue
        urgent.mark_paged(conn, config, code, vid)
        try:
            transport.send_sms(person.phone, _page(conn, config, case, person))
        except Exception:
            urgent.forget_once(conn, config, code, f"sms-{vid}")
            raise
        sent.append(vid)
    urgent.note(conn, config, code, now, "paged_all_levels", volunteers=sent)
    log.info("case %s: paged %d more volunteers at every level", code, len(sent))
    return f"paged {len(sent)}"


def text_volunteer(conn: redis.Redis, config: Settings, transport: Transport, job_id: str,
                   code: str, volunteer_id: str, body: str) -> str:
    """Send one SMS about a case to a volunteer (taken notice, caller relay); a sealed
    body (the caller's words) is opened only now. `job_id` (the RQ job's, else "") makes
    the text once-only."""
    person = volunteers.get(conn, config, volunteer_id)
    text = urgent.open_arg(config, body)
    if person is None or text is None:
        return "skipped"
    with at_most_once(conn, config, job_id or f"text-{code}-{volunteer_id}") as first:
        if not first:
            log.info("case %s: volunteer %s was texted already", code, volunteer_id)
            return "skipped"
        transport.send_sms(person.phone, text)
    log.info("case %s: texted volunteer %s", code, volunteer_id)
    return "sent"
