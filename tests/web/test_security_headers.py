"""Every response of the app carries the security headers, pages of later blueprints too."""

import pytest
from flask import Blueprint

from hotline import create_app

PAGE_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
}


def assert_secure(response):
    for name, value in PAGE_HEADERS.items():
        assert response.headers.get(name) == value, name
    csp = response.headers["Content-Security-Policy"]
    directives = {d.split()[0]: d.split()[1:] for d in csp.split(";") if d.strip()}
    assert directives["default-src"] == ["'self'"]
    assert directives["frame-ancestors"] == ["'none'"]


def test_a_page_added_by_any_blueprint_gets_them(app):
    page = Blueprint("page", __name__)

    @page.get("/volunteer/example")
    def example():
        return "<html><body>hello</body></html>"

    app.register_blueprint(page)
    assert_secure(app.test_client().get("/volunteer/example"))


@pytest.mark.parametrize("path", ["/healthz", "/no-such-page"])
def test_health_and_error_pages_get_them(client, path):
    assert_secure(client.get(path))


def test_webhook_answers_and_refusals_get_them(client, signed_post):
    assert_secure(client.post("/twilio/sms", data={"Body": "x"}))
    assert_secure(signed_post("/twilio/status", {"CallSid": "CA1", "CallStatus": "completed"}))


def test_hsts_when_the_public_url_is_https(client):
    hsts = client.get("/healthz").headers["Strict-Transport-Security"]
    assert hsts.startswith("max-age=") and int(hsts.split("=")[1].split(";")[0]) >= 15552000


def test_no_hsts_over_plain_http(app_config):
    app = create_app({**app_config, "PUBLIC_URL": "http://127.0.0.1:5000"})
    response = app.test_client().get("/healthz")
    assert "Strict-Transport-Security" not in response.headers
    assert_secure(response)
    secure = app.test_client().get("/healthz", base_url="https://localhost")
    assert "Strict-Transport-Security" in secure.headers


def test_a_page_may_set_its_own_policy(app):
    page = Blueprint("own", __name__)

    @page.get("/admin/own")
    def own():
        return "ok", 200, {"Content-Security-Policy": "default-src 'none'"}

    app.register_blueprint(page)
    response = app.test_client().get("/admin/own")
    assert response.headers["Content-Security-Policy"] == "default-src 'none'"
    assert response.headers["X-Frame-Options"] == "DENY"
