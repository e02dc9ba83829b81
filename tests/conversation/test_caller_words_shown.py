"""Who reads a caller's words, and how: need to know on the volunteer pages; numbers the
caller typed are masked and hidden characters removed in pages, relayed texts and the web.

Through the real app (signed Twilio posts, logged-in test clients), a real RQ worker and
the outbox, on the run's Redis database.
"""

from __future__ import annotations

import re
import unicodedata

import pytest
from rq import SimpleWorker

from hotline import job_context as context
from hotline import jobs
from hotline.people import accounts as users
from hotline.people import rota, volunteers
from hotline.privacy.redact import for_volunteers, mask_numbers, strip_controls
from hotline.privacy.vault import new_key
from hotline.telephony import read_outbox

PASSWORD = "correct horse battery"
CALLER = "+821099998888"
KIM_PHONE = "+821011112222"  # on call: paged for every case
LEE_PHONE = "+821033334444"  # a volunteer, not on the rota: never paged
ALWAYS = """timezone: Asia/Seoul
levels:
  - name: primary
    shifts:
      - {volunteer: Kim, days: [mon, tue, wed, thu, fri, sat, sun], from: "00:00", to: "24:00"}
"""
WORDS = "살려주세요 제 번호 010-1234-5605"
MASKED = "+82 10-****-**05"
HIDDEN = ("\x00", "\x07", "\x1b", "\x9b", "\u202e", "\u202d", "\u2066", "\u2069", "\u200e",
          "\u200f", "\u061c")


@pytest.fixture()
def app_config(app_config, tmp_path):
    return {**app_config, "DATA_DIR": str(tmp_path), "ENCRYPTION_KEY": new_key()}


@pytest.fixture()
def hotline(app, clock, second_steps):
    """Kim on call, Lee a volunteer off the rota, an account for each and one for staff
    (with the second step staff must have)."""
    runtime = app.extensions["hotline"]
    conn, config = runtime.redis, app.extensions["hotline"].config
    volunteers.add(conn, config, "Kim", KIM_PHONE, ("ko",))
    volunteers.add(conn, config, "Lee", LEE_PHONE, ("ko",))
    for name, role in (("kim", "volunteer"), ("lee", "volunteer"), ("boss", "staff")):
        users.add(conn, config, name, role, PASSWORD, volunteer=name.title()
                  if role == "volunteer" else None)
    second_steps.enrol("boss")
    rota.import_rota(conn, config, ALWAYS, "rota.yaml", clock(), rota.resolver(conn, config))
    context.configure(config, clock=clock)
    yield conn, config
    context.configure({})


def run_jobs(conn):
    SimpleWorker(list(jobs.QUEUES), connection=conn).work(burst=True)


def sms_to(config, phone):
    return [e["body"] for e in read_outbox(config.data_dir)
            if e["kind"] == "sms" and e["to"] == phone]


def logged_in(app, name, steps=None):
    """A test client logged in as `name` (with `steps`: second_steps, its second step)."""
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    client.post("/login", data={"name": name, "password": PASSWORD, "csrf_token": token})
    if steps is not None:
        page = client.get("/login/code").get_data(as_text=True)
        token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
        client.post("/login/code", data={"code": steps.code(name), "csrf_token": token})
    return client


def caller_writes(signed_post, body, sid):
    response = signed_post("/twilio/sms", {"From": CALLER, "To": "+15550100",
                                           "MessageSid": sid, "Body": body})
    assert response.status_code == 200


def open_case(hotline, signed_post):
    conn, config = hotline
    caller_writes(signed_post, WORDS, "SM1")
    run_jobs(conn)  # level 1: Kim is paged
    pages = sms_to(config, KIM_PHONE)
    assert len(pages) == 1
    return re.search(r"(?:URGENT|긴급) (\w+) ", pages[0]).group(1)


def ack_button(code):
    return f"ACK {code}</button>"


def test_a_volunteer_who_was_not_paged_sees_the_case_and_its_state_but_not_its_words(
        app, hotline, signed_post):
    code = open_case(hotline, signed_post)
    lee = logged_in(app, "lee")
    for path in ("/volunteer/urgent/cases", "/volunteer/urgent"):
        page = lee.get(path).get_data(as_text=True)
        assert f'data-case="{code}"' in page and "호출 중 Paging" in page
        assert "살려주세요" not in page and "****" not in page and "5605" not in page
        assert ack_button(code) not in page and "/ack" not in page
    queue = lee.get("/volunteer/").get_data(as_text=True)
    assert "긴급 1건" in queue  # the queue page says a case waits...
    assert "살려주세요" not in queue and "5605" not in queue  # ...not what the caller wrote


def test_the_paged_volunteer_and_staff_see_the_words_with_the_typed_number_masked(
        app, hotline, signed_post, second_steps):
    code = open_case(hotline, signed_post)
    kim = logged_in(app, "kim")
    for path in ("/volunteer/urgent/cases", "/volunteer/urgent"):
        page = kim.get(path).get_data(as_text=True)
        assert f"살려주세요 제 번호 {MASKED}" in page
        assert "1234-5605" not in page and "01012345605" not in page
        assert ack_button(code) in page
    boss = logged_in(app, "boss", second_steps).get("/volunteer/urgent/cases").get_data(
        as_text=True)
    assert f"살려주세요 제 번호 {MASKED}" in boss and "1234-5605" not in boss
    assert ack_button(code) not in boss  # staff read it; only the paged can ACK
    # each reader is in the access log once (the page polls: not once a poll), by case code
    from hotline.people import access_log

    conn, config = hotline
    assert sorted((e.who, e.action, e.target) for e in access_log.entries(conn, config)) == [
        ("boss", "case_words_opened", code), ("kim", "case_words_opened", code)]


def test_the_page_sms_masks_a_number_typed_in_the_words(app, hotline, signed_post):
    _, config = hotline
    code = open_case(hotline, signed_post)
    page = sms_to(config, KIM_PHONE)[0]
    assert page == f"긴급 {code} ko: '살려주세요 제 번호 {MASKED}' 맡으려면 확인 {code}"


def test_relayed_texts_have_numbers_masked_and_no_control_or_bidi_characters(
        app, hotline, signed_post):
    conn, config = hotline
    code = open_case(hotline, signed_post)
    # before anyone acknowledged: the text is held, then passed on with the ACK
    caller_writes(signed_post, "서울역\x00 \u202e3번 출구\u202c 010\u200e-9876-5432\x07", "SM2")
    kim = logged_in(app, "kim")
    page = kim.get("/volunteer/urgent").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    kim.post(f"/volunteer/urgent/{code}/ack", data={"csrf_token": token})
    # after: straight through
    caller_writes(signed_post, "\u2066지금\u2069 \x1b[2J집 앞 (전화 1 (202) 555-0123)\x9b", "SM3")
    run_jobs(conn)
    relayed = [body for body in sms_to(config, KIM_PHONE) if body.startswith(f"{code}: ")]
    assert relayed == [f"{code}: 서울역 3번 출구 +82 10-****-**32",
                       f"{code}: 지금 [2J집 앞 (전화 +1 202-***-**23)"]
    for body in relayed:
        assert not [c for c in body if c in HIDDEN or unicodedata.category(c) in ("Cc", "Cf")]


def test_numbers_in_words_are_masked_but_codes_times_postal_codes_and_dates_stay():
    assert mask_numbers("제 번호 010-1234-5605 입니다") == f"제 번호 {MASKED} 입니다"
    assert mask_numbers("01012345605") == MASKED
    assert mask_numbers("call (202) 555-0123") == "call +1 202-***-**23"
    assert mask_numbers("我的电话13812345678") == "我的电话+86 138 **** **78"
    assert mask_numbers("+7 912 345-67-89") == "+7 912 ***-**-89"
    assert mask_numbers("８９１２３４５６７８９") == "+7 912 ***-**-89"  # full-width digits
    assert mask_numbers("번호 010 1234 56") == "번호 ****-56"  # cut short: a digit run
    assert mask_numbers("010 - 1234 - 5605 뒤") == f"{MASKED} 뒤"
    assert mask_numbers("우편 04524 010 1234 56") == "우편 04524 ****-56"  # apart
    kept = "K7Q 14:30 우편 04524 2026-11-25 3번 출구 1,000,000원"
    assert mask_numbers(kept) == kept
    assert mask_numbers(mask_numbers(WORDS)) == mask_numbers(WORDS)  # masking twice is once


def test_control_and_bidi_characters_are_stripped_and_newlines_kept():
    assert strip_controls("a\x00b\u202ec\u202dd\u2066e\u2069f\u200eg\u200fh\u061ci\x85j") == (
        "abcdefgh" + "i j")
    assert strip_controls("한 줄\n두 줄\t끝\u2028") == "한 줄\n두 줄 끝\n"
    assert for_volunteers("010\u202e-1234-5605\x00") == MASKED  # stripped before masking
