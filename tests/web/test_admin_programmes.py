"""Staff page for programmes: a caller joins by SMS through the real webhooks; staff see
the seat (number masked), mark attendance, and the totals count it."""

from __future__ import annotations

import os

import pytest

from hotline.people import accounts as users
from hotline.privacy.vault import new_key
from hotline.programmes import model, store
from hotline.transcripts.phone import AppTransport, Phone
from tests.conftest import AUTH_TOKEN, PUBLIC_URL, SCRIPTS_DIR
from tests.web.test_admin_pages import PASSWORD, csrf_of

CALLER = "+821012345678"
JAN_4_10_KST = 1_799_024_400.0


@pytest.fixture()
def app_config(app_config, tmp_path):
    return {**app_config, "ENCRYPTION_KEY": new_key(), "DATA_DIR": str(tmp_path)}


@pytest.fixture()
def joined(app, clock):
    """The sample programmes, and a caller who joined counselling on Jan 11 by SMS."""
    clock.now = JAN_4_10_KST
    runtime = app.extensions["hotline"]
    store.save(runtime.redis, runtime.config,
               model.read_file(os.path.join(SCRIPTS_DIR, "programmes.sample.yaml")))
    phone = Phone(AppTransport(app), PUBLIC_URL, AUTH_TOKEN, number=CALLER,
                  hotline_number="+15005550006")
    for text in ("안녕", "1", "5", "2"):
        phone.text(text)
    assert "신청됐어요" in phone.text("1").text
    return runtime


@pytest.fixture()
def staff(client, joined, second_steps, client_login):
    users.add(joined.redis, joined.config, "boss", "staff", PASSWORD)
    second_steps.enrol("boss")  # staff log in with their second step
    client_login("boss", PASSWORD)
    return client


def test_staff_see_seats_masked_mark_attendance_and_the_totals_count_it(staff):
    index = staff.get("/admin/programmes/").get_data(as_text=True)
    assert 'data-session="jan-11"' in index and '<td class="taken">1/2</td>' in index
    assert "신청 sign-ups 1 ·" in index
    page = staff.get("/admin/programmes/counselling/jan-11").get_data(as_text=True)
    assert "+82 10-****-**78" in page
    assert "12345678" not in page and "1234-5678" not in page
    signup = page.split('data-signup="')[1].split('"')[0]
    done = staff.post("/admin/programmes/counselling/jan-11/attendance",
                      data={"csrf_token": csrf_of(staff.get("/admin/programmes/counselling/jan-11")),
                            "signup": signup, "mark": "missed"}, follow_redirects=True)
    assert '<span class="mark">missed</span>' in done.get_data(as_text=True)
    token = csrf_of(staff.get("/admin/programmes/counselling/jan-11"))
    staff.post("/admin/programmes/counselling/jan-11/attendance",
               data={"csrf_token": token, "signup": signup, "mark": "attended"})
    index = staff.get("/admin/programmes/").get_data(as_text=True)
    assert "참석 attended 1 · 불참 missed 0" in index  # the second mark replaced the first


def test_attendance_needs_staff_and_a_csrf_token(client, joined):
    assert client.get("/admin/programmes/").status_code in (302, 401)
    users.add(joined.redis, joined.config, "kim", "volunteer", PASSWORD)
    token = csrf_of(client.get("/login"))
    client.post("/login", data={"name": "kim", "password": PASSWORD, "csrf_token": token})
    assert client.get("/admin/programmes/").status_code == 403
    assert client.post("/admin/programmes/counselling/jan-11/attendance",
                       data={"signup": "x", "mark": "attended"}).status_code in (400, 403)


def test_the_figures_page_counts_sign_ups_attendance_and_drop_out_per_programme(staff):
    page = staff.get("/admin/programmes/counselling/jan-11").get_data(as_text=True)
    signup = page.split('data-signup="')[1].split('"')[0]
    staff.post("/admin/programmes/counselling/jan-11/attendance",
               data={"csrf_token": csrf_of(staff.get("/admin/programmes/counselling/jan-11")),
                     "signup": signup, "mark": "missed"})
    figures = staff.get("/admin/figures/").get_data(as_text=True)
    row = figures.split('<tr data-programme="counselling">')[1].split("</tr>")[0]
    assert '<td class="signups">1</td>' in row and '<td class="missed">1</td>' in row
    assert '<td class="attended">0</td>' in row and '<td class="dropped">1</td>' in row
    assert '<tr data-programme="checkup-la">' in figures
    assert "1234" not in figures and "5678" not in figures  # counts only, never a number


def test_a_caller_asks_to_be_called_about_a_programme_and_volunteers_see_which(staff, joined):
    phone = Phone(AppTransport(staff.application),
                  PUBLIC_URL, AUTH_TOKEN, number="+821012340077", hotline_number="+15005550006")
    for text in ("안녕", "1", "5"):
        phone.text(text)
    assert "9 전화로 안내받기" in phone.text("1").text  # the check-up's dates, and key 9
    assert "요청을 받았어요" in phone.text("9").text
    from hotline.callbacks import queue as callbacks

    (request,) = callbacks.all_requests(joined.redis, joined.config)
    assert (request.topic, request.about) == ("programme", "checkup-la")
    queue = staff.get("/volunteer/").get_data(as_text=True)
    assert "건강 지원 · checkup-la" in queue
    assert "12340077" not in queue


def test_marking_a_caller_missed_on_the_page_queues_one_follow_up(staff, joined, clock):
    from rq.registry import ScheduledJobRegistry

    from hotline import jobs

    clock.now = 1_799_650_800.0  # 2027-01-11T16:00+09:00, after the session
    page = staff.get("/admin/programmes/counselling/jan-11").get_data(as_text=True)
    signup = page.split('data-signup="')[1].split('"')[0]
    for mark in ("missed", "attended", "missed"):
        staff.post("/admin/programmes/counselling/jan-11/attendance",
                   data={"csrf_token": csrf_of(staff.get("/admin/programmes/counselling/jan-11")),
                         "signup": signup, "mark": mark})
    queued = [j for j in ScheduledJobRegistry(jobs.DEFAULT, connection=joined.redis)
              .get_job_ids() if j.endswith("-missed")]
    assert queued == [f"progrem-{signup}-missed"]


def _form(client, path):
    return {"csrf_token": csrf_of(client.get(path))}


def test_staff_create_a_programme_on_the_page_and_problems_are_shown_on_it(staff, joined):
    data = {**_form(staff, "/admin/programmes/new"), "id": "teeth", "kind": "course",
            "name_ko": "치아 건강", "name_en": "Healthy teeth", "reminder_ko": "건강 교육",
            "reminder_en": "your class",
            "session_id": ["feb-01", ""], "date": ["2027-02-01", ""], "time": ["10:00", ""],
            "timezone": ["Asia/Seoul", "Asia/Seoul"], "place": ["서울", ""],
            "capacity": ["8", ""]}
    bad = staff.post("/admin/programmes/new", data={
        **data, "kind": "party", "name_ko": "북한 이탈주민 모임", "timezone": ["Mars/Base", ""]})
    page = bad.get_data(as_text=True)
    assert bad.status_code == 400 and 'id="problems"' in page
    assert "kind must be one of" in page and "unknown timezone" in page
    assert store.get(joined.redis, joined.config, "teeth") is None
    assert 'value="Healthy teeth"' in page  # what staff typed stays on the form
    neutral = staff.post("/admin/programmes/new", data={
        **data, "csrf_token": csrf_of(staff.get("/admin/programmes/new")),
        "name_ko": "북한 모임"}).get_data(as_text=True)
    assert "is not neutral" in neutral

    data["csrf_token"] = csrf_of(staff.get("/admin/programmes/new"))
    done = staff.post("/admin/programmes/new", data=data, follow_redirects=True)
    assert "Saved: teeth." in done.get_data(as_text=True)
    saved = store.get(joined.redis, joined.config, "teeth")
    assert (saved.kind, saved.name["en"], saved.reminder["ko"]) == (
        "course", "Healthy teeth", "건강 교육")
    assert [(s.id, s.date, s.time, s.place, s.capacity) for s in saved.sessions] == [
        ("feb-01", "2027-02-01", "10:00", "서울", 8)]
    again = staff.post("/admin/programmes/new", data={
        **data, "csrf_token": csrf_of(staff.get("/admin/programmes/new"))})
    assert again.status_code == 400 and "teeth is taken" in again.get_data(as_text=True)


def test_staff_edit_a_session_and_the_signed_up_caller_hears_of_it_once(staff, joined):
    from hotline.programmes import changes

    page = staff.get("/admin/programmes/edit/counselling").get_data(as_text=True)
    assert 'value="2027-01-11"' in page and 'value="무료 상담"' in page
    programme = store.get(joined.redis, joined.config, "counselling")
    rows = [(s.id, s.date, s.time, s.timezone, s.place, str(s.capacity))
            for s in programme.sessions]
    rows[0] = ("jan-11", "2027-01-12", "15:00", "Asia/Seoul", "by phone", "2")
    data = {"csrf_token": csrf_of(staff.get("/admin/programmes/edit/counselling")),
            "id": "something-else", "kind": "counselling", "name_ko": "무료 상담",
            "name_en": "Free counselling", "reminder_ko": "상담", "reminder_en": "your talk",
            **{field: [r[i] for r in rows] for i, field in enumerate(
                ("session_id", "date", "time", "timezone", "place", "capacity"))}}
    done = staff.post("/admin/programmes/edit/counselling", data=data, follow_redirects=True)
    assert "Saved: counselling. 1 callers told" in done.get_data(as_text=True)
    moved = store.get(joined.redis, joined.config, "counselling").session("jan-11")
    assert (moved.date, moved.time) == ("2027-01-12", "15:00")
    assert store.get(joined.redis, joined.config, "something-else") is None  # id kept
    assert changes.digest(moved) != changes.digest(programme.session("jan-11"))
