"""A volunteer in a real browser: the queue, take next (a bridged call), an outcome, an
urgent case that appears by itself and is acknowledged, ON/OFF; at 360 and 1280 px."""

import html
import re
from datetime import datetime

import pytest
from playwright.sync_api import expect

from hotline.callbacks import queue as callbacks
from hotline.callbacks.queue import Status
from hotline.people import rota, volunteers
from hotline.telephony import read_outbox
from hotline.urgent import cases as urgent

pytestmark = pytest.mark.browser  # headless Chromium (tests/web/browser/conftest.py)

KIM_PHONE = "+821011112222"
CALLER = "+821099998888"
POLL_MS = 3_000  # the urgent pages poll every 3 s (data-every="3")
ALWAYS = """timezone: Asia/Seoul
levels:
  - name: primary
    shifts:
      - {volunteer: Kim, days: [mon, tue, wed, thu, fri, sat, sun], from: "00:00", to: "24:00"}
"""


def fits_a_phone(page) -> int:
    """The page's width at a 360 px viewport (nothing may stick out)."""
    page.set_viewport_size({"width": 360, "height": 800})
    width = page.evaluate("document.documentElement.scrollWidth")
    page.set_viewport_size({"width": 1280, "height": 800})
    return width


def kim(app, make_user):
    runtime = app.extensions["hotline"]
    conn, config = runtime.redis, app.extensions["hotline"].config
    volunteer = volunteers.add(conn, config, "Kim", KIM_PHONE, ("ko",))
    make_user("kim")
    return conn, config, volunteer


def test_a_volunteer_takes_a_callback_and_records_the_outcome(
        app, page, make_user, login, run_jobs, clock, signed_post, screenshots, page_weight):
    conn, config, _me = kim(app, make_user)
    rid = callbacks.create(conn, config, CALLER, language="ko", topic="clinic",
                           now=clock()).request.id
    clock.advance(20 * 60)
    callbacks.create(conn, config, "+12025550123", language="en", topic="clinic",
                     now=clock())  # not in Kim's languages: not shown to her
    login(page, "kim")
    expect(page).to_have_url("/volunteer/")
    waiting = page.locator("#waiting li")
    expect(waiting).to_have_count(1)
    expect(waiting).to_contain_text("+82 10-****-**88")
    expect(waiting).to_contain_text("병원")  # the topic
    expect(waiting).to_contain_text("보통 Normal")  # the priority, by its name
    expect(waiting).to_contain_text("20분")  # how long the caller has waited
    assert CALLER not in page.content()
    assert fits_a_phone(page) <= 360
    screenshots(page, "volunteer-queue")
    weight = page_weight("/volunteer/")
    print(f"page weight /volunteer/: {weight} bytes")  # pytest -s
    assert weight < 200_000

    page.get_by_role("button", name="Take next").click()
    expect(page.locator(".flash.ok")).to_contain_text(f"요청 {rid}")
    run_jobs()
    calls = [m for m in read_outbox(config.data_dir) if m["kind"] == "call"]
    assert [c["to"] for c in calls] == [KIM_PHONE]  # the hotline rings Kim, not the caller
    assert CALLER not in calls[0]["twiml"]
    action = html.unescape(re.search(r'action="([^"]+)"', calls[0]["twiml"]).group(1))
    bridged = signed_post(action.removeprefix(config.public_url),
                          {"CallSid": "CA1", "Digits": "1", "To": KIM_PHONE})
    assert f"<Number>{CALLER}</Number>" in bridged.get_data(as_text=True)  # Kim presses 1

    mine = page.locator("#my-calls li")
    expect(mine).to_have_count(1)
    screenshots(page, "volunteer-my-call")
    mine.get_by_label("Note").fill("병원 안내함")
    mine.get_by_role("button", name="Done").click()
    expect(page.locator(".flash.ok")).to_contain_text("완료 Done")
    expect(page.locator("#my-calls")).to_have_count(0)
    closed = callbacks.get(conn, config, rid)
    assert closed.status == Status.DONE


@pytest.mark.parametrize(("button", "status"), [
    ("Call again later", Status.LATER), ("No answer", Status.LATER),
    ("Wrong number", Status.WRONG_NUMBER)])
def test_the_other_outcomes(app, page, make_user, login, clock, button, status):
    conn, config, _me = kim(app, make_user)
    rid = callbacks.create(conn, config, CALLER, language="ko", topic="clinic",
                           now=clock()).request.id
    login(page, "kim")
    page.get_by_role("button", name="Take next").click()
    page.locator("#my-calls").get_by_label("Note").fill("short note")
    page.locator("#my-calls").get_by_role("button", name=button).click()
    expect(page.locator(".flash.ok")).to_contain_text(button)
    expect(page.locator("#my-calls")).to_have_count(0)
    after = callbacks.get(conn, config, rid)
    assert after.status == status
    if status == Status.WRONG_NUMBER:
        assert callbacks.number_of(conn, config, rid) is None  # the number is deleted


def test_off_and_on_from_the_page(app, page, make_user, login):
    conn, config, me = kim(app, make_user)
    login(page, "kim")
    page.get_by_role("button", name="Go off").click()
    expect(page.locator("#availability-state")).to_have_text("쉬는 중 Off")
    assert not volunteers.get(conn, config, me.id).available
    page.get_by_role("button", name="Go on").click()
    expect(page.locator("#availability-state")).to_have_text("요청 받는 중 On")
    assert volunteers.get(conn, config, me.id).available


@pytest.mark.slow
def test_an_urgent_case_appears_by_itself_and_ack_does_what_sms_ack_does(
        app, page, make_user, login, run_jobs, clock, signed_post, screenshots, page_weight):
    conn, config, me = kim(app, make_user)
    rota.import_rota(conn, config, ALWAYS, "rota.yaml", clock(), rota.resolver(conn, config))
    page.clock.install()  # the page's timers: the test moves them on instead of waiting
    login(page, "kim")
    page.goto("/volunteer/urgent")
    expect(page.locator("#cases")).to_contain_text("No open urgent cases")
    page.evaluate("window.stillTheSamePage = true")

    sms = signed_post("/twilio/sms", {"From": CALLER, "To": "+15550100", "MessageSid": "SM9",
                                      "Body": "숨을 못 쉬겠어요 살려주세요"})
    assert sms.status_code == 200
    run_jobs()  # level 1 is paged: Kim's phone gets the SMS
    case = urgent.recent(conn, config)[0]
    pages = [m for m in read_outbox(config.data_dir) if m["kind"] == "sms"
             and m["to"] == KIM_PHONE]
    assert pages and case.code in pages[0]["body"]

    card = page.locator(f'li[data-case="{case.code}"]')
    page.clock.run_for(POLL_MS)
    expect(card).to_be_visible()  # the poll brought it in
    assert page.evaluate("window.stillTheSamePage") is True  # ...without a reload
    expect(card).to_contain_text("호출 중 Paging")
    card.locator("summary").click()
    expect(card.locator(".timeline")).to_contain_text("호출 Paged")
    signed_post("/twilio/sms", {"From": "+821077776666", "To": "+15550100",
                                "MessageSid": "SM10", "Body": "응급"})
    page.clock.run_for(POLL_MS)
    expect(page.locator("li[data-case]")).to_have_count(2)  # a second case polls in...
    expect(card.locator("details")).to_have_attribute("open", "")  # ...the timeline stays open
    assert CALLER not in page.content()
    assert fits_a_phone(page) <= 360
    screenshots(page, "volunteer-urgent")
    weight = page_weight("/volunteer/urgent")
    print(f"page weight /volunteer/urgent: {weight} bytes")  # pytest -s
    assert weight < 200_000

    card.get_by_role("button", name=f"ACK {case.code}").click()
    expect(page.locator(".flash.ok")).to_be_visible()
    claimed = urgent.get(conn, config, case.code)
    assert claimed.state == urgent.State.CLAIMED and claimed.acked_by == me.id
    expect(page.locator(f'li[data-case="{case.code}"] .acked')).to_contain_text("Kim")
    run_jobs()  # as after SMS ACK: the hotline rings Kim to bridge her to the caller
    calls = [m for m in read_outbox(config.data_dir) if m["kind"] == "call"]
    assert [c["to"] for c in calls] == [KIM_PHONE]


@pytest.mark.slow
def test_the_queue_page_shows_a_new_urgent_case_by_itself(app, page, make_user, login,
                                                          signed_post):
    kim(app, make_user)
    page.clock.install()
    login(page, "kim")
    expect(page.locator("#urgent-banner")).to_have_count(0)
    page.evaluate("window.stillTheSamePage = true")
    signed_post("/twilio/sms", {"From": CALLER, "To": "+15550100", "MessageSid": "SM11",
                                "Body": "살려주세요"})
    page.clock.run_for(POLL_MS)
    expect(page.locator("#urgent-banner")).to_contain_text("긴급 1건")
    assert page.evaluate("window.stillTheSamePage") is True
    page.locator("#urgent-banner a").click()
    expect(page).to_have_url("/volunteer/urgent")
    expect(page.locator("li[data-case]")).to_have_count(1)


def test_a_volunteer_sets_leave_on_the_page_and_is_not_paged_then(
        app, page, make_user, login, clock):
    conn, config, me = kim(app, make_user)
    rota.import_rota(conn, config, ALWAYS, "rota.yaml", clock(), rota.resolver(conn, config))
    login(page, "kim")
    form = page.locator("#leave")
    form.get_by_label("Leave from").fill("2027-02-01")
    form.get_by_label("to").fill("2027-02-03")
    form.get_by_role("button", name="Set leave").click()
    expect(page.locator(".flash.ok")).to_have_text(
        "2027-02-01부터 2027-02-03까지 쉬는 날로 적었어요. 그동안 호출하지 않아요.")
    seoul = datetime.fromisoformat("2027-02-02T12:00:00+09:00").timestamp()
    assert rota.current(conn, config, seoul)[0].volunteers == ()
    after = datetime.fromisoformat("2027-02-04T00:30:00+09:00").timestamp()
    assert rota.current(conn, config, after)[0].volunteers == (me.id,)
    form.get_by_label("Leave from").fill("2027-02-05")
    form.get_by_label("to").fill("2027-02-04")
    form.get_by_role("button", name="Set leave").click()
    expect(page.locator(".flash.error")).to_contain_text("예: 휴가 12-10 12-12")
