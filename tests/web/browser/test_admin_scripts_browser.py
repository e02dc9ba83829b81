"""The script editor in a real browser: edit, check, simulate the draft, test, publish, and
see the new text answer a signed SMS; a broken script is refused; rollback restores."""

from __future__ import annotations

import itertools
import xml.etree.ElementTree as ET

import pytest
import requests
from playwright.sync_api import expect
from twilio.request_validator import RequestValidator

from hotline.scripts import versions as script_versions

pytestmark = pytest.mark.browser  # headless Chromium (tests/web/browser/conftest.py)

OLD = "무엇을 도와드릴까요?"
NEW = "어떻게 도와드릴까요?"
_sids = itertools.count(1)


def sms(app, live_server, body="안녕하세요", caller="+821012345678") -> str:
    """A signed SMS webhook over HTTP to the live server; the text of its reply."""
    params = {"From": caller, "To": "+15005550006", "Body": body,
              "MessageSid": f"SM{next(_sids):032d}"}
    url = live_server.url + "/twilio/sms"
    signature = RequestValidator(app.config["TWILIO_AUTH_TOKEN"]).compute_signature(url, params)
    response = requests.post(url, data=params, headers={"X-Twilio-Signature": signature},
                             timeout=10)
    assert response.status_code == 200
    return " ".join(m.text or "" for m in ET.fromstring(response.content).iter("Message"))


def fits_360(page) -> None:
    page.set_viewport_size({"width": 360, "height": 800})
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.set_viewport_size({"width": 1280, "height": 800})


@pytest.mark.slow
def test_staff_edit_simulate_test_and_publish_a_script(app, live_server, page, make_user,
                                                      login, screenshots, page_weight,
                                                      run_jobs):
    make_user("minji", role="staff")
    login(page, "minji")
    expect(page).to_have_url("/admin/")
    screenshots(page, "admin-index")
    fits_360(page)
    assert page_weight("/admin/") < 200_000
    page.get_by_role("link", name="대본 Scripts").first.click()
    expect(page).to_have_url("/admin/scripts/")

    editor = page.locator("#text")
    text = editor.input_value()
    assert text.startswith("# The hotline's main menu")  # the comments are there to edit
    editor.fill(text.replace(OLD, NEW, 1))
    page.get_by_role("button", name="Check 검사").click()
    expect(page.locator("#lint")).to_contain_text("0 error(s)")
    expect(page.locator("#lint")).to_contain_text("can be published")

    # The simulator answers with the draft, by SMS and by voice in English.
    page.locator("#sim-text").fill("안녕하세요")
    page.get_by_role("button", name="Send").click()
    expect(page.locator("#sim-log .bubble.hotline").first).to_contain_text(NEW)
    page.locator("#sim-text").fill("0")
    page.get_by_role("button", name="Send").click()
    expect(page.locator("#sim-log .note", has_text="page the people on call")).to_contain_text(
        "not done")
    page.locator("#sim-channel").select_option("voice")
    page.locator("#sim-language").select_option("en")
    page.get_by_role("button", name="Call 전화").click()
    expect(page.locator("#sim-log .bubble.hotline").first).to_contain_text("How can we help?")
    page.locator("#sim-keys").fill("5")
    page.get_by_role("button", name="Press").click()
    expect(page.locator("#sim-log .bubble.hotline", has_text="We never ask your name")
           ).to_be_visible()
    assert OLD in sms(app, live_server)  # callers still get the live script

    # Save: the transcript tests run on the draft in a worker; the ones expecting the old
    # greeting say so.
    page.get_by_role("button", name="Save draft & test 저장·시험").click()
    expect(page.locator("#tests")).to_contain_text("running")
    run_jobs()
    expect(page.locator("#tests")).to_contain_text("failed", timeout=15_000)
    expect(page.locator("#tests")).to_contain_text(OLD)
    screenshots(page, "admin-scripts")
    fits_360(page)
    assert page_weight("/admin/scripts/") < 200_000

    page.locator("#message").fill("새 인사말")
    page.get_by_role("button", name="Publish 올리기").click()
    expect(page.locator(".flash.ok")).to_contain_text("Version 2 published")
    assert NEW in sms(app, live_server, caller="+821055556666")
    runtime = app.extensions["hotline"]
    stored = script_versions.current(runtime.redis, app.extensions["hotline"].config).texts["main.yaml"]
    assert stored == text.replace(OLD, NEW, 1)  # exactly as written, comments and all


@pytest.mark.slow
def test_a_broken_script_shows_its_lint_error_and_cannot_be_published(app, live_server, page,
                                                                      make_user, login,
                                                                      screenshots):
    make_user("minji", role="staff")
    login(page, "minji")
    page.goto("/admin/scripts/")
    editor = page.locator("#text")
    editor.fill(editor.input_value().replace("goto: programmes", "goto: nowhere", 1))
    page.get_by_role("button", name="Check 검사").click()
    lint = page.locator("#lint")
    expect(lint).to_contain_text("main_menu")
    expect(lint).to_contain_text("option 1 goes to 'nowhere', which is not a node")
    page.get_by_role("button", name="Publish 올리기").click()
    expect(page.get_by_role("alert")).to_contain_text("not published")
    expect(page.locator("#lint li.error").first).to_contain_text("main_menu")
    expect(page.locator("#text")).to_have_value(
        editor.input_value())  # the staff's text is still in the editor
    screenshots(page, "admin-scripts-lint-error")
    runtime = app.extensions["hotline"]
    assert script_versions.current_number(runtime.redis, app.extensions["hotline"].config) == 0
    assert OLD in sms(app, live_server)


@pytest.mark.slow
def test_history_diff_and_rollback_restore_the_earlier_text(app, live_server, page, make_user,
                                                            login, screenshots, page_weight):
    runtime = app.extensions["hotline"]
    config = app.extensions["hotline"].config
    texts = script_versions.read_directory(config.scripts_dir)
    texts["main.yaml"] = texts["main.yaml"].replace(OLD, NEW, 1)
    script_versions.publish(runtime.redis, config, texts, "junho", "새 인사말", runtime.clock())
    make_user("minji", role="staff")
    login(page, "minji")
    assert NEW in sms(app, live_server)

    page.goto("/admin/scripts/history")
    expect(page.locator("tbody tr")).to_have_count(2)
    expect(page.locator("tbody tr").first).to_contain_text("junho")
    expect(page.locator("tbody tr").first).to_contain_text("새 인사말")
    screenshots(page, "admin-scripts-history")
    fits_360(page)
    assert page_weight("/admin/scripts/history") < 200_000

    page.get_by_role("link", name="v2").click()
    expect(page.locator("pre.diff .del")).to_contain_text(OLD)
    expect(page.locator("pre.diff .add")).to_contain_text(NEW)
    page.goto("/admin/scripts/history/1")
    screenshots(page, "admin-scripts-version")
    fits_360(page)
    assert page_weight("/admin/scripts/history/1") < 200_000
    page.locator("#message").fill("이전 인사말로")
    page.get_by_role("button", name="Roll back to version 1 되돌리기").click()
    expect(page.locator(".flash.ok")).to_contain_text("Version 3 published")
    expect(page.locator("tbody tr").first).to_contain_text("rollback to v1")
    assert OLD in sms(app, live_server, caller="+821055556666")
