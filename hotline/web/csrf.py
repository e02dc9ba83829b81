"""CSRF protection for the web pages: one random token per browser session.

Every POST outside /twilio/ (Twilio's posts are signed instead) must carry the token in
the form field `csrf_token` or the `X-CSRF-Token` header; templates put it in forms with
`{{ csrf_field() }}`. A request without it gets 400 and changes nothing.
"""

from __future__ import annotations

import hmac
import secrets

from flask import Flask, Response, render_template, request, session
from markupsafe import Markup, escape

from hotline.web.texts import say

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
EXEMPT_PREFIXES = ("/twilio/",)  # Twilio's webhooks: checked by X-Twilio-Signature
FIELD = "csrf_token"
HEADER = "X-CSRF-Token"


def token() -> str:
    """Return this browser session's CSRF token, making one on first use."""
    value = session.get("csrf")
    if not value:
        value = secrets.token_urlsafe(32)
        session["csrf"] = value
    return str(value)


def field() -> Markup:
    """Return the hidden form input that carries the token."""
    return Markup(f'<input type="hidden" name="{FIELD}" value="{escape(token())}">')


def check() -> Response | tuple[str, int] | None:
    """Refuse an unsafe request without the session's token (before_request hook)."""
    if request.method in SAFE_METHODS or request.path.startswith(EXEMPT_PREFIXES):
        return None
    expected = session.get("csrf")
    sent = request.form.get(FIELD) or request.headers.get(HEADER) or ""
    if expected and hmac.compare_digest(str(expected), sent):
        return None
    return render_template("error.html", status=400,
                           message=say("form_expired")), 400


def init_app(app: Flask) -> None:
    """Check every unsafe request and give templates csrf_token() and csrf_field()."""
    app.before_request(check)
    app.jinja_env.globals.update(csrf_token=token, csrf_field=field)
