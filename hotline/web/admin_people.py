"""Staff page for volunteers and the on-call rota (/admin/people/).

Volunteers: add, edit, remove, ON/OFF (hotline.people.volunteers, as `hotline volunteers` and the
SMS commands ON/OFF). The rota: a week grid per level in the rota's timezone with gaps in
red (hotline.people.rota_grid), and a rota YAML import through the same code as `hotline oncall
import` (rota.import_rota: a bad file lists its problems by line and changes nothing).
Volunteers' numbers are shown masked, as `hotline volunteers list` does.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for

from hotline.numbers import mask
from hotline.people import overrides as rota_overrides
from hotline.people import rota, rota_grid, volunteers
from hotline.people.overrides import OverrideError
from hotline.people.rota import DAYS, RotaError
from hotline.people.volunteers import ROLES, VolunteerError
from hotline.web import runtime
from hotline.web.auth import log_action, login_required
from hotline.web.texts import say

bp = Blueprint("admin_people", __name__, url_prefix="/admin/people")

MAX_ROTA = 256 * 1024  # bytes of rota YAML
GONE = f"({say('volunteer_gone')})"  # the name of someone no longer registered
DAY_LABELS = (say("day_mon"), say("day_tue"), say("day_wed"), say("day_thu"), say("day_fri"),
              say("day_sat"), say("day_sun"))


def _people() -> list[dict[str, Any]]:
    app = runtime()
    return [{**v.to_dict(), "masked": mask(v.phone)}
            for v in volunteers.all_volunteers(app.redis, app.config)]


def _rota_view() -> dict[str, Any] | None:
    """The rota in force as grids ready for the template, or None without a rota."""
    app = runtime()
    conn, config = app.redis, app.config
    current = rota.load_rota(conn, config)
    if current is None:
        return None
    now = app.clock()
    available = rota.availability(conn, config)
    names: dict[str, str] = {}
    for vid in current.volunteers():
        found = volunteers.get(conn, config, vid)
        names[vid] = found.name if found else GONE
    days = rota_grid.week_of(current, now)
    covers = rota_overrides.current(conn, config, now)
    names[""] = f"({say('away')})"  # an override with nobody covering: time away
    for item in covers:
        for vid in (item.covering, item.covered):
            if vid not in names:
                found = volunteers.get(conn, config, vid)
                names[vid] = found.name if found else GONE

    def local(at: float) -> str:
        return datetime.fromtimestamp(at, current.zone).strftime("%a %Y-%m-%d %H:%M")
    return {
        "overrides": [{"id": o.id, "covering": names[o.covering], "covered": names[o.covered],
                       "from": local(o.start), "to": local(o.end)} for o in covers],
        "timezone": current.timezone,
        "now": datetime.fromtimestamp(now, current.zone).strftime("%Y-%m-%d %H:%M"),
        "days": [f"{label} {day.day}" for label, day in zip(DAY_LABELS, days, strict=True)],
        "levels": rota_grid.level_grids(current, now, available, covers),
        "names": names,
    }


def _page(status: int = 200, rota_problems: list[str] | None = None,
          form: dict[str, str] | None = None) -> Any:
    return render_template("admin_people/index.html", people=_people(), roles=ROLES,
                           rota=_rota_view(), rota_problems=rota_problems or [],
                           form=form or {}, day_names=DAYS, say_nobody=say("rota_nobody"),
                           say_covers=say("rota_covers")), status


@bp.get("/")
@login_required(role="staff")
def index() -> Any:
    """Volunteers, the add form, the rota grid and the rota import."""
    return _page()


def _languages(value: str) -> tuple[str, ...]:
    """The volunteer's language codes, checked against those the live scripts declare."""
    scripts = runtime().scripts
    declared = [code for name in scripts.names() for code in
                getattr(scripts.get(name), "languages", {})]
    return volunteers.parse_languages(value, declared)


def _form() -> dict[str, str]:
    return {k: request.form.get(k, "").strip()[:100]
            for k in ("name", "phone", "languages", "role")}


@bp.post("/volunteers")
@login_required(role="staff")
def add() -> Any:
    """Register a volunteer (as `hotline volunteers add`)."""
    form = _form()
    app = runtime()
    try:
        volunteer = volunteers.add(app.redis, app.config, form["name"], form["phone"],
                                   _languages(form["languages"]),
                                   form["role"] or "volunteer")
    except VolunteerError as exc:
        flash(str(exc), "error")
        return _page(400, form=form)
    log_action("volunteer_changed", f"added {volunteer.id}")
    flash(say("volunteer_added", name=volunteer.name, id=volunteer.id), "ok")
    return redirect(url_for(".index"))


@bp.get("/volunteers/<vid>")
@login_required(role="staff")
def edit(vid: str) -> Any:
    """The form for one volunteer."""
    app = runtime()
    volunteer = volunteers.get(app.redis, app.config, vid[:20])
    if volunteer is None:
        flash(say("no_such_volunteer"), "error")
        return redirect(url_for(".index"))
    return render_template("admin_people/edit.html", v=volunteer, masked=mask(volunteer.phone),
                           roles=ROLES, error=None)


@bp.post("/volunteers/<vid>")
@login_required(role="staff")
def save(vid: str) -> Any:
    """Save a volunteer's name, number (blank: unchanged), languages and role."""
    app = runtime()
    old = volunteers.get(app.redis, app.config, vid[:20])
    if old is None:
        flash(say("no_such_volunteer"), "error")
        return redirect(url_for(".index"))
    form = _form()
    try:
        new = volunteers.update(app.redis, app.config, old.id, form["name"],
                                form["phone"] or old.phone,
                                _languages(form["languages"]),
                                form["role"] or old.role)
    except VolunteerError as exc:
        return render_template("admin_people/edit.html", v=old, masked=mask(old.phone),
                               roles=ROLES, error=str(exc)), 400
    log_action("volunteer_changed", f"saved {new.id}")
    flash(say("volunteer_saved", name=new.name), "ok")
    return redirect(url_for(".index"))


@bp.post("/volunteers/<vid>/availability")
@login_required(role="staff")
def availability(vid: str) -> Any:
    """Set a volunteer ON or OFF (as their SMS ON / OFF)."""
    app = runtime()
    volunteer = volunteers.get(app.redis, app.config, vid[:20])
    if volunteer is not None:
        on = request.form.get("available") == "1"
        volunteers.set_available(app.redis, app.config, volunteer.id, on)
        log_action("volunteer_changed", f"{'on' if on else 'off'} {volunteer.id}")
        flash(f"{volunteer.name}: {say('set_on') if on else say('set_off')}", "ok")
    return redirect(url_for(".index"))


@bp.post("/volunteers/<vid>/remove")
@login_required(role="staff")
def remove(vid: str) -> Any:
    """Remove a volunteer (their rota shifts then count as gaps)."""
    app = runtime()
    volunteer = volunteers.get(app.redis, app.config, vid[:20])
    if volunteer is not None:
        volunteers.remove(app.redis, app.config, volunteer.phone)
        log_action("volunteer_changed", f"removed {volunteer.id}")
        flash(say("volunteer_removed", name=volunteer.name), "ok")
    return redirect(url_for(".index"))


@bp.post("/rota")
@login_required(role="staff")
def import_rota() -> Any:
    """Check a rota YAML (uploaded or pasted) and put it in force; problems by line."""
    sent = request.files.get("file")
    name = "rota.yaml"
    if sent is not None and sent.filename:
        name = sent.filename.replace("\\", "/").rsplit("/", 1)[-1][:100]
        data = sent.stream.read(MAX_ROTA + 1)
    else:
        data = request.form.get("text", "").encode("utf-8")
    if not data.strip():
        return _page(400, rota_problems=[say("choose_rota")])
    if len(data) > MAX_ROTA:
        return _page(413, rota_problems=[f"{name}: over {MAX_ROTA // 1024} kB"])
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return _page(400, rota_problems=[f"{name}: not UTF-8 text"])
    app = runtime()
    conn, config = app.redis, app.config
    try:
        current = rota.import_rota(conn, config, text, name, app.clock(),
                                   rota.resolver(conn, config))
    except RotaError as exc:
        return _page(400, rota_problems=exc.problems)
    shifts = sum(len(level.shifts) for level in current.levels)
    log_action("rota_changed", f"imported {name}")
    flash(say("rota_imported", levels=len(current.levels), shifts=shifts,
              timezone=current.timezone), "ok")
    return redirect(url_for(".index") + "#rota")


@bp.post("/overrides")
@login_required(role="staff")
def add_override() -> Any:
    """Someone covers someone's shifts for a span: the same as `hotline oncall override add`."""
    app = runtime()
    conn, config = app.redis, app.config
    current = rota.load_rota(conn, config)
    def person(field: str) -> volunteers.Volunteer | None:
        ref = request.form.get(field, "")[:64]
        return volunteers.get(conn, config, ref) or volunteers.find(conn, config, ref)

    covering, covered = person("covering"), person("covered")
    try:
        if current is None:
            raise OverrideError("no rota imported yet")
        if covering is None or covered is None:
            raise OverrideError("both must be registered volunteers")
        start, end = rota.span_of(current, request.form.get("day", ""),
                                  request.form.get("from", ""), request.form.get("to", ""))
        rota_overrides.add(conn, config, covering.id, covered.id, start, end, app.clock())
    except ValueError as exc:  # OverrideError is one
        flash(str(exc), "error")
        return redirect(url_for(".index") + "#rota")
    log_action("rota_changed", f"override {covering.id} for {covered.id}")
    flash(say("override_added", covering=covering.name, covered=covered.name), "ok")
    return redirect(url_for(".index") + "#rota")


@bp.post("/overrides/<override_id>/remove")
@login_required(role="staff")
def remove_override(override_id: str) -> Any:
    """Take an override out of force."""
    app = runtime()
    if rota_overrides.remove(app.redis, app.config, override_id[:16], app.clock()):
        log_action("rota_changed", f"override {override_id[:16]} removed")
        flash(say("override_removed"), "ok")
    return redirect(url_for(".index") + "#rota")
