"""The volunteer pages (/volunteer/): the callback queue, urgent cases, availability.

Thin views over the same code the SMS commands use: "take next" is NEXT, ACK is ACK,
on/off is ON/OFF (hotline.conversation.volunteer_commands, hotline.urgent.intake). Numbers are only
ever shown masked; urgent cases show no number at all.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for

from hotline.callbacks import dispositions, history, voicemail
from hotline.callbacks import queue as callbacks
from hotline.callbacks.outcomes import Outcome, OutcomeError, record
from hotline.callbacks.queue import Request, Status
from hotline.config import Settings
from hotline.conversation import volunteer_commands
from hotline.people import access_log, volunteers
from hotline.people.volunteers import Volunteer
from hotline.privacy.redact import for_volunteers
from hotline.scripts import volunteer_texts
from hotline.urgent import cases as urgent
from hotline.urgent import intake as urgent_intake
from hotline.web import runtime
from hotline.web import voicemail as voicemail_web
from hotline.web.admin_dispositions import DEFAULT_CODES
from hotline.web.auth import current_user, forbidden, login_required
from hotline.web.texts import say

bp = Blueprint("volunteer", __name__, url_prefix="/volunteer")

OUTCOMES = [(Outcome.DONE, say("outcome_done")), (Outcome.NO_ANSWER, say("outcome_no_answer")),
            (Outcome.WRONG_NUMBER, say("outcome_wrong_number")),
            (Outcome.LATER, say("outcome_later"))]
OUTCOME_NAMES = {"done": say("outcome_done"), "no_answer": say("outcome_no_answer"),
                 "wrong_number": say("outcome_wrong_number"), "closed": say("state_closed"),
                 "cancelled": say("history_cancelled"), "expired": say("history_expired"),
                 "failed": say("history_failed")}
STEPS = {"created": say("step_created"), "paged": say("step_paged"),
         "escalated": say("step_escalated"), "rescheduled": say("step_rescheduled"),
         "skipped": say("step_skipped"),
         "nobody_on_call": say("step_nobody_on_call"), "acked": say("step_acked"),
         "calling": say("step_calling"), "call_waiting": say("step_call_waiting"),
         "dialled": say("step_dialled"), "nobody_answered": say("step_nobody_answered"),
         "last_resort": say("step_last_resort"), "passed": say("step_passed"),
         "call_outcome": say("step_call_outcome"), "not_accepted": say("step_not_accepted"),
         "relayed": say("step_relayed"), "caller_wrote": say("step_caller_wrote"),
         "closed": say("step_closed")}
STATES = {"paging": say("state_paging"), "callback": say("state_callback"),
          "claimed": say("state_claimed"), "closed": say("state_closed")}


def _me() -> Volunteer | None:
    """The volunteer record of the logged-in account, if it has one."""
    user = current_user()
    app = runtime()
    return volunteers.get(app.redis, app.config, user.volunteer) if user and user.volunteer \
        else None


def _lang(volunteer: Volunteer | None) -> str:
    return "ko" if volunteer is None or volunteer.languages[:1] == ("ko",) else "en"


def _row(req: Request, now: float) -> dict[str, Any]:
    words = volunteer_texts.live(runtime().redis, runtime().config)
    return {"id": req.id, "masked": req.masked or "-", "language": req.language,
            "language_name": words.language_name(req.language, "ko"),
            "topic": " · ".join(t for t in (words.topic_name(req.topic, "ko"), req.about) if t),
            "priority": req.priority.value, "waited": words.waited(req.age(now), "ko"),
            "status": req.status.value,
            "note": callbacks.note_text(runtime().config, req.note)}


def _taken_row(req: Request, now: float) -> dict[str, Any]:
    """A request I took: with its voice message (to listen to here) and the caller's
    earlier requests and cases (topics, outcomes, notes, dates; never a number)."""
    app = runtime()
    words = volunteer_texts.live(app.redis, app.config)
    message = voicemail.message_of(app.redis, app.config, req.id) if req.message else None
    codes = dict(dispositions.current(app.redis, app.config, DEFAULT_CODES))
    earlier = [{"date": _date(e.at), "topic": words.topic_name(e.topic, "ko"),
                "outcome": OUTCOME_NAMES.get(e.outcome, e.outcome),
                "disposition": codes.get(e.disposition, e.disposition), "note": e.note}
               for e in history.of_caller(app.redis, app.config, req.caller, now,
                                          exclude=req.id)]
    return {**_row(req, now), "message": message is not None,
            "message_seconds": message.seconds if message else 0,
            "transcript": message.text if message else "", "history": earlier}


def _date(at: float) -> str:
    return datetime.fromtimestamp(at, UTC).strftime("%Y-%m-%d")


def _queue_rows(me: Volunteer | None) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Waiting requests in my languages (in the order NEXT takes them), and my calls."""
    app = runtime()
    now = app.clock()
    requests = callbacks.all_requests(app.redis, app.config, now)
    languages = set(me.languages) if me else {r.language for r in requests}
    waiting = sorted((r for r in requests
                      if r.status == Status.WAITING and r.language in languages),
                     key=lambda r: r.score)
    mine = [r for r in requests if me and r.status == Status.CALLING and r.volunteer == me.id]
    return [_row(r, now) for r in waiting], [_taken_row(r, now) for r in mine]


@bp.get("/")
@login_required()
def queue() -> Any:
    """The callback queue: waiting requests, 'take next', my calls with outcome buttons."""
    me = _me()
    waiting, mine = _queue_rows(me)
    app = runtime()
    return render_template("volunteer/queue.html", me=me, waiting=waiting, mine=mine,
                           outcomes=OUTCOMES, unacked=_waiting_for_ack(),
                           codes=dispositions.current(app.redis, app.config, DEFAULT_CODES))


@bp.get("/queue/rows")
@login_required()
def queue_rows() -> Any:
    """The waiting list alone (the page polls it)."""
    waiting, _ = _queue_rows(_me())
    return render_template("volunteer/_waiting.html", waiting=waiting)


@bp.post("/take")
@login_required()
def take() -> Any:
    """Take the next request: the same as texting NEXT (the hotline rings your phone)."""
    me = _me()
    if me is None:
        flash(say("no_volunteer_record"), "error")
        return redirect(url_for(".queue"))
    app = runtime()
    answer = volunteer_commands.next_request(app.redis, app.config, me, app.clock(), via="web")
    flash(answer.text, "ok" if answer.ok else "error")  # a refusal looks like an error
    return redirect(url_for(".queue"))


@bp.post("/requests/<rid>/outcome")
@login_required()
def outcome(rid: str) -> Any:
    """Report how a call went: done, no answer, wrong number, call again later."""
    me = _me()
    try:
        chosen = Outcome(request.form.get("outcome", ""))
    except ValueError:
        flash(say("choose_outcome"), "error")
        return redirect(url_for(".queue"))
    if me is None:
        flash(say("no_volunteer_record"), "error")
        return redirect(url_for(".queue"))
    app = runtime()
    try:
        record(app.redis, app.config, me, rid[:20], chosen, app.clock(),
               request.form.get("note", ""),
               disposition=request.form.get("disposition", "")[:40])
    except OutcomeError as exc:
        flash(str(exc), "error")
        return redirect(url_for(".queue"))
    label = dict(OUTCOMES)[chosen]
    flash(say("outcome_recorded", rid=rid, label=label), "ok")
    return redirect(url_for(".queue"))


@bp.get("/requests/<rid>/message")
@login_required()
def message(rid: str) -> Any:
    """The caller's voice message, streamed from Twilio through the hotline: only for the
    volunteer who took the request, and staff."""
    app, me, user = runtime(), _me(), current_user()
    req = callbacks.get(app.redis, app.config, rid[:20])
    mine = bool(me and req and req.volunteer == me.id and req.status in callbacks.OPEN)
    if req is None or not (mine or (user and user.is_staff)):
        return forbidden()
    return voicemail_web.stream(req.id)


@bp.post("/availability")
@login_required()
def availability() -> Any:
    """Switch taking requests on or off (the same as texting ON / OFF)."""
    me = _me()
    if me is not None:
        app = runtime()
        on = request.form.get("available") == "1"
        volunteers.set_available(app.redis, app.config, me.id, on)
        flash(volunteer_texts.for_volunteer(app.redis, app.config, me,
                                            "volunteer_on" if on else "volunteer_off"), "ok")
    return redirect(request.form.get("back") == "urgent" and url_for(".urgent")
                    or url_for(".queue"))


@bp.post("/leave")
@login_required()
def leave() -> Any:
    """Set days of leave (the same as texting LEAVE <first> <last>)."""
    me = _me()
    if me is not None:
        app = runtime()
        answer = volunteer_commands.take_leave(
            app.redis, app.config, me,
            [request.form.get("first", "")[:10], request.form.get("last", "")[:10]],
            app.clock())
        flash(answer.text, "ok" if answer.ok else "error")
    return redirect(url_for(".queue"))


def _open_cases() -> list[dict[str, Any]]:
    """Open cases for the logged-in account. Need to know: a case's words are shown to
    staff and to the volunteers paged for it; others see that it is open and its state."""
    app = runtime()
    conn, config, now = app.redis, app.config, app.clock()
    me, user = _me(), current_user()
    staff = bool(user and user.is_staff)
    rows = []
    for case in urgent.recent(conn, config):
        if case.state not in urgent.OPEN:
            continue
        acked = volunteers.get(conn, config, case.acked_by) if case.acked_by else None
        mine = bool(me and case.acked_by == me.id)
        paged_me = bool(me and me.id in urgent.paged(conn, config, case.code))
        may_read = staff or paged_me or mine
        if may_read and user is not None:  # the case's words are on this page now
            access_log.words_opened(conn, config, user.name, case.code, now)
        rows.append({
            "code": case.code, "state": case.state.value, "state_label": STATES[case.state],
            "language": volunteer_texts.language_name(conn, config, case.language, "ko"),
            "channel": case.channel, "may_read": may_read,
            "first_words": for_volunteers(case.first_words) if may_read else "",
            "reason": case.reason if may_read else "",
            "waited": volunteer_texts.waited(conn, config, now - case.created, "ko"),
            "acked_by": acked.name if acked else "",
            "mine": mine, "paged_me": paged_me,
            "unanswered": case.unanswered and not case.acked_by,
            "timeline": [_describe(conn, config, entry, may_read)
                         for entry in urgent.timeline(conn, config, case.code)],
        })
    return rows


def _describe(conn: Any, config: Settings, entry: dict[str, Any],
              may_read: bool = True) -> dict[str, str]:
    """One timeline step for people: time (UTC), what happened, who (names, not ids);
    why the case is urgent only for those who may read the case."""
    ids = entry.get("volunteers") or ([entry["volunteer"]] if entry.get("volunteer") else [])
    people = [v.name for v in (volunteers.get(conn, config, i) for i in ids) if v]
    shown = ("level", "status", "outcome") + (("reason",) if may_read else ())
    extra = [str(entry[k]) for k in shown if entry.get(k)]
    at = str(entry.get("at", ""))
    return {"at": at[11:19] if len(at) >= 19 else at,
            "step": STEPS.get(str(entry.get("step")), str(entry.get("step"))),
            "detail": ", ".join(extra + people)}


@bp.get("/urgent")
@login_required()
def urgent_cases() -> Any:
    """Open urgent cases with their timelines; ACK from here is the same as SMS ACK."""
    return render_template("volunteer/urgent.html", me=_me(), cases=_open_cases())


@bp.get("/urgent/cases")
@login_required()
def urgent_fragment() -> Any:
    """The list of open cases alone (the page polls it every few seconds)."""
    return render_template("volunteer/_cases.html", me=_me(), cases=_open_cases())


def _waiting_for_ack() -> int:
    """How many urgent cases nobody has acknowledged yet (paging, or a callback queued)."""
    app = runtime()
    return sum(1 for case in urgent.recent(app.redis, app.config)
               if case.state in urgent.OPEN and not case.acked_by)


@bp.get("/urgent/banner")
@login_required()
def urgent_banner() -> Any:
    """The 'urgent cases waiting' notice of the queue page (polled, so it shows up there
    by itself when a case arrives)."""
    app = runtime()
    unanswered = sum(1 for case in urgent.recent(app.redis, app.config)
                     if case.state in urgent.UNCLAIMED and case.unanswered)
    return render_template("volunteer/_urgent_banner.html", unacked=_waiting_for_ack(),
                           unanswered=unanswered)


@bp.post("/urgent/<code>/ack")
@login_required()
def ack(code: str) -> Any:
    """Acknowledge a case: the same as texting ACK <code> (paging stops, your phone rings)."""
    me = _me()
    if me is None:
        flash(say("no_volunteer_record"), "error")
    else:
        app = runtime()
        answer = urgent_intake.ack(app.redis, app.config, me, [code[:8]], app.clock(),
                                   via="web")
        flash(answer.text, "ok" if answer.ok else "error")  # a refusal looks like an error
    return redirect(url_for(".urgent_cases"))
