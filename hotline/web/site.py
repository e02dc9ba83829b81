"""What every web page shares: the base template, the stylesheet, the navigation, '/'.

Templates live in hotline/web/templates (every blueprint finds them), static files in
hotline/web/static, served at /assets/ by this blueprint (url_for("site.static", filename=...)). To add a page to the menu,
append its endpoint to NAV; links to endpoints not registered are left out.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, redirect, url_for

from hotline.web.auth import current_user, home_url
from hotline.web.texts import say

bp = Blueprint("site", __name__, template_folder="templates", static_folder="static",
               static_url_path="/assets")

# (endpoint, label, who sees it: "volunteer" = every account, "staff" = staff only)
NAV: list[tuple[str, str, str]] = [
    ("volunteer.queue", say("nav_queue"), "volunteer"),
    ("volunteer.urgent_cases", say("nav_urgent"), "volunteer"),
    ("admin.index", say("nav_admin"), "staff"),
    ("admin_scripts.index", say("nav_scripts"), "staff"),
    ("admin_directory.index", say("nav_directory"), "staff"),
    ("admin_people.index", say("nav_people"), "staff"),
    ("admin_programmes.index", say("nav_programmes"), "staff"),
    ("admin_figures.index", say("nav_figures"), "staff"),
    ("admin_accounts.accounts", say("nav_accounts"), "staff"),
    ("admin_accounts.log", say("nav_access_log"), "staff"),
    ("account.index", say("nav_account"), "volunteer"),
]


def nav_links() -> list[dict[str, Any]]:
    """Return the menu for the logged-in account: [{"endpoint", "label", "url"}]."""
    user = current_user()
    if user is None:
        return []
    links = []
    for endpoint, label, role in NAV:
        if endpoint not in current_app.view_functions:
            continue
        if role == "staff" and not user.is_staff:
            continue
        links.append({"endpoint": endpoint, "label": label, "url": url_for(endpoint)})
    return links


@bp.app_context_processor
def template_globals() -> dict[str, Any]:
    """Give every template the menu."""
    return {"nav_links": nav_links}


@bp.route("/favicon.ico")
def favicon() -> Any:
    """Browsers that ask for /favicon.ico get the site's icon (an SVG of ours)."""
    return redirect(url_for("site.static", filename="favicon.svg"), code=301)


@bp.route("/")
def index() -> Any:
    """The site root: the login page, or the account's home page."""
    user = current_user()
    return redirect(home_url(user) if user else url_for("auth.login"))
