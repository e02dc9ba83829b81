"""Staff pages: directory upload/search/edit/remove, volunteers and rota, figures.

Through Flask's test client on the real app and the run's Redis database; the same pages
in a real browser are in tests/web/browser/test_admin_browser.py.
"""

import io
import pathlib
import re

import pytest

from hotline import stats
from hotline.directory import store as directory
from hotline.directory.edit import EditError, as_row, find_entries, get_entry, update_entry
from hotline.directory.search import get_index
from hotline.people import accounts as users
from hotline.people import rota, rota_grid, volunteers

PASSWORD = "correct horse battery"
HEADER = ("name,category,phone,address,city,region,country,postal_code,latitude,longitude,"
          "languages,hours,cost,description")
GOOD = "Hana Clinic,clinic,02-0000-1234,1 Main St,Seoul,,KR,04524,37.56,126.97,ko;en,24/7,free,"
BAD = "Broken,spaceship,,2 Side St,Seoul,,KR,,,,ko,,free,"
SECOND = "Mirae Shelter,shelter,,5 River Rd,Busan,,KR,,,,ko,mon-fri 09:00-18:00,free,"


@pytest.fixture()
def store(app):
    runtime = app.extensions["hotline"]
    return runtime.redis, app.extensions["hotline"].config


def csrf_of(response) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', response.get_data(as_text=True))
    assert found, "the page has no CSRF field"
    return found.group(1)


@pytest.fixture()
def staff(client, store, second_steps, client_login):
    conn, config = store
    users.add(conn, config, "boss", "staff", PASSWORD)
    second_steps.enrol("boss")
    client_login("boss", PASSWORD)
    return csrf_of(client.get("/admin/directory/"))


def upload(client, token, text, name="services.csv", **extra):
    data = {"csrf_token": token, "file": (io.BytesIO(text.encode()), name), **extra}
    return client.post("/admin/directory/upload", data=data,
                       content_type="multipart/form-data")


def test_a_volunteer_gets_403_on_every_staff_page(client, store):
    conn, config = store
    users.add(conn, config, "kim", "volunteer", PASSWORD)
    token = csrf_of(client.get("/login"))
    client.post("/login", data={"name": "kim", "password": PASSWORD, "csrf_token": token})
    for path in ("/admin/directory/", "/admin/people/", "/admin/figures/"):
        assert client.get(path).status_code == 403
    token = csrf_of(client.get("/volunteer/"))
    assert client.post("/admin/people/volunteers", data={
        "csrf_token": token, "name": "Eve", "phone": "+821055556666",
        "languages": "ko"}).status_code == 403
    assert volunteers.all_volunteers(conn, config) == []


def test_no_login_goes_to_the_login_page(client):
    response = client.get("/admin/figures/")
    assert response.status_code == 302 and "/login?next=/admin/figures/" in response.location


def test_a_csv_upload_loads_good_rows_and_lists_bad_ones_by_line(client, staff, store):
    conn, _ = store
    response = upload(client, staff, "\n".join([HEADER, GOOD, BAD, SECOND]) + "\n")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "2 건 불러옴 loaded (2 new" in page
    assert "line 3</strong>: unknown category &#39;spaceship&#39;" in page
    assert [e.name for e in find_entries(conn, "hotline:")[1]] == ["Hana Clinic", "Mirae Shelter"]


def test_an_upload_with_a_wrong_header_changes_nothing_and_says_why(client, staff, store):
    conn, _ = store
    response = upload(client, staff, "name,phone\nX,1\n")
    assert response.status_code == 400
    assert "the header must be exactly" in response.get_data(as_text=True)
    assert directory.load_entries(conn, "hotline:")[1] == []


def test_an_upload_without_the_csrf_token_is_refused(client, staff, store):
    conn, _ = store
    assert upload(client, "forged", "\n".join([HEADER, GOOD])).status_code == 400
    assert directory.load_entries(conn, "hotline:")[1] == []


def test_search_edit_and_remove_one_entry(client, staff, store):
    conn, _ = store
    upload(client, staff, "\n".join([HEADER, GOOD, SECOND]) + "\n")
    page = client.get("/admin/directory/?q=busan").get_data(as_text=True)
    assert "Mirae Shelter" in page and "Hana Clinic" not in page
    entry = find_entries(conn, "hotline:", "mirae")[1][0]
    form = client.get(f"/admin/directory/{entry.id}").get_data(as_text=True)
    assert 'value="5 River Rd"' in form

    fields = {"name": "Mirae Shelter", "category": "shelter", "phone": "",
              "address": "5 River Rd", "city": "Busan", "region": "", "country": "KR",
              "postal_code": "", "latitude": "", "longitude": "", "languages": "ko;ru",
              "hours": "bad hours", "cost": "free", "description": ""}
    refused = client.post(f"/admin/directory/{entry.id}", data={**fields, "csrf_token": staff})
    assert refused.status_code == 400 and "bad hours" in refused.get_data(as_text=True)
    assert get_entry(conn, "hotline:", entry.id).languages == ("ko",)

    fields["hours"] = "24/7"
    saved = client.post(f"/admin/directory/{entry.id}", data={**fields, "csrf_token": staff})
    assert saved.status_code == 302
    assert get_entry(conn, "hotline:", entry.id).languages == ("ko", "ru")
    index = get_index(conn, "hotline:")
    assert any(e.languages == ("ko", "ru") for e in index.entries)  # the search index follows

    removed = client.post(f"/admin/directory/{entry.id}/remove", data={"csrf_token": staff})
    assert removed.status_code == 302
    assert get_entry(conn, "hotline:", entry.id) is None
    assert [e.name for e in find_entries(conn, "hotline:")[1]] == ["Hana Clinic"]


def test_renaming_an_entry_onto_another_is_refused(store):
    conn, _ = store
    from hotline.directory.importer import read_csv

    directory.store_entries(conn, "hotline:", read_csv("\n".join([HEADER, GOOD, SECOND])).entries)
    shelter = find_entries(conn, "hotline:", "mirae")[1][0]
    clinic = find_entries(conn, "hotline:", "hana")[1][0]
    row = {"name": clinic.name, "category": "clinic", "address": clinic.address,
           "city": clinic.city, "country": "KR", "cost": "free"}
    with pytest.raises(EditError, match="same name and address"):
        update_entry(conn, "hotline:", shelter.id, row)
    assert get_entry(conn, "hotline:", shelter.id) == shelter


def test_staff_add_edit_switch_off_and_remove_a_volunteer(client, staff, store):
    conn, config = store
    bad = client.post("/admin/people/volunteers", data={
        "csrf_token": staff, "name": "Lee", "phone": "12", "languages": "ko"})
    assert bad.status_code == 400 and "not a valid phone number" in bad.get_data(as_text=True)
    client.post("/admin/people/volunteers", data={
        "csrf_token": staff, "name": "Lee", "phone": "+821033334444", "languages": "ko,en",
        "role": "volunteer"})
    lee = volunteers.find(conn, config, "Lee")
    assert lee.languages == ("ko", "en") and lee.available
    page = client.get("/admin/people/").get_data(as_text=True)
    assert "Lee" in page and "+821033334444" not in page  # numbers are masked

    client.post(f"/admin/people/volunteers/{lee.id}", data={
        "csrf_token": staff, "name": "Lee Min", "phone": "", "languages": "ru",
        "role": "staff"})
    changed = volunteers.get(conn, config, lee.id)
    assert (changed.name, changed.phone, changed.languages, changed.role) == (
        "Lee Min", "+821033334444", ("ru",), "staff")
    assert volunteers.find(conn, config, "Lee") is None
    assert volunteers.find(conn, config, "lee min").id == lee.id

    client.post(f"/admin/people/volunteers/{lee.id}/availability",
                data={"csrf_token": staff, "available": "0"})
    assert not volunteers.get(conn, config, lee.id).available
    client.post(f"/admin/people/volunteers/{lee.id}/remove", data={"csrf_token": staff})
    assert volunteers.all_volunteers(conn, config) == []



def test_staff_forms_refuse_a_language_no_script_speaks(client, staff, store):
    conn, config = store
    bad = client.post("/admin/people/volunteers", data={
        "csrf_token": staff, "name": "Lee", "phone": "+821033334444", "languages": "ko,xx"})
    assert bad.status_code == 400 and "unknown language xx" in bad.get_data(as_text=True)
    assert volunteers.all_volunteers(conn, config) == []
    client.post("/admin/people/volunteers", data={
        "csrf_token": staff, "name": "Lee", "phone": "+821033334444", "languages": "ko"})
    lee = volunteers.find(conn, config, "Lee")
    edit = client.post(f"/admin/people/volunteers/{lee.id}", data={
        "csrf_token": staff, "name": "Lee", "phone": "", "languages": "klingon"})
    assert edit.status_code == 400 and "unknown language klingon" in edit.get_data(as_text=True)
    assert volunteers.get(conn, config, lee.id).languages == ("ko",)

ROTA = """timezone: Asia/Seoul
levels:
  - name: primary
    shifts:
      - {volunteer: Kim, days: [mon, tue, wed, thu, fri, sat, sun], from: "09:00", to: "21:00"}
  - name: backup
    shifts:
      - {volunteer: Park, days: [mon, tue, wed, thu, fri, sat, sun], from: "00:00", to: "24:00"}
"""


def test_a_rota_import_lists_problems_by_line_and_keeps_the_old_rota(client, staff, store):
    conn, config = store
    volunteers.add(conn, config, "Kim", "+821011112222", ("ko",))
    volunteers.add(conn, config, "Park", "+821022223333", ("ko",))
    ok = client.post("/admin/people/rota", data={"csrf_token": staff, "text": ROTA})
    assert ok.status_code == 302 and rota.load_rota(conn, config).levels[0].name == "primary"
    broken = ROTA.replace("Park", "Nobody").replace('"00:00"', '"25:00"')
    response = client.post("/admin/people/rota", data={
        "csrf_token": staff, "file": (io.BytesIO(broken.encode()), "night.yaml")},
        content_type="multipart/form-data")
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "night.yaml:8: level backup: &#39;Nobody&#39; is not a registered volunteer" in page
    assert "night.yaml:8: level backup: from must be a time" in page
    assert rota.load_rota(conn, config).volunteers() == [
        volunteers.find(conn, config, "Kim").id, volunteers.find(conn, config, "Park").id]


def test_the_rota_grid_marks_hours_with_nobody_to_page_in_red(client, staff, store):
    conn, config = store
    kim = volunteers.add(conn, config, "Kim", "+821011112222", ("ko",))
    volunteers.add(conn, config, "Park", "+821022223333", ("ko",))
    rota.import_rota(conn, config, ROTA, "r.yaml", 0, rota.resolver(conn, config))
    page = client.get("/admin/people/").get_data(as_text=True)
    for day in rota.DAYS:
        assert f"{day} 00:00-09:00" in page and f"{day} 21:00-24:00" in page
    cells = re.findall(r'<td class="(gap|on)" data-day="mon" data-hour="(\d+)"', page)
    assert [int(h) for c, h in cells if c == "gap"][:9] == list(range(9))
    assert len(cells) == 48  # two levels x 24 hours on Monday
    assert "No gaps this week" in page  # the backup level covers every hour

    volunteers.set_available(conn, config, kim.id, False)  # Kim OFF: the day is a gap too
    grids = rota_grid.level_grids(rota.load_rota(conn, config), 1_800_000_000,
                                  rota.availability(conn, config))
    assert grids[0].gaps[0] == "mon 00:00-24:00"
    assert grids[0].rows[10][0].off == [kim.id]


def test_a_shift_starting_at_half_past_leaves_that_hour_red():
    text = ROTA.replace('from: "09:00"', 'from: "09:30"')
    parsed = rota.parse_rota(text)
    grid = rota_grid.level_grids(parsed, 1_800_000_000, lambda v: True)[0]
    assert grid.rows[9][2].gap and grid.rows[9][2].people == ["Kim"]
    assert not grid.rows[10][2].gap


def test_figures_show_counts_as_inline_svg_with_no_numbers(client, staff, store, clock):
    conn, config = store
    now = clock()
    stats.count_contact(conn, config, now, "sms", "ko")
    stats.count_contact(conn, config, now, "sms", "ko")
    stats.count_contact(conn, config, now, "sms", "ru")
    stats.count_contact(conn, config, now, "voice", "ko")
    stats.count(conn, config, now, {"callback_created": 1, "missed_call": 1},
                {"callback_wait": 600})
    stats.count(conn, config, now, {"urgent_created": 1, "urgent_acked": 1},
                {"urgent_ack": 90})
    stats.count_opt_out(conn, config, now)
    from hotline.callbacks import queue as callbacks

    callbacks.create(conn, config, "+821099998888", language="ko", topic="clinic", now=now)
    response = client.get("/admin/figures/")
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "<svg" in page and "<script" not in page
    today = stats.day_of(config, now)
    assert f'data-day="{today}" data-series="ko 한국어" data-value="2"' in page
    assert f'data-day="{today}" data-series="ru 러시아어" data-value="1"' in page
    assert 'id="waiting-count">1<' in page
    assert f'data-day="{today}" data-series="median" data-value="10"' in page  # 600 s
    assert f'data-day="{today}" data-series="median" data-value="1.5"' in page  # 90 s
    assert f'data-day="{today}" data-series="opt-outs" data-value="1"' in page
    assert f'data-day="{today}" data-series="missed calls" data-value="1"' in page
    assert "9998" not in page and "+8210" not in page
    assert client.get("/admin/figures/?days=30").get_data(as_text=True).count(
        'data-series="requests"') == 1


def test_staff_menu_links_to_the_staff_pages(client, staff):
    page = client.get("/volunteer/").get_data(as_text=True)
    for path in ("/admin/directory/", "/admin/people/", "/admin/figures/"):
        assert f'href="{path}"' in page


HSDS = pathlib.Path(__file__).parents[1] / "directory" / "hsds"


def upload_bytes(client, token, data: bytes, name: str, **extra):
    form = {"csrf_token": token, "file": (io.BytesIO(data), name), **extra}
    return client.post("/admin/directory/upload", data=form, content_type="multipart/form-data")


def test_staff_upload_hsds_json_and_a_zip_and_see_warnings_and_each_source(client, staff,
                                                                          store):
    import html
    import zipfile

    conn, _ = store
    example = (HSDS / "service_full.json").read_bytes()
    refused = html.unescape(upload_bytes(client, staff, example, "partner.json")
                            .get_data(as_text=True))
    assert 'service ac148810-d857-441c-9679-408f346de14b "Community Counselling"' in refused
    assert "--category" in refused and directory.load_entries(conn, "hotline:")[1] == []

    page = upload_bytes(client, staff, example, "partner.json", category="mental_health")
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and 'id="warnings"' in text
    assert "latitude/longitude: 100,101" in text

    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as handle:
        for file in (HSDS / "tabular").iterdir():
            handle.write(file, file.name)
    zipped = upload_bytes(client, staff, archive.getvalue(), "tables.zip")
    assert zipped.status_code == 200, zipped.get_data(as_text=True)
    assert "1 건 거부 rejected" in zipped.get_data(as_text=True)  # counselling: no category
    upload(client, staff, "\n".join([HEADER, GOOD]) + "\n", name="ours.csv")
    listing = client.get("/admin/directory/").get_data(as_text=True)
    sources = re.findall(r"Source: ([^<]+)</div>", listing)
    assert sorted(sources) == ["ours.csv", "partner.json", "tables.zip"]


def test_an_edit_keeps_the_entry_source_and_other_language_name(client, staff, store):
    conn, _ = store
    upload_bytes(client, staff, (HSDS / "service_full.json").read_bytes(), "partner.json",
                 category="mental_health")
    (entry,) = directory.load_entries(conn, "hotline:")[1]
    row = dict(as_row(entry), description="edited")
    saved = update_entry(conn, "hotline:", entry.id, row)
    assert (saved.source, saved.alternate_name) == ("partner.json", "MyCity Counselling Services")
