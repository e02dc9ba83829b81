"""Staff page for programmes (/admin/programmes/): sessions with seats taken, each
session's list (numbers masked) with attendance, and per-programme totals (counts only).

Programmes are created and edited here (/new, /edit/<id>: checked as the import checks a
file, problems shown on the form) or with `hotline programmes import` (YAML or CSV).
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for

from hotline.programmes import attendance, changes, followup, signups, store
from hotline.programmes import form as programme_form
from hotline.programmes.attendance import MARKS
from hotline.programmes.model import KINDS
from hotline.web import runtime
from hotline.web.auth import login_required
from hotline.web.texts import say

bp = Blueprint("admin_programmes", __name__, url_prefix="/admin/programmes")


@bp.get("/")
@login_required(role="staff")
def index() -> Any:
    """Every programme: its sessions with seats taken and waiting, and its totals."""
    app = runtime()
    conn, config = app.redis, app.config
    rows = []
    for programme in store.all_programmes(conn, config):
        sessions = [{"s": s, "taken": signups.taken(conn, config, programme.id, s.id),
                     "waiting": signups.waiting(conn, config, programme.id, s.id)}
                    for s in programme.sessions]
        rows.append({"p": programme, "sessions": sessions,
                     "totals": attendance.totals(conn, config, programme.id)})
    return render_template("admin_programmes/index.html", rows=rows)


@bp.get("/<pid>/<sid>")
@login_required(role="staff")
def session(pid: str, sid: str) -> Any:
    """One session: who holds a seat or waits (masked), and their attendance."""
    app = runtime()
    programme = store.get(app.redis, app.config, pid[:40])
    found = programme.session(sid[:40]) if programme else None
    if programme is None or found is None:
        abort(404)
    return render_template("admin_programmes/session.html", p=programme, s=found,
                           seats=attendance.roster(app.redis, app.config, programme, found),
                           marks=MARKS)


@bp.post("/<pid>/<sid>/attendance")
@login_required(role="staff")
def mark(pid: str, sid: str) -> Any:
    """Mark one sign-up attended or missed (missed: the caller is offered the next session
    or a call, once)."""
    app = runtime()
    signup, value = request.form.get("signup", "")[:40], request.form.get("mark", "")
    if attendance.mark(app.redis, app.config, signup, value):
        if value == "missed":  # one text offering the next session or a call
            followup.queue_offer(app.redis, app.config, signup, app.clock())
        flash(say("attendance_saved"), "ok")
    else:
        flash(say("no_such_signup"), "error")
    return redirect(url_for(".session", pid=pid, sid=sid))


def _form_page(form: dict[str, Any], editing: str, problems: list[str], status: int) -> Any:
    return render_template("admin_programmes/edit.html", form=form, editing=editing,
                           problems=problems, kinds=KINDS,
                           languages=programme_form.LANGUAGES), status


def _save(editing: str) -> Any:
    """Check the posted form as an import; save it (telling callers of moved or cancelled
    sessions) or show the form again with every problem."""
    app = runtime()
    posted = programme_form.read(lambda name: request.form.get(name, ""),
                                 request.form.getlist)
    if editing:
        posted["id"] = editing  # the id is the programme's key: it is not edited
    script = app.scripts.entry_or_none()
    programme, problems = programme_form.check(
        posted, script.neutral_words if script else {}, script.loanwords if script else {})
    if programme and not editing and store.get(app.redis, app.config, programme.id):
        programme, problems = None, [say("programme_id_taken", id=posted["id"])]
    if programme is None:
        return _form_page(posted, editing, problems, 400)
    notices = changes.save_and_notify(app.redis, app.config, [programme])
    flash(say("programme_saved", id=programme.id, notices=notices), "ok")
    return redirect(url_for(".index"))


@bp.get("/new")
@login_required(role="staff")
def new() -> Any:
    """The form for a new programme."""
    return _form_page(programme_form.blank(), "", [], 200)


@bp.post("/new")
@login_required(role="staff")
def create() -> Any:
    """Save a new programme."""
    return _save("")


@bp.get("/edit/<pid>")
@login_required(role="staff")
def edit(pid: str) -> Any:
    """The form for one programme, filled in."""
    app = runtime()
    programme = store.get(app.redis, app.config, pid[:40])
    if programme is None:
        abort(404)
    return _form_page(programme_form.of_programme(programme), programme.id, [], 200)


@bp.post("/edit/<pid>")
@login_required(role="staff")
def update(pid: str) -> Any:
    """Save changes to one programme."""
    app = runtime()
    if store.get(app.redis, app.config, pid[:40]) is None:
        abort(404)
    return _save(pid[:40])
