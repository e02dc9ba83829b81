"""A volunteer listens to a caller's voice message and reads the caller's history in a real
browser; staff set the outcome codes. The audio comes from the local Twilio API stand-in,
through the hotline, behind login."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from hotline.callbacks import history, voicemail
from hotline.callbacks import queue as callbacks
from hotline.callbacks.outcomes import Outcome, record
from hotline.people import volunteers
from tests.twilio_api_stub import TwilioApiStub

pytestmark = pytest.mark.browser  # headless Chromium (tests/web/browser/conftest.py)

CALLER = "+821099998888"
SID = "RE" + "e" * 32
AUDIO = b"ID3\x03\x00fake-mp3-audio" * 200


@pytest.fixture()
def stub():
    server = TwilioApiStub().start()
    yield server
    server.stop()


@pytest.fixture()
def app_config(app_config, stub):
    return {**app_config, "TWILIO_ACCOUNT_SID": "AC" + "2" * 32, "TWILIO_API_URL": stub.url}


@pytest.fixture()
def taken(app, make_user, stub, clock):
    """Kim closed this caller's first request (code `referred`, a note); the caller then
    left a voice message, and Kim has taken that request now."""
    runtime = app.extensions["hotline"]
    conn, config = runtime.redis, runtime.config
    kim = volunteers.add(conn, config, "Kim", "+821011112222", ("ko",))
    make_user("kim", volunteer="Kim")
    first = callbacks.create(conn, config, CALLER, language="ko", topic="clinic",
                             now=clock() - 3 * 86400).request
    callbacks.take_next(conn, config, ["ko"], kim.id, clock() - 3 * 86400)
    record(conn, config, kim, first.id, Outcome.DONE, clock() - 3 * 86400,
           note="강남 병원 두 곳 안내함", disposition="referred")
    stub.recordings[SID] = AUDIO
    rid = voicemail.left(conn, config, number=CALLER, call_sid="CA" + "3" * 32,
                         recording_sid=SID, seconds=42, topic="counselling", language="ko",
                         rid="", now=clock())
    callbacks.take_next(conn, config, ["ko"], kim.id, clock())
    return conn, config, kim, first.id, rid


def test_the_volunteer_listens_to_the_message_and_reads_the_history(
        app, taken, page, login, live_server, browser, make_user, screenshots):
    conn, config, _kim, _first_id, rid = taken
    login(page, "kim")
    page.goto("/volunteer/")
    row = page.locator(f"#my-calls li[data-request='{rid}']")
    audio = row.locator("audio")
    expect(audio).to_have_count(1)
    expect(row.locator(".voice-message")).to_contain_text("42s")
    src = audio.get_attribute("src")
    assert src == f"/volunteer/requests/{rid}/message"
    heard = page.request.get(src)
    assert heard.status == 200 and heard.headers["content-type"] == "audio/mpeg"
    assert heard.body() == AUDIO  # streamed through the hotline from the API stand-in
    assert "api.twilio.com" not in page.content() and SID not in page.content()

    earlier = row.locator("details.history tbody tr")
    expect(earlier).to_have_count(1)
    expect(earlier).to_contain_text("병원")  # the topic
    expect(earlier).to_contain_text("Done")
    expect(earlier).to_contain_text("기관 안내 Referred")  # the outcome code's label
    expect(earlier).to_contain_text("강남 병원 두 곳 안내함")  # the note, opened
    assert "9999" not in page.content() and "99998888" not in page.content()  # no number
    screenshots(page, "volunteer-voice-message")
    page.set_viewport_size({"width": 360, "height": 800})
    assert page.evaluate("document.documentElement.scrollWidth") <= 360  # fits a phone
    page.set_viewport_size({"width": 1280, "height": 800})

    # Logged out: the audio is not served, the login page is.
    stranger = browser.new_context(base_url=live_server.url)
    refused = stranger.request.get(src, max_redirects=0)
    assert refused.status == 302 and "/login" in refused.headers["location"]
    stranger.close()
    # Another volunteer, logged in: 403.
    volunteers.add(conn, config, "Lee", "+821011113333", ("ko",))
    make_user("lee", volunteer="Lee")
    other = browser.new_context(base_url=live_server.url)
    other_page = other.new_page()
    login(other_page, "lee")
    assert other_page.request.get(src).status == 403
    other.close()


def test_closing_with_a_code_and_a_note_and_delete_removes_the_history(
        app, taken, page, login, signed_post, clock):
    conn, config, _kim, first_id, rid = taken
    login(page, "kim")
    page.goto("/volunteer/")
    row = page.locator(f"#my-calls li[data-request='{rid}']")
    row.get_by_label("결과 코드 Outcome code").select_option("follow_up")
    row.get_by_label("메모 Note (optional)").fill("다음 주에 다시 전화")
    row.get_by_role("button", name="완료 Done").click()
    expect(page.locator(".flash, .flashes, [role=status]").first).to_contain_text(rid)
    # Closed: the message is no longer played to the volunteer (and is being deleted).
    assert page.request.get(f"/volunteer/requests/{rid}/message").status == 403
    req = callbacks.get(conn, config, rid)
    entries = history.of_caller(conn, config, req.caller, clock())
    assert [(e.ref, e.disposition, e.note) for e in entries] == [
        (rid, "follow_up", "다음 주에 다시 전화"), (first_id, "referred", "강남 병원 두 곳 안내함")]

    # The caller sends DELETE: the history goes with everything else.
    signed_post("/twilio/sms", {"From": CALLER, "To": "+15005550006", "Body": "삭제",
                                "MessageSid": "SM" + "9" * 32})
    assert history.of_caller(conn, config, req.caller, clock()) == []


def test_staff_set_the_outcome_codes_a_volunteer_picks_from(app, taken, page, browser,
                                                            live_server, login, make_user):
    make_user("boss", role="staff")
    login(page, "boss")
    page.goto("/admin/dispositions/")
    expect(page.locator("#codes tbody tr")).to_have_count(4)  # the defaults
    box = page.locator("textarea[name=codes]")
    box.fill("housing: 잠자리 찾음 Found housing\nbad line without a colon")
    page.get_by_role("button", name="저장 Save").click()
    expect(page.locator("body")).to_contain_text("line 2")
    box.fill("housing: 잠자리 찾음 Found housing\nmedical: 진료 받음 Saw a doctor")
    page.get_by_role("button", name="저장 Save").click()
    expect(page.locator("#codes tbody tr")).to_have_count(2)
    expect(page.locator("#codes")).to_contain_text("진료 받음 Saw a doctor")

    volunteer = browser.new_context(base_url=live_server.url)
    kim_page = volunteer.new_page()
    login(kim_page, "kim")
    kim_page.goto("/volunteer/")
    options = kim_page.locator("#my-calls select[name=disposition] option")
    expect(options).to_have_text(["-", "잠자리 찾음 Found housing", "진료 받음 Saw a doctor"])
    volunteer.close()

    # A volunteer cannot open the staff page.
    other = browser.new_context(base_url=live_server.url)
    kim_again = other.new_page()
    login(kim_again, "kim")
    assert kim_again.request.get("/admin/dispositions/").status == 403
    other.close()
