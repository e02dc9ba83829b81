"""The second step of a login in a real browser: staff are made to enrol (QR code and
secret on the page, the first code, ten recovery codes), then log in with a code or a
recovery code (each once); a volunteer turns it on from the account page; staff reset a
volunteer's and read the access log."""

import pyotp
import pytest
from playwright.sync_api import expect

from hotline.conversation.capabilities import CapabilityContext
from hotline.urgent import cases as urgent
from tests.capabilities import urgent_capability
from tests.web.browser.test_clean_console_browser import WATCH

pytestmark = pytest.mark.browser  # headless Chromium (tests/web/browser/conftest.py)

PASSWORD = "correct horse battery"
CALLER = "+821099998888"


def password(page, name):
    page.get_by_label("Name").fill(name)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()


def second_step(page, code):
    page.get_by_label("Code").fill(code)
    page.get_by_role("button", name="Confirm").click()


def log_out(page):
    page.get_by_role("button", name="Log out").click()
    expect(page).to_have_url("/login")


def test_staff_enrol_first_then_log_in_with_a_code_or_a_recovery_code_once(
        page, make_user, clock, screenshots):
    make_user("boss", role="staff", two_factor=False)
    page.context.add_init_script(WATCH)
    page.goto("/admin/people/")
    password(page, "boss")
    expect(page).to_have_url("/login/enrol")
    page.goto("/admin/people/")  # nothing else opens until enrolled
    expect(page).to_have_url("/login/enrol")
    qr = page.locator("img.qr")
    expect(qr).to_be_visible()
    assert qr.evaluate("img => img.complete && img.naturalWidth > 0")
    assert page.evaluate("window.__refused") == []  # the page and its QR code obey the CSP
    screenshots(page, "enrol")
    secret = page.locator("#totp-secret").inner_text().replace(" ", "")
    totp = pyotp.TOTP(secret)
    page.get_by_label("Code").fill("000000")
    page.get_by_role("button", name="Turn on").click()
    expect(page.get_by_role("alert")).to_contain_text("Wrong or already used code")
    secret_again = page.locator("#totp-secret").inner_text().replace(" ", "")
    assert secret_again == secret  # the same secret until a right code
    page.get_by_label("Code").fill(totp.at(clock()))
    page.get_by_role("button", name="Turn on").click()
    codes = page.locator("ol.codes code").all_inner_texts()
    assert len(codes) == 10 == len(set(codes))
    page.get_by_role("link", name="Continue").click()
    expect(page).to_have_url("/admin/people/")  # where they were going
    log_out(page)

    password(page, "boss")
    expect(page).to_have_url("/login/code")
    second_step(page, totp.at(clock()))  # spent at enrolment: refused
    expect(page.get_by_role("alert")).to_contain_text("Wrong or already used code")
    second_step(page, totp.at(clock() + 30))  # the next step's code (the clock is frozen)
    expect(page).to_have_url("/admin/")
    log_out(page)

    password(page, "boss")
    second_step(page, codes[0])
    expect(page).to_have_url("/admin/")
    log_out(page)
    password(page, "boss")
    second_step(page, codes[0])  # used already
    expect(page.get_by_role("alert")).to_contain_text("Wrong or already used code")
    second_step(page, codes[1].upper())
    expect(page).to_have_url("/admin/")


def test_a_volunteer_turns_the_second_step_on_from_the_account_page(page, make_user, login,
                                                                     clock):
    make_user("kim")
    login(page, "kim")  # the password alone, so far
    page.get_by_role("link", name="Account").click()
    expect(page.locator("#two-factor-state")).to_contain_text("The second step is off.")
    page.get_by_role("link", name="Turn on the second step").click()
    secret = page.locator("#totp-secret").inner_text().replace(" ", "")
    page.get_by_label("Code").fill(pyotp.TOTP(secret).at(clock()))
    page.get_by_role("button", name="Turn on").click()
    expect(page.locator("ol.codes li")).to_have_count(10)
    page.get_by_role("link", name="Continue").click()
    expect(page.locator("#two-factor-state")).to_contain_text("The second step is on.")
    log_out(page)
    password(page, "kim")
    expect(page).to_have_url("/login/code")
    second_step(page, pyotp.TOTP(secret).at(clock() + 30))
    expect(page).to_have_url("/volunteer/")


def test_staff_reset_a_volunteer_s_second_step_and_read_the_access_log(
        app, browser, live_server, page, make_user, login, screenshots):
    runtime = app.extensions["hotline"]
    conn, config = runtime.redis, runtime.config
    make_user("kim", two_factor=True)
    make_user("boss", role="staff")
    phone = browser.new_context(base_url=live_server.url).new_page()
    login(phone, "kim")
    expect(phone).to_have_url("/volunteer/")

    ctx = CapabilityContext(conn, config, CALLER, urgent.caller_hash(config, CALLER), "sms",
                            "ko", message_sid="SM1")
    code = urgent_capability(ctx, {"language": "ko", "first_words": "살려주세요",
                                   "reason": "words"})["code"]
    login(page, "boss")
    page.goto("/volunteer/urgent")  # staff read every open case's words
    expect(page.get_by_text("살려주세요")).to_be_visible()

    page.get_by_role("link", name="Accounts").first.click()
    row = page.locator('tr[data-account="kim"]')
    expect(row.locator(".second-factor")).to_contain_text("On")
    expect(page.locator('tr[data-account="boss"] button')).to_have_count(0)  # staff: CLI
    row.get_by_role("button", name="Reset").click()
    expect(page.get_by_role("status")).to_contain_text("second step")
    expect(row.locator(".second-factor")).to_contain_text("Off")

    phone.reload()  # kim was logged out everywhere
    expect(phone).to_have_url("/login?next=/volunteer/")
    password(phone, "kim")  # and logs in with the password alone now
    expect(phone).to_have_url("/volunteer/")
    phone.context.close()

    page.get_by_role("link", name="Access log").first.click()
    rows = page.locator("#access-log tbody tr")
    expect(rows.first).to_have_attribute("data-action", "second_factor_reset")
    expect(rows.first).to_contain_text("boss")
    expect(rows.first).to_contain_text("kim")
    opened = page.locator('tr[data-action="case_words_opened"]')
    expect(opened).to_have_count(1)
    expect(opened).to_contain_text(code)
    assert CALLER[-4:] not in page.locator("#access-log").inner_text()
    screenshots(page, "access-log")
    page.get_by_label("Person").select_option("boss")
    page.get_by_role("button", name="Show").click()
    expect(page).to_have_url("/admin/access-log?person=boss")
    expect(rows).to_have_count(2)  # the reset and the case's words, both by boss
    page.goto("/admin/access-log?person=kim")
    expect(page.locator("#access-log")).to_contain_text("No entries")
