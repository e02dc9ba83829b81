"""Staff in a real browser see a caller's sign-up (joined by SMS through the webhooks),
masked, and mark attendance; the page fits a 360 px phone."""

from __future__ import annotations

import os

import pytest
from playwright.sync_api import expect

from hotline.programmes import model, store
from hotline.transcripts.phone import AppTransport, Phone
from tests.conftest import AUTH_TOKEN, SCRIPTS_DIR

pytestmark = pytest.mark.browser

JAN_4_10_KST = 1_799_024_400.0


@pytest.mark.slow
def test_staff_see_the_sign_up_masked_and_mark_it_attended(app, clock, live_server, page,
                                                            make_user, login):
    clock.now = JAN_4_10_KST
    runtime = app.extensions["hotline"]
    store.save(runtime.redis, runtime.config,
               model.read_file(os.path.join(SCRIPTS_DIR, "programmes.sample.yaml")))
    phone = Phone(AppTransport(app), live_server.url, AUTH_TOKEN, number="+821012345678",
                  hotline_number="+15005550006")
    for text in ("안녕", "1", "5", "2", "1"):
        phone.text(text)
    make_user("boss", role="staff")
    login(page, "boss")
    page.goto("/admin/programmes/")
    expect(page.locator('[data-session="jan-11"] .taken')).to_have_text("1/2")
    page.get_by_role("link", name="2027-01-11 14:00").click()
    row = page.locator("#roster tbody tr").first
    expect(row).to_contain_text("+82 10-****-**78")
    row.get_by_role("button", name="참석 attended").click()
    expect(page.locator("#roster .mark").first).to_have_text("attended")
    page.set_viewport_size({"width": 360, "height": 800})
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.goto("/admin/programmes/")
    expect(page.locator('[data-programme="counselling"] .totals')).to_contain_text(
        "참석 attended 1")
