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


# Human names of the directory's categories and the queue's priorities, in both languages.
CATEGORY_NAMES = {
    "clinic": say("category_clinic"), "mental_health": say("category_mental_health"),
    "dental": say("category_dental"), "korean_medicine": say("category_korean_medicine"),
    "tb_care": say("category_tb_care"), "shelter": say("category_shelter"),
    "food": say("category_food"), "legal": say("category_legal"),
    "settlement": say("category_settlement"),
}
PRIORITY_NAMES = {"urgent": say("priority_urgent"), "high": say("priority_high"),
                  "normal": say("priority_normal")}


def category_name(code: str) -> str:
    """A category's name in both languages ("병원 Clinic"); an unknown one as written."""
    return CATEGORY_NAMES.get(code, code)


def priority_name(code: str) -> str:
    """A request priority's name in both languages ("긴급 Urgent")."""
    return PRIORITY_NAMES.get(code, code)


@bp.app_context_processor
def template_globals() -> dict[str, Any]:
    """Give every template the menu and the names of categories and priorities."""
    return {"nav_links": nav_links, "category_name": category_name,
            "priority_name": priority_name}


@bp.route("/favicon.ico")
def favicon() -> Any:
    """Browsers that ask for /favicon.ico get the site's icon (an SVG of ours)."""
    return redirect(url_for("site.static", filename="favicon.svg"), code=301)


@bp.route("/")
def index() -> Any:
    """The site root: the login page, or the account's home page."""
    user = current_user()
    return redirect(home_url(user) if user else url_for("auth.login"))
