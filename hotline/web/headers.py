"""Security headers on every response of the app, pages of any blueprint included."""

from __future__ import annotations

from flask import Flask, Response, current_app, request

# Only our own scripts, styles and images; no framing; no address leaks to other sites.
CSP = ("default-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'; "
       "object-src 'none'")
HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
}
HSTS = "max-age=31536000; includeSubDomains"


def _served_over_https() -> bool:
    """Behind a TLS proxy Flask sees http; PUBLIC_URL says what the world uses."""
    public = str(current_app.config.get("PUBLIC_URL") or "")
    return request.is_secure or public.startswith("https://")


def add_security_headers(response: Response) -> Response:
    """Set the headers a view has not set itself (a page may tighten or loosen its CSP)."""
    for name, value in HEADERS.items():
        response.headers.setdefault(name, value)
    if _served_over_https():
        response.headers.setdefault("Strict-Transport-Security", HSTS)
    return response


def init_app(app: Flask) -> None:
    """Add the headers to every response the app sends."""
    app.after_request(add_security_headers)
