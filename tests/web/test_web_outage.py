"""The web pages while Redis is down: a short 503 page in Korean and English, not a 500.
The Twilio webhooks keep their own fallback (tests/web/test_fallback.py)."""

from __future__ import annotations

import re

import pytest

from hotline import create_app

DOWN = "redis://127.0.0.1:1/0"  # nothing listens on port 1
MESSAGE = "잠시 후 다시 해 주세요. Please try again in a moment."


@pytest.fixture()
def down_app(app_config):
    return create_app(dict(app_config, REDIS_URL=DOWN, REDIS_TIMEOUT=0.2))


def logged_in(app, name="kim"):
    client = app.test_client()
    with client.session_transaction() as session:
        session["user"] = name
        session["login"] = "a-login-token"  # checked in Redis, which is down
    return client


@pytest.mark.parametrize("path", ["/volunteer/", "/volunteer/urgent", "/admin/",
                                  "/admin/people/", "/admin/directory/", "/admin/figures/",
                                  "/admin/scripts/", "/"])
def test_a_page_says_try_again_in_a_moment_with_the_site_layout(down_app, path):
    response = logged_in(down_app).get(path)
    page = response.get_data(as_text=True)
    assert response.status_code == 503, page[:300]
    assert MESSAGE in page
    assert "style.css" in page and "로그아웃" not in page  # the layout, nobody logged in
    assert response.headers["Retry-After"] == "30"


def test_logging_in_while_redis_is_down_is_a_503_page(down_app):
    client = down_app.test_client()
    form = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', form).group(1)
    response = client.post("/login", data={"name": "kim", "password": "pw long enough",
                                           "csrf_token": token})
    assert response.status_code == 503
    assert MESSAGE in response.get_data(as_text=True)


def test_the_page_is_plain_text_when_even_the_layout_cannot_render(down_app, monkeypatch):
    from hotline.web import outage

    def broken(*args, **kwargs):
        raise RuntimeError("template broken")

    monkeypatch.setattr(outage, "render_template", broken)
    response = logged_in(down_app).get("/volunteer/")
    assert response.status_code == 503
    assert response.get_data(as_text=True) == MESSAGE
    assert response.mimetype == "text/plain"
