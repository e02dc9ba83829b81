"""Staff pages for web accounts (/admin/accounts/: second factors, reset) and the access
log (/admin/access-log: newest first, filter by person)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for

from hotline.people import access_log, second_factor
from hotline.people import accounts as users
from hotline.people.accounts import UserError
from hotline.web import runtime
from hotline.web.auth import current_user, login_required
from hotline.web.texts import say

bp = Blueprint("admin_accounts", __name__, url_prefix="/admin")

ACCOUNT_LABELS = {"title": say("accounts_title"), "name": say("accounts_name"),
                  "role": say("accounts_role"), "second": say("accounts_second_factor"),
                  "on": say("two_factor_on_short"), "off": say("two_factor_off_short"),
                  "reset": say("accounts_reset"), "help": say("accounts_help")}
LOG_LABELS = {"title": say("log_title"), "when": say("log_when"), "who": say("log_who"),
              "what": say("log_what"), "about": say("log_about"), "via": say("log_via"),
              "person": say("log_person"), "everyone": say("log_everyone"),
              "show": say("log_show"), "empty": say("log_empty"), "help": say("log_help")}
ACTIONS = {
    "case_words_opened": say("act_case_words_opened"), "case_taken": say("act_case_taken"),
    "case_passed": say("act_case_passed"), "case_closed": say("act_case_closed"),
    "callback_taken": say("act_callback_taken"), "callback_closed": say("act_callback_closed"),
    "callback_outcome": say("act_callback_outcome"),
    "script_published": say("act_script_published"),
    "script_rolled_back": say("act_script_rolled_back"),
    "directory_changed": say("act_directory_changed"),
    "volunteer_changed": say("act_volunteer_changed"), "rota_changed": say("act_rota_changed"),
    "account_changed": say("act_account_changed"),
    "second_factor_reset": say("act_second_factor_reset"),
    "second_factor_enrolled": say("act_second_factor_enrolled"),
}


@bp.get("/accounts/")
@login_required(role="staff")
def accounts() -> Any:
    """Every account, its role and whether it has a second factor."""
    app = runtime()
    return render_template("admin_accounts/accounts.html", labels=ACCOUNT_LABELS,
                           accounts=users.all_users(app.redis, app.config))


@bp.post("/accounts/<name>/reset-2fa")
@login_required(role="staff")
def reset_second_factor(name: str) -> Any:
    """Remove a volunteer's second factor (a lost phone); they are logged out everywhere.
    Staff's own are reset with `hotline users reset-2fa` (a second person at the console)."""
    app = runtime()
    user, me = users.get(app.redis, app.config, name[:64]), current_user()
    if user is None or user.is_staff or me is None:
        flash(say("accounts_reset_refused"), "error")
        return redirect(url_for(".accounts"))
    try:
        second_factor.reset(app.redis, app.config, user.name)
    except UserError:
        flash(say("accounts_reset_refused"), "error")
        return redirect(url_for(".accounts"))
    access_log.record(app.redis, app.config, me.name, "second_factor_reset", user.name,
                      app.clock())
    flash(say("accounts_reset_done", name=user.name), "ok")
    return redirect(url_for(".accounts"))


@bp.get("/access-log")
@login_required(role="staff")
def log() -> Any:
    """The access log, newest first; ?person=NAME shows one person's entries."""
    app = runtime()
    person = request.args.get("person", "")[:64].strip()
    rows = [{"when": e.when, "who": e.who, "what": ACTIONS.get(e.action, e.action),
             "action": e.action, "target": e.target, "via": e.via}
            for e in access_log.entries(app.redis, app.config, person)]
    return render_template("admin_accounts/access_log.html", labels=LOG_LABELS, rows=rows,
                           person=person, people=access_log.people(app.redis, app.config))
