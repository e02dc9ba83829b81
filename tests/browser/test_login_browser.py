"""Logging in and out in a real browser; the login page at phone and desktop width."""

from playwright.sync_api import expect

from hotline import volunteers


def test_a_volunteer_logs_in_lands_on_the_queue_and_logs_out(app, page, make_user, login,
                                                             screenshots, page_weight):
    runtime = app.extensions["hotline"]
    volunteers.add(runtime.redis, dict(app.config), "Kim", "+821011112222", ("ko",))
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
