"""A staff member in a real browser: the directory (upload with a bad row, edit, remove),
volunteers and the rota grid with its red gaps, the figures; a volunteer gets 403.
Every page is photographed at 360 and 1280 px, weighed, and checked to fit 360 px."""

import pytest
from playwright.sync_api import expect

from hotline import stats
from hotline.callbacks import queue as callbacks
from hotline.directory import edit as directory_edit
from hotline.people import rota, volunteers

pytestmark = pytest.mark.browser  # headless Chromium (tests/web/browser/conftest.py)

HEADER = ("name,category,phone,address,city,region,country,postal_code,latitude,longitude,"
          "languages,hours,cost,description")
CSV = "\n".join([
    HEADER,
    "Hana Clinic,clinic,02-0000-1234,1 Main St,Seoul,,KR,04524,37.56,126.97,ko;en,24/7,free,",
    "Broken Row,spaceship,,2 Side St,Seoul,,KR,,,,ko,,free,",
    "Mirae Shelter,shelter,,5 River Rd,Busan,,KR,,,,ko,mon-fri 09:00-18:00,free,Beds for women",
]) + "\n"
ROTA = """timezone: Asia/Seoul
levels:
  - name: primary
    shifts:
      - {volunteer: Kim, days: [mon, tue, wed, thu, fri, sat, sun], from: "09:00", to: "21:00"}
"""
RED = "rgb(246, 201, 197)"


def check_page(page, name, path, screenshots, page_weight):
    """Photograph, weigh, and check that nothing is wider than a 360 px phone."""
    page.set_viewport_size({"width": 360, "height": 800})
    width = page.evaluate("document.documentElement.scrollWidth")
    page.set_viewport_size({"width": 1280, "height": 800})
    assert width <= 360, f"{path} is {width} px wide at a 360 px viewport"
    screenshots(page, name)
    weight = page_weight(path)
    print(f"page weight {path}: {weight} bytes; width at 360 px: {width}")  # pytest -s
    assert weight < 200_000, f"{path} weighs {weight} bytes"


def staff(app, make_user, login, page):
    make_user("boss", role="staff")
    login(page, "boss")
    runtime = app.extensions["hotline"]
    return runtime.redis, app.extensions["hotline"].config


@pytest.mark.slow
def test_staff_upload_a_csv_see_the_bad_line_then_edit_and_remove_an_entry(
        app, page, make_user, login, screenshots, page_weight):
    conn, config = staff(app, make_user, login, page)
    page.goto("/admin/directory/")
    expect(page.locator("#matched")).to_contain_text("0")
    page.get_by_label("CSV or JSON file").set_input_files(
        files=[{"name": "services.csv", "mimeType": "text/csv", "buffer": CSV.encode()}])
    page.get_by_role("button", name="Upload").click()
    expect(page.locator("#upload-result")).to_contain_text("2 건 불러옴 loaded")
    expect(page.locator("#rejected li")).to_have_count(1)
    expect(page.locator("#rejected li")).to_contain_text("line 3")
    expect(page.locator("#rejected li")).to_contain_text("unknown category 'spaceship'")
    expect(page.locator("#entries li")).to_have_count(2)
    check_page(page, "admin-directory", "/admin/directory/", screenshots, page_weight)

    page.get_by_label("Name, address, city").fill("busan")
    page.get_by_role("button", name="Search").click()
    expect(page.locator("#entries li")).to_have_count(1)
    page.get_by_role("link", name="Mirae Shelter").click()
    page.get_by_label("Languages").fill("ko;ru")
    page.get_by_label("Hours").fill("every day")
    page.get_by_role("button", name="Save").click()
    expect(page.locator("#problems")).to_contain_text("bad hours 'every day'")
    check_page(page, "admin-directory-edit", page.url.removeprefix(config.public_url),
               screenshots, page_weight)
    page.get_by_label("Hours").fill("24/7")
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".flash.ok")).to_contain_text("Saved: Mirae Shelter")
    shelter = directory_edit.find_entries(conn, "hotline:", "mirae")[1][0]
    assert shelter.languages == ("ko", "ru") and shelter.hours == "24/7"

    page.get_by_role("link", name="Mirae Shelter").click()
    page.get_by_role("button", name="Remove this entry").click()
    expect(page.locator(".flash.ok")).to_contain_text("Removed: Mirae Shelter")
    expect(page.locator("#entries li")).to_have_count(1)
    expect(page.locator("#entries")).to_contain_text("Hana Clinic")
    assert directory_edit.find_entries(conn, "hotline:", "mirae")[0] == 0


@pytest.mark.slow
def test_staff_add_a_volunteer_and_see_the_rota_grid_with_red_gaps(
        app, page, make_user, login, screenshots, page_weight):
    conn, config = staff(app, make_user, login, page)
    page.goto("/admin/people/")
    form = page.locator("#add-volunteer")
    form.get_by_label("Name").fill("Kim")
    form.get_by_label("Phone").fill("+821011112222")
    form.get_by_label("Languages").fill("ko,en")
    form.get_by_role("button", name="Add").click()
    expect(page.locator(".flash.ok")).to_contain_text("Added Kim")
    row = page.locator("#volunteers li", has_text="Kim")
    expect(row).to_contain_text("+82 10-****-**22")
    assert volunteers.find(conn, config, "Kim").languages == ("ko", "en")

    page.get_by_label("Or paste").fill(ROTA.replace("Kim", "Nobody"))
    page.get_by_role("button", name="Import").click()
    expect(page.locator("#rota-problems")).to_contain_text(
        "rota.yaml:5: level primary: 'Nobody' is not a registered volunteer")
    assert rota.load_rota(conn, config) is None

    page.get_by_label("Or paste").fill(ROTA)
    page.get_by_role("button", name="Import").click()
    expect(page.locator(".flash.ok")).to_contain_text("Rota imported: 1 level(s), 1 shift(s)")
    grid = page.locator('table.rota[data-level="primary"]')
    night = grid.locator('td[data-day="wed"][data-hour="3"]')
    day = grid.locator('td[data-day="wed"][data-hour="10"]')
    expect(night).to_have_class("gap")
    expect(night).to_have_css("background-color", RED)
    expect(day).to_have_class("on")
    expect(day).to_have_text("Kim")
    expect(page.locator('p.gaps[data-level="primary"]')).to_contain_text("wed 21:00-24:00")
    check_page(page, "admin-people", "/admin/people/", screenshots, page_weight)

    row.get_by_role("button", name="Set OFF").click()  # Kim OFF: nobody to page all day
    expect(grid.locator('td[data-day="wed"][data-hour="10"]')).to_have_class("gap")
    assert not volunteers.find(conn, config, "Kim").available

    page.locator("#volunteers").get_by_role("link", name="Kim").click()
    page.get_by_label("Name").fill("Kim Jiyu")
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".flash.ok")).to_contain_text("Saved Kim Jiyu")
    kim = volunteers.find(conn, config, "Kim Jiyu")
    assert kim.phone == "+821011112222"  # a blank number field keeps the number
    page.locator("#volunteers").get_by_role("link", name="Kim Jiyu").click()
    check_page(page, "admin-people-edit", f"/admin/people/volunteers/{kim.id}", screenshots,
               page_weight)


def test_staff_see_the_figures_as_charts_on_the_page(
        app, page, make_user, login, clock, screenshots, page_weight):
    conn, config = staff(app, make_user, login, page)
    now = clock()
    for days_ago, texts in ((0, 3), (1, 5), (3, 1)):
        at = now - days_ago * 86400
        for _ in range(texts):
            stats.count_contact(conn, config, at, "sms", "ko")
        stats.count_contact(conn, config, at, "voice", "ru")
        stats.count(conn, config, at, {"callback_created": 2, "missed_call": 1,
                                       "urgent_created": 1, "urgent_acked": 1, "opt_out": 1},
                    {"callback_wait": 900, "urgent_ack": 120})
    callbacks.create(conn, config, "+821099998888", language="ko", topic="clinic", now=now)
    requests = []
    page.on("request", lambda r: requests.append(r.url))
    page.goto("/admin/figures/")
    expect(page.locator("#waiting-count")).to_have_text("1")
    texts = page.locator("#chart-texts svg.chart rect")
    expect(texts).to_have_count(3)
    expect(texts.last).to_have_attribute("data-value", "3")
    expect(page.locator("#chart-texts .legend")).to_contain_text("ko 한국어: 9")
    expect(page.locator("#chart-calls .legend")).to_contain_text("ru 러시아어: 3")
    expect(page.locator("#chart-callback_wait svg.chart rect").first).to_have_attribute(
        "data-value", "15")
    expect(page.locator("#chart-urgent_ack .note")).to_contain_text("all days: 2.0 min")
    for key in ("callbacks", "urgent", "missed", "opt_out"):
        expect(page.locator(f"#chart-{key} svg.chart rect")).to_have_count(3)
    box = page.locator("#chart-texts svg.chart").bounding_box()
    assert box and box["height"] > 50  # drawn, not an empty box
    assert all(url.startswith(config.public_url) for url in requests)  # nothing external
    assert "+8210" not in page.content()
    check_page(page, "admin-figures", "/admin/figures/", screenshots, page_weight)


def test_a_volunteer_gets_403_on_the_staff_pages(app, page, make_user, login, screenshots):
    make_user("kim")
    login(page, "kim")
    for path in ("/admin/directory/", "/admin/people/", "/admin/figures/"):
        response = page.goto(path)
        assert response.status == 403
        expect(page.get_by_role("heading", level=1)).to_have_text("403")
    screenshots(page, "error-403")
    expect(page.locator("nav.menu")).not_to_contain_text("Directory")


def test_staff_add_an_override_on_the_rota_page_and_the_grid_shows_who_covers(
        app, page, make_user, login):
    conn, config = staff(app, make_user, login, page)
    volunteers.add(conn, config, "Kim", "+821011112222", ("ko",))
    volunteers.add(conn, config, "Lee", "+821011113333", ("ko",))
    rota.import_rota(conn, config, ROTA, "rota.yaml", 0.0, rota.resolver(conn, config))
    page.goto("/admin/people/")
    form = page.locator("#add-override")
    form.get_by_label("Who covers").select_option(label="Lee")
    form.get_by_label("For").select_option(label="Kim")
    form.get_by_label("Date").fill("2027-01-16")  # the Saturday of the clock's week
    form.get_by_label("From").fill("18:00")
    form.get_by_label("To").fill("24:00")
    form.get_by_role("button", name="Add override").click()
    expect(page.locator(".flash.ok")).to_contain_text("Lee covers Kim")
    grid = page.locator('table.rota[data-level="primary"]')
    covered = grid.locator('td[data-day="sat"][data-hour="19"] span')
    expect(covered).to_have_text("Lee*")
    expect(covered).to_have_attribute("data-covers", "Kim")
    expect(grid.locator('td[data-day="sat"][data-hour="17"]')).to_have_text("Kim")
    expect(page.locator("#overrides")).to_contain_text("Lee → Kim: Sat 2027-01-16 18:00")

    form = page.locator("#add-override")
    form.get_by_label("Who covers").select_option(label="Kim")
    form.get_by_label("For").select_option(label="Kim")
    form.get_by_label("Date").fill("2027-01-16")
    form.get_by_label("From").fill("18:00")
    form.get_by_label("To").fill("20:00")
    form.get_by_role("button", name="Add override").click()
    expect(page.locator(".flash.error")).to_contain_text("cannot cover their own shift")

    page.locator("#overrides li").get_by_role("button", name="Remove").click()
    expect(page.locator(".flash.ok")).to_contain_text("Override removed")
    expect(grid.locator('td[data-day="sat"][data-hour="19"]')).to_have_text("Kim")
