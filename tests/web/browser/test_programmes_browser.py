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


@pytest.mark.slow
def test_staff_create_and_edit_a_programme_in_the_browser_with_problems_on_the_page(
        app, clock, live_server, page, make_user, login, screenshots):
    clock.now = JAN_4_10_KST
    runtime = app.extensions["hotline"]
    make_user("boss", role="staff")
    login(page, "boss")
    page.goto("/admin/programmes/")
    page.get_by_role("link", name="새 신청 만들기 New programme").click()
    expect(page.get_by_label("아이디 Id")).to_be_visible()
    page.wait_for_load_state()  # the form and its stylesheet, before measuring its width
    page.set_viewport_size({"width": 360, "height": 800})
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.get_by_label("아이디 Id").fill("teeth")
    page.get_by_label("종류 Kind").select_option("course")
    page.get_by_label("이름 Name (ko)").fill("치아 건강")
    page.get_by_label("이름 Name (en)").fill("Healthy teeth")
    page.get_by_label("알림 말 Reminder words (ko)").fill("건강 교육")
    page.get_by_label("알림 말 Reminder words (en)").fill("your class")
    first = page.locator('fieldset[data-row="0"]')
    first.get_by_label("아이디 Session id").fill("feb-01")
    first.get_by_label("날짜 Date").fill("2027-02-01")
    first.get_by_label("시각 Time").fill("10:00")
    first.get_by_label("시간대 Timezone").fill("Seoul")  # not a timezone
    first.get_by_label("장소 Place").fill("서울")
    first.get_by_label("자리 Capacity").fill("8")
    page.get_by_role("button", name="저장 Save").click()
    expect(page.locator("#problems")).to_contain_text("unknown timezone 'Seoul'")
    expect(page.get_by_label("이름 Name (en)")).to_have_value("Healthy teeth")
    screenshots(page, "admin-programme-form-problems")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360

    page.locator('fieldset[data-row="0"]').get_by_label("시간대 Timezone").fill("Asia/Seoul")
    page.get_by_role("button", name="저장 Save").click()
    expect(page.locator(".flash")).to_contain_text("Saved: teeth.")
    expect(page.locator('[data-programme="teeth"] [data-session="feb-01"] .taken')).to_have_text(
        "0/8")

    page.get_by_role("link", name="고치기 Edit teeth").click()
    expect(page.get_by_label("아이디 Id")).to_have_value("teeth")
    page.locator('fieldset[data-row="0"]').get_by_label("자리 Capacity").fill("12")
    second = page.locator('fieldset[data-row="1"]')
    second.get_by_label("아이디 Session id").fill("feb-08")
    second.get_by_label("날짜 Date").fill("2027-02-08")
    second.get_by_label("시각 Time").fill("10:00")
    second.get_by_label("시간대 Timezone").fill("Asia/Seoul")
    screenshots(page, "admin-programme-form")
    page.get_by_role("button", name="저장 Save").click()
    expect(page.locator('[data-programme="teeth"] [data-session="feb-01"] .taken')).to_have_text(
        "0/12")
    saved = store.get(runtime.redis, runtime.config, "teeth")
    assert [(s.id, s.place) for s in saved.sessions] == [("feb-01", "서울"),
                                                         ("feb-08", "by phone")]
