"""Logging in and out in a real browser; the login page at phone and desktop width."""

import pytest
from playwright.sync_api import expect

from hotline.people import volunteers

pytestmark = pytest.mark.browser  # headless Chromium (tests/web/browser/conftest.py)


def test_a_volunteer_logs_in_lands_on_the_queue_and_logs_out(app, page, make_user, login,
                                                             screenshots, page_weight):
    runtime = app.extensions["hotline"]
    volunteers.add(runtime.redis, app.extensions["hotline"].config, "Kim", "+821011112222", ("ko",))
    make_user("kim")
    page.goto("/volunteer/")
    expect(page).to_have_url("/login?next=/volunteer/")
    screenshots(page, "login")
    assert page_weight("/login") < 200_000

    page.get_by_label("Name").fill("kim")
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("alert")).to_contain_text("Wrong name or password")

    login(page, "kim")
    expect(page).to_have_url("/volunteer/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Callback queue")
    expect(page.locator(".who")).to_have_text("kim")

    page.get_by_role("button", name="Log out").click()
    expect(page).to_have_url("/login")
    page.goto("/volunteer/")
    expect(page).to_have_url("/login?next=/volunteer/")


def test_a_cookie_copied_before_logout_opens_nothing_in_another_browser(
        app, browser, live_server, page, make_user, login):
    make_user("boss", role="staff")
    login(page, "boss")
    response = page.goto("/admin/people/")
    assert response is not None
    copied = page.context.cookies()
    assert any(c["name"] == "hotline_session" for c in copied)

    page.get_by_role("button", name="Log out").click()
    expect(page).to_have_url("/login")

    other = browser.new_context(base_url=live_server.url)
    try:
        other.add_cookies(copied)
        thief = other.new_page()
        thief.goto("/admin/people/")
        expect(thief).to_have_url("/login?next=/admin/people/")
    finally:
        other.close()
    assert response.headers.get("cache-control") == "no-store"  # nor kept in a cache


def test_a_crafted_next_after_login_stays_on_this_site(app, page, make_user, live_server):
    make_user("kim")
    page.goto("/login?next=/%09/evil.example/phish")
    page.get_by_label("Name").fill("kim")
    page.get_by_label("Password").fill("correct horse battery")
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(lambda url: "/login" not in url)
    assert page.url.startswith(live_server.url + "/")
    assert "evil.example" not in page.url
