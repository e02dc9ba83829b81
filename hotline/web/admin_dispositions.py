"""Staff page for the outcome codes (/admin/dispositions/): the list a volunteer picks one
from when closing a request, kept in each caller's history (callbacks/dispositions.py)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for

from hotline.callbacks import dispositions
from hotline.callbacks.dispositions import DispositionError
from hotline.web import runtime
from hotline.web.auth import login_required
from hotline.web.texts import say

bp = Blueprint("admin_dispositions", __name__, url_prefix="/admin/dispositions")

# The codes offered until staff set their own list.
DEFAULT_CODES = (("helped", say("code_helped")), ("referred", say("code_referred")),
                 ("info_only", say("code_info_only")), ("follow_up", say("code_follow_up")))


@bp.get("/")
@login_required(role="staff")
def index() -> Any:
    """The codes as a list, and as the text staff edit."""
    app = runtime()
    codes = dispositions.current(app.redis, app.config, DEFAULT_CODES)
    return render_template("admin_dispositions/index.html", codes=codes,
                           text=dispositions.as_text(codes))


@bp.post("/")
@login_required(role="staff")
def save() -> Any:
    """Replace the list with staff's lines (`code: label` each)."""
    app = runtime()
    text = request.form.get("codes", "")[:8000]
    try:
        dispositions.save(app.redis, app.config, dispositions.parse(text))
    except DispositionError as exc:
        flash(str(exc), "error")
        return render_template("admin_dispositions/index.html",
                               codes=dispositions.current(app.redis, app.config, DEFAULT_CODES), text=text), 400
    flash(say("dispositions_saved"), "ok")
    return redirect(url_for(".index"))
