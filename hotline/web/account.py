"""/account/: the logged-in account's own second factor (optional for volunteers; staff
have enrolled at login already)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template, request, url_for

from hotline.people import access_log, second_factor
from hotline.web import runtime
from hotline.web.auth import codes_page, current_user, enrol_page, login_required
from hotline.web.texts import say

bp = Blueprint("account", __name__, url_prefix="/account")

LABELS = {"title": say("account_title"), "on": say("two_factor_on"),
          "off": say("two_factor_off"), "left": say("recovery_left_label"),
          "start": say("two_factor_start"), "reset_hint": say("two_factor_reset_hint")}


@bp.get("/")
@login_required()
def index() -> Any:
    """Whether this account has a second factor, and a way to set one up."""
    user = current_user()
    assert user is not None
    app = runtime()
    left = second_factor.recovery_left(app.redis, app.config, user.name)
    return render_template("account/index.html", labels=LABELS, user=user, left=left)


@bp.route("/two-factor", methods=["GET", "POST"])
@login_required()
def two_factor() -> Any:
    """Set up the second factor: the QR code, then the first code; the recovery codes."""
    user = current_user()
    assert user is not None
    if user.two_factor:  # a new secret only after a reset (by staff)
        return index()
    if request.method == "GET":
        return enrol_page(user, url_for(".two_factor"))
    app = runtime()
    now = app.clock()
    codes = second_factor.confirm(app.redis, app.config, user,
                                  request.form.get("code", "")[:40], now)
    if codes is None:
        return enrol_page(user, url_for(".two_factor"), say("code_wrong"), 400)
    access_log.record(app.redis, app.config, user.name, "second_factor_enrolled", user.name,
                      now)
    return codes_page(codes, url_for(".index"))
