"""Staff page for programmes (/admin/programmes/): sessions with seats taken, each
session's list (numbers masked) with attendance, and per-programme totals (counts only).

Programmes themselves come from `hotline programmes import` (YAML or CSV).
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for

from hotline.programmes import attendance, followup, signups, store
from hotline.programmes.attendance import MARKS
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
