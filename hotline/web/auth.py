"""Logging in and out of the web pages, and the `login_required` guard for views.

Sessions are Flask's signed cookies (key: SECRET_KEY): HttpOnly, SameSite=Lax, and
Secure when PUBLIC_URL is https. The cookie holds only the account name, the login's
token and the CSRF token. Each request checks the login's record in Redis
(hotline.people.accounts.logged_in) with the account: logout deletes the record, and removing an
account or changing its role or password ends every login of it, so a copied cookie opens
nothing afterwards. After login, `next` leads only to a path of this site (safe_next).

Two steps: for an account with a second factor (hotline.people.second_factor), and for
staff, who must have one, the right password only starts a half login (its token in the
cookie as `half`), which opens no page: /login/code takes the authenticator's code or a
recovery code; staff with none yet are sent to /login/enrol first. Wrong codes count
against the same limits as wrong passwords (login_limits), cleared only by a full login.
"""

from __future__ import annotations

import functools
import unicodedata
from collections.abc import Callable
from datetime import timedelta
from typing import Any, TypeVar
from urllib.parse import quote, unquote, urlsplit

from flask import (
    Blueprint,
    Flask,
    current_app,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface
from flask.wrappers import Request

from hotline.config import Settings
from hotline.people import access_log, login_limits, second_factor
from hotline.people import accounts as users
from hotline.people.accounts import User
from hotline.web import runtime
from hotline.web.texts import say

bp = Blueprint("auth", __name__)

SESSION_HOURS = users.LOGIN_SECONDS // 3600
F = TypeVar("F", bound=Callable[..., Any])


def init_app(app: Flask) -> None:
    """Set the session cookie's flags from PUBLIC_URL; behind PROXY_HOPS trusted proxies,
    take the client address (for the per-address login limit) from X-Forwarded-For."""
    settings = app.extensions["hotline"].config
    hops = settings.proxy_hops
    if hops > 0:  # else every login would seem to come from the proxy: one shared limit
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops,  # type: ignore[method-assign]
                                x_proto=0, x_host=0, x_port=0, x_prefix=0)
    app.config.update(
        SESSION_COOKIE_NAME="hotline_session",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.public_url.startswith("https://"),
        PERMANENT_SESSION_LIFETIME=timedelta(hours=SESSION_HOURS),
        # The cookie is sent only when the session changes. Refreshing it on every answer
        # let a late answer to a request sent with an older cookie (the code page's icon,
        # fetched with the half login) put that cookie back after the login finished.
        # A login lasts LOGIN_SECONDS from its start however it is used, so a refresh
        # would extend nothing.
        SESSION_REFRESH_EACH_REQUEST=False,
    )
    app.jinja_env.globals.update(current_user=current_user)
    app.session_interface = PagesOnlySessions()


class PagesOnlySessions(SecureCookieSessionInterface):
    """The cookie session of the web pages; none at all on Twilio's webhooks (/twilio/*):
    Twilio sends no cookie, its requests are signed instead, and opening and saving a
    session there was CPU on every webhook. Flask gives those requests a NullSession,
    which reads as empty and refuses writes, and sends no Set-Cookie."""

    def open_session(self, app: Flask, request: Request) -> SecureCookieSession | None:
        if request.path.startswith("/twilio/"):
            return None
        return super().open_session(app, request)


def _config() -> Settings:
    return runtime().config


def current_user() -> User | None:
    """Return the logged-in account of this request, or None."""
    if "user" not in g:
        name, token = session.get("user"), session.get("login")
        found = (users.logged_in(runtime().redis, _config(), str(name), str(token))
                 if name and token else None)
        # A staff login without a second factor (made before one was required, say) is
        # no login: staff enrol first.
        g.user = None if found is not None and found.needs_enrolment else found
    user: User | None = g.user
    return user


def log_action(action: str, target: str) -> None:
    """Write a staff change or a volunteer's action of this request to the access log."""
    user, app = current_user(), runtime()
    access_log.record(app.redis, app.config, user.name if user else "-", action, target,
                      app.clock())


def home_url(user: User) -> str:
    """Where an account lands after logging in: staff to /admin/ (when built), else the queue."""
    if user.is_staff and "admin.index" in current_app.view_functions:
        return url_for("admin.index")
    return url_for("volunteer.queue")


def forbidden() -> tuple[str, int]:
    """The 403 page."""
    return render_template("error.html", status=403,
                           message=say("staff_only")), 403


def login_required(role: str | None = None) -> Callable[[F], F]:
    """Guard a view: no login -> the login page; role='staff' and a volunteer -> 403.

    Staff may open volunteer pages too.
    """
    if role not in (None, *users.ROLES):
        raise ValueError(f"unknown role {role!r}")

    def decorate(view: F) -> F:
        @functools.wraps(view)
        def guarded(*args: Any, **kwargs: Any) -> Any:
            user = current_user()
            if user is None and session.get(HALF):  # the password was right: step two
                return redirect(url_for("auth.second_step"))
            if user is None:
                return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
            if role == "staff" and not user.is_staff:
                return forbidden()
            return view(*args, **kwargs)

        return guarded  # type: ignore[return-value]

    return decorate


# What a redirect target may hold once percent-encoded: the rest of printable ASCII
# without backslash, so the Location header is plain ASCII with no control characters.
_KEEP = "/?#[]@!$&'()*+,;=:%-._~"
MAX_NEXT = 2000  # characters; a longer `next` is no page of ours


def _local(path: str) -> bool:
    """True for "/something" that names no scheme and no host, read any way."""
    if not path.startswith("/") or path.startswith("//") or "\\" in path:
        return False
    try:
        parts = urlsplit(path)
    except ValueError:
        return False
    return not parts.scheme and not parts.netloc


def safe_next(target: str | None) -> str | None:
    """Return `target` as a path of this site to redirect to, or None (then: the home page).

    Control and format characters are dropped first (browsers drop tabs and newlines from a
    URL, so "/<tab>/evil.example" would be "//evil.example"); then anything that a browser
    could read as another host (a scheme, "//host", a backslash, the same once or twice
    percent-decoded) is refused.
    """
    if not target or len(target) > MAX_NEXT:
        return None
    cleaned = "".join(c for c in target if unicodedata.category(c)[0] not in "CZ" or c == " ")
    cleaned = cleaned.strip()
    decoded = unquote(unquote(cleaned))
    if not all(_local(form) for form in (cleaned, decoded)):
        return None
    if any(unicodedata.category(c)[0] in "CZ" and c != " " for c in decoded):
        return None  # an encoded control character ("/%09/evil.example")
    return quote(cleaned, safe=_KEEP)


@bp.route("/login", methods=["GET", "POST"])
def login() -> Any:
    """The login form; a right name and password start a session."""
    next_url = safe_next(request.values.get("next"))
    if request.method == "GET":
        return render_template("login.html", next=next_url or "", error=None)
    conn, config = runtime().redis, _config()
    name = request.form.get("name", "").strip()[:64]
    password = request.form.get("password", "")
    address = request.remote_addr or "-"
    wait = login_limits.blocked(conn, config, name, address)
    if wait:
        minutes = max(1, (wait + 59) // 60)
        error = say("login_throttled", minutes=minutes)
        return render_template("login.html", next=next_url or "", error=error, name=name), 429
    user = users.check_password(conn, config, name, password)
    if user is None:
        login_limits.record_failure(conn, config, name, address)
        error = say("login_wrong")
        return render_template("login.html", next=next_url or "", error=error, name=name), 401
    session.clear()  # a fresh session (and CSRF token) on login: no fixation
    session.permanent = True
    if user.two_factor or user.is_staff:  # the login is complete after the second step
        step = "code" if user.two_factor else "enrol"
        session[HALF] = users.start_half_login(conn, config, user, step)
        session[NEXT] = next_url or ""
        return redirect(url_for(".second_step"))
    login_limits.record_success(conn, config, name, address)
    return _log_in(user, next_url)


def _log_in(user: User, next_url: str | None, half: str = "") -> Any:
    """Start the login of `user` (finishing a half login when `half` is its token)."""
    conn, config = runtime().redis, _config()
    token = (users.finish_half_login(conn, config, half, user) if half
             else users.start_login(conn, config, user))
    session.clear()
    if token is None:
        return redirect(url_for("auth.login"))
    session.permanent = True
    session["user"] = user.name
    session["login"] = token
    g.user = user
    return redirect(next_url or home_url(user))


HALF, NEXT = "half", "next"  # the session's half-login token and where to go after it
CODE_LABELS = {"title": say("code_title"), "help": say("code_help"),
               "field": say("code_field"), "button": say("code_button")}
ENROL_LABELS = {"title": say("enrol_title"), "help": say("enrol_help"),
                "secret": say("enrol_secret"), "qr": say("enrol_qr"),
                "field": say("code_field"), "button": say("enrol_button")}
CODES_LABELS = {"title": say("recovery_title"), "help": say("recovery_help"),
                "continue": say("recovery_continue")}


def _half_login() -> tuple[User, str] | None:
    return users.half_login(runtime().redis, _config(), str(session.get(HALF) or ""))


def _limited(name: str) -> Any | None:
    """The 429 page while the account or this address is locked out, else None."""
    wait = login_limits.blocked(runtime().redis, _config(), name, request.remote_addr or "-")
    if not wait:
        return None
    error = say("login_throttled", minutes=max(1, (wait + 59) // 60))
    return render_template("login_code.html", labels=CODE_LABELS, error=error), 429


@bp.route("/login/code", methods=["GET", "POST"])
def second_step() -> Any:
    """After the password: the authenticator's six digits or a recovery code."""
    half = _half_login()
    if half is None:
        session.pop(HALF, None)
        return redirect(url_for(".login"))
    user, step = half
    if step == "enrol":
        return redirect(url_for(".enrol"))
    if request.method == "GET":
        return render_template("login_code.html", labels=CODE_LABELS, error=None)
    conn, config, address = runtime().redis, _config(), request.remote_addr or "-"
    refused = _limited(user.name)
    if refused:
        return refused
    if not second_factor.verify(conn, config, user, request.form.get("code", "")[:40],
                                runtime().clock()):
        login_limits.record_failure(conn, config, user.name, address)
        return render_template("login_code.html", labels=CODE_LABELS,
                               error=say("code_wrong")), 401
    login_limits.record_success(conn, config, user.name, address)
    return _log_in(user, session.get(NEXT), str(session.get(HALF)))


def enrol_page(user: User, action: str, error: str | None = None, status: int = 200) -> Any:
    """The enrolment page: the QR code and the secret, and the form for the first code."""
    made = second_factor.offer(runtime().redis, _config(), user)
    return render_template("enrol.html", labels=ENROL_LABELS, secret=made.grouped,
                           action=action, error=error), status


def codes_page(codes: list[str], next_url: str) -> Any:
    """The ten recovery codes, shown once."""
    return render_template("recovery_codes.html", labels=CODES_LABELS, codes=codes,
                           next=next_url)


@bp.route("/login/enrol", methods=["GET", "POST"])
def enrol() -> Any:
    """Staff without a second factor, after the password: set one up, then go on."""
    half = _half_login()
    if half is None or half[1] != "enrol":
        return redirect(url_for(".second_step" if half else ".login"))
    user = half[0]
    if request.method == "GET":
        return enrol_page(user, url_for(".enrol"))
    conn, config, address = runtime().redis, _config(), request.remote_addr or "-"
    wait = login_limits.blocked(conn, config, user.name, address)
    if wait:
        error = say("login_throttled", minutes=max(1, (wait + 59) // 60))
        return enrol_page(user, url_for(".enrol"), error, 429)
    now = runtime().clock()
    codes = second_factor.confirm(conn, config, user, request.form.get("code", "")[:40], now)
    if codes is None:
        login_limits.record_failure(conn, config, user.name, address)
        return enrol_page(user, url_for(".enrol"), say("code_wrong"), 401)
    login_limits.record_success(conn, config, user.name, address)
    access_log.record(conn, config, user.name, "second_factor_enrolled", user.name, now)
    next_url = str(session.get(NEXT) or "") or home_url(user)
    _log_in(user, None, str(session.get(HALF)))
    return codes_page(codes, next_url)


@bp.get("/login/qr.svg")
def qr_code() -> Any:
    """The QR code of the secret offered to this browser's account (half-logged-in staff
    enrolling, or a logged-in account setting up its second factor)."""
    import io

    import segno

    half = _half_login()
    user = half[0] if half and half[1] == "enrol" else current_user()
    if user is None or (user.two_factor and not half):  # nothing to enrol
        return forbidden()
    made = second_factor.offer(runtime().redis, _config(), user)
    out = io.BytesIO()
    segno.make(made.uri, error="m").save(out, kind="svg", scale=5, border=2, xmldecl=False)
    return out.getvalue(), 200, {"Content-Type": "image/svg+xml"}


@bp.route("/logout", methods=["POST"])
def logout() -> Any:
    """End this browser's login (POST with the CSRF token, so no page can log someone out);
    a copy of its cookie opens nothing afterwards."""
    token = session.get("login")
    if token:
        users.end_login(runtime().redis, _config(), str(token))
    session.clear()
    return redirect(url_for("auth.login"))
