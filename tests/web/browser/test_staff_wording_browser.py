"""What staff and volunteers read, in a real browser at 360 px (a phone) and 1280 px:
category and priority names in both languages, lint problems with a Korean line, who is
on call on a phone, the directory search a caller would get, and the YAML editor on a
phone. Screenshots at 360 px go to the test's tmp dir."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from hotline.callbacks import queue as callbacks
from hotline.callbacks.queue import Priority
from hotline.directory.importer import CSV_HEADER, read_csv
from hotline.directory.search import get_index
from hotline.directory.store import store_entries
from hotline.people import rota, volunteers

pytestmark = pytest.mark.browser  # headless Chromium (tests/web/browser/conftest.py)

PHONE = {"width": 360, "height": 800}
DESK = {"width": 1280, "height": 800}
DIRECTORY = "\n".join([
    ",".join(CSV_HEADER),
    ("강남 마음 병원,mental_health,02-0000-0301,강남구 테헤란로 1,서울,,KR,06236,37.5006,"
     "127.0364,ko,mon-fri 09:00-18:00,free,상담"),
    ("Jongno Free Clinic,clinic,02-0000-0302,1 Jong-ro,Seoul,,KR,03154,37.5704,126.9910,"
     "ko;en,24/7,free,General care"),
    ("Mirae Shelter,shelter,051-000-0303,5 River Rd,Busan,,KR,48058,35.1796,129.0756,ko,"
     "24/7,free,Beds"),
]) + "\n"
# Four volunteers whose names start alike: a grid cutting names to "De…" shows four
# identical people.
NAMES = ("Deborah", "Dennis", "Delia", "Devon")
ROTA = """timezone: Asia/Seoul
levels:
  - name: primary
    shifts:
      - {volunteer: Deborah, days: [mon, tue, wed, thu, fri, sat, sun], from: "00:00", to: "06:00"}
      - {volunteer: Dennis, days: [mon, tue, wed, thu, fri, sat, sun], from: "06:00", to: "12:00"}
      - {volunteer: Delia, days: [mon, tue, wed, thu, fri, sat, sun], from: "12:00", to: "18:00"}
      - {volunteer: Devon, days: [mon, tue, wed, thu, fri, sat, sun], from: "18:00", to: "21:00"}
"""


def shoot(page, tmp_path, name: str) -> None:
    """A full-page screenshot at 360 px in the test's tmp dir; nothing wider than the phone."""
    page.set_viewport_size(PHONE)
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.screenshot(path=str(tmp_path / f"{name}-360.png"), full_page=True)
    assert (tmp_path / f"{name}-360.png").stat().st_size > 0


def staff(app, make_user, login, page):
    make_user("boss", role="staff")
    login(page, "boss")
    runtime = app.extensions["hotline"]
    return runtime.redis, runtime.config


def caller_finds(conn, place: str) -> set[str]:
    """The entries a caller asking for `place` is given first (in the place)."""
    found = get_index(conn, "hotline:").search(place, limit=50)
    return {h.entry.name for h in found.hits if h.in_place}


def test_the_directory_search_finds_what_a_caller_finds_with_named_categories(
        app, page, make_user, login, tmp_path):
    conn, _config = staff(app, make_user, login, page)
    store_entries(conn, "hotline:", read_csv(DIRECTORY, "d.csv").entries)
    for query, expected in (("seoul", {"강남 마음 병원", "Jongno Free Clinic"}),
                            ("강남", {"강남 마음 병원"}), ("서을", {"강남 마음 병원",
                                                                 "Jongno Free Clinic"})):
        assert caller_finds(conn, query) == expected
        page.goto("/admin/directory/?q=" + query)
        shown = page.locator("#entries li[data-by-place]")
        expect(shown).to_have_count(len(expected))
        assert set(shown.locator("strong").all_inner_texts()) == expected
    expect(page.locator("#places")).to_contain_text("서울")
    page.goto("/admin/directory/?q=seoul")
    badge = page.locator('#entries li', has_text="강남 마음 병원").locator(".tag")
    expect(badge).to_have_text("마음 상담 Mental health")
    expect(page.locator('#entries li', has_text="Jongno").locator(".tag")).to_have_text(
        "병원 Clinic")
    shoot(page, tmp_path, "directory-seoul")
    page.goto("/admin/directory/?q=mirae")  # a name still finds its entry
    expect(page.locator("#entries li")).to_have_count(1)


def test_the_queue_shows_priorities_by_name_in_both_languages(app, page, make_user, login,
                                                              clock, tmp_path):
    runtime = app.extensions["hotline"]
    conn, config = runtime.redis, runtime.config
    volunteers.add(conn, config, "Kim", "+821022223333", ("ko",))
    make_user("kim")  # linked to the volunteer of the same name
    callbacks.create(conn, config, "+821012345678", language="ko", topic="clinic",
                     now=clock())
    callbacks.create(conn, config, "+821012345679", language="ko", topic="urgent",
                     now=clock(), priority=Priority.URGENT)
    login(page, "kim")
    page.goto("/volunteer/")
    tags = page.locator("#waiting .tag[data-priority]")
    expect(tags).to_have_count(2)
    assert tags.all_inner_texts() == ["긴급 Urgent", "보통 Normal"]
    shoot(page, tmp_path, "queue")


def test_on_a_phone_the_rota_lists_each_day_with_whole_names(app, page, make_user, login,
                                                            clock, tmp_path):
    conn, config = staff(app, make_user, login, page)
    for n, name in enumerate(NAMES):
        volunteers.add(conn, config, name, f"+8210111100{n:02d}", ("ko",))
    rota.import_rota(conn, config, ROTA, "rota.yaml", clock(), rota.resolver(conn, config))
    page.goto("/admin/people/")
    page.set_viewport_size(PHONE)
    days = page.locator('.rota-days[data-level="primary"]')
    expect(days).to_be_visible()
    expect(page.locator(".rota-grid").first).to_be_hidden()
    wednesday = days.locator('.rota-day[data-day="wed"] li')
    assert wednesday.all_inner_texts() == [
        "00–06 Deborah", "06–12 Dennis", "12–18 Delia", "18–21 Devon",
        "21–24 호출할 사람 없음 nobody to page"]
    expect(wednesday.last).to_have_class("gap")
    shoot(page, tmp_path, "rota")
    page.set_viewport_size(DESK)
    expect(page.locator(".rota-grid").first).to_be_visible()
    expect(days).to_be_hidden()


def test_lint_problems_read_in_korean_and_the_editor_wraps_on_a_phone(
        app, page, make_user, login, tmp_path):
    staff(app, make_user, login, page)
    page.goto("/admin/scripts/")
    editor = page.locator("#text")
    text = editor.input_value()
    editor.fill(text.replace("goto: programmes", "goto: nowhere", 1).replace(
        "ko: 무엇을 도와드릴까요?", "ko: 무엇을 도와드릴까요? 클리닉", 1))
    page.get_by_role("button", name="Check 검사").click()
    lint = page.locator("#lint")
    expect(lint.locator("p.bad")).to_contain_text("오류 ")
    expect(lint.locator("li.error", has_text="nowhere")).to_contain_text("없는 곳으로 가요.")
    expect(lint.locator("li", has_text="클리닉")).to_contain_text("외래어가 있어요")
    expect(lint.locator("li", has_text="클리닉").locator(".tag")).to_have_text("경고 warning")

    page.set_viewport_size(PHONE)
    note = page.locator("#narrow-note")
    expect(note).to_be_visible()
    expect(note.get_by_role("link", name="phone simulator")).to_have_attribute(
        "href", "#sim-title")
    wide, shown = editor.evaluate("t => [t.scrollWidth, t.clientWidth]")
    assert wide <= shown, "the YAML runs off a phone's screen"
    shoot(page, tmp_path, "scripts")
    page.set_viewport_size(DESK)
    expect(note).to_be_hidden()
