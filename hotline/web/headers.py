"""Security headers on every response of the app, pages of any blueprint included.

`Cache-Control: no-store` goes on every answer but the static files (/assets/): logged-in
pages and JSON show callers' words and must not stay in a browser's or proxy's cache, where
the next person at a shared computer, or the back button after logout, would find them.
"""

from __future__ import annotations

from flask import Flask, Response, request

from hotline.web import runtime

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
NO_STORE = "no-store"


def _served_over_https() -> bool:
    """Behind a TLS proxy Flask sees http; PUBLIC_URL says what the world uses."""
    public = runtime().config.public_url
    return request.is_secure or public.startswith("https://")


def _static_file() -> bool:
    """A stylesheet, script or image of ours (the only answers a cache may keep)."""
    endpoint = request.endpoint or ""
    return endpoint == "static" or endpoint.endswith(".static")


def add_security_headers(response: Response) -> Response:
    """Set the headers a view has not set itself (a page may tighten or loosen its CSP)."""
    present = {name.lower() for name, _ in response.headers}  # one pass over them
    for name, value in HEADERS.items():
        if name.lower() not in present:
            response.headers.add(name, value)
    if "cache-control" not in present and not _static_file():
        response.headers.add("Cache-Control", NO_STORE)
    if "strict-transport-security" not in present and _served_over_https():
        response.headers.add("Strict-Transport-Security", HSTS)
    return response


def init_app(app: Flask) -> None:
    """Add the headers to every response the app sends."""
    app.after_request(add_security_headers)
