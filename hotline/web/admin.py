"""The staff home, /admin/: links to each staff section that this app has."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, render_template, url_for

from hotline.web.auth import login_required
from hotline.web.texts import say

bp = Blueprint("admin", __name__, url_prefix="/admin")

# (endpoint, label, what staff do there). Sections whose blueprint is not registered are
# left out, as the menu (site.NAV) does.
SECTIONS: list[tuple[str, str, str]] = [
    ("admin_scripts.index", say("section_scripts"),
     "Edit the menu scripts, test a draft on a simulated phone, publish, roll back."),
    ("admin_directory.index", say("section_directory"),
     "Clinics and shelters: upload a CSV, search, edit or remove an entry."),
    ("admin_people.index", say("section_people"),
     "Add and edit volunteers, set availability, see the on-call week."),
    ("admin_programmes.index", say("section_programmes"),
     "Programmes callers join: seats per session, attendance, drop-out (counts only)."),
    ("admin_dispositions.index", say("section_dispositions"),
     "The outcome codes a volunteer picks when closing a request (seen in case history)."),
    ("admin_figures.index", say("section_figures"),
     "Calls and texts per day, callbacks, urgent cases, opt-outs (counts only)."),
    ("admin_accounts.accounts", say("section_accounts"),
     "Web accounts and their second step; reset a volunteer's after a lost phone."),
    ("admin_accounts.log", say("section_access_log"),
     "Who opened, took, passed or closed which case, and every staff change."),
]


def sections() -> list[dict[str, Any]]:
    """Return the staff sections this app serves: [{"label", "about", "url"}]."""
    views = current_app.view_functions
    return [{"label": label, "about": about, "url": url_for(endpoint)}
            for endpoint, label, about in SECTIONS if endpoint in views]


@bp.route("/")
@login_required(role="staff")
def index() -> Any:
    """The staff home page."""
    from hotline.scripts.live import live_version

    return render_template("admin/index.html", sections=sections(),
                           script_version=live_version())
