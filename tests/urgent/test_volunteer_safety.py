"""Volunteers' side of urgent cases, as a volunteer would notice it: pages and replies in
their own language, an honest answer to an ACK they may not give, refusals that look like
refusals on the web page, and escalation that reaches every volunteer who is ON however
they were registered. Real Redis, a real RQ worker, the real app and CLI."""

from __future__ import annotations

import pathlib
import re
import time
from datetime import datetime

import pytest
from click.testing import CliRunner
from rq import SimpleWorker

from hotline import job_context as context
from hotline.callbacks import queue as callbacks
from hotline.cli import main
from hotline.config import load_config
from hotline.conversation.capabilities import CapabilityContext
from hotline.engine.segments import count_segments
from hotline.jobs import QUEUES
from hotline.people import accounts as users
from hotline.people import rota, volunteers
from hotline.privacy.vault import new_key
from hotline.telephony import OutboxTransport, read_outbox
from hotline.urgent import cases as urgent
from hotline.urgent.intake import acknowledge
from tests.capabilities import urgent_capability

CALLER = "+821099998888"
KIM, SAM, PARK = "+821011110001", "+12025550123", "+821011110002"
WEDNESDAY_10_KST = datetime.fromisoformat("2026-11-25T10:00:00+09:00").timestamp()
PASSWORD = "correct horse battery"

ROTA = """\
timezone: Asia/Seoul
ack_timeout_seconds: 1
levels:
  - name: primary
    shifts:
      - {volunteer: Kim, days: [mon, tue, wed, thu, fri, sat, sun], from: "00:00", to: "24:00"}
      - {volunteer: Sam, days: [mon, tue, wed, thu, fri, sat, sun], from: "00:00", to: "24:00"}
"""


def run_worker(conn):
    SimpleWorker(list(QUEUES), connection=conn).work(burst=True, with_scheduler=True)


def sms_to(config, phone):
    return [e["body"] for e in read_outbox(config.data_dir)
            if e["kind"] == "sms" and e["to"] == phone]


def open_case(conn, config, sid="SM1", words="숨을 못 쉬겠어요 살려주세요"):
    ctx = CapabilityContext(conn, config, CALLER, urgent.caller_hash(config, CALLER), "sms",
                            "ko", message_sid=sid)
    return urgent_capability(ctx, {"language": "ko", "first_words": words,
                                   "reason": "words"})["code"]


def with_settings(config, **changes):
    """The team's settings with `changes` (settings are frozen), for the test and its jobs."""
    changed = config.replace(**changes)
    context.configure(changed, OutboxTransport(changed.data_dir), clock=changed.clock)
    return changed


@pytest.fixture()
def team(redis_conn, tmp_path):
    config = load_config({"KEY_PREFIX": "hotline:", "SECRET_KEY": "s3cret", "ENCRYPTION_KEY": new_key(),
              "DATA_DIR": str(tmp_path), "HOTLINE_NUMBER": "+15005550006",
              "PUBLIC_URL": "https://hotline.example"}, environ={})
    clock = {"now": WEDNESDAY_10_KST}
    config = config.replace(clock=lambda: clock["now"])
    context.configure(config, OutboxTransport(str(tmp_path)), clock=config.clock)
    people = {"Kim": volunteers.add(redis_conn, config, "Kim", KIM, ("ko",)),
              "Sam": volunteers.add(redis_conn, config, "Sam", SAM, ("en", "ko")),
              "Park": volunteers.add(redis_conn, config, "Park", PARK, ("ko", "en"), "staff")}
    rota.import_rota(redis_conn, config, ROTA, "rota.yaml", 0.0,
                     rota.resolver(redis_conn, config))
    yield redis_conn, config, people
    context.configure({})


# --- in the volunteer's language ------------------------------------------------------


def test_each_volunteer_is_paged_and_told_taken_in_their_first_language(team):
    conn, config, people = team
    code = open_case(conn, config)
    run_worker(conn)
    (korean,) = sms_to(config, KIM)
    (english,) = sms_to(config, SAM)
    assert korean == f"긴급 {code} ko: '숨을 못 쉬겠어요 살려주세요' 맡으려면 확인 {code}"
    assert english == f"URGENT {code} ko: '숨을 못 쉬겠어요 살려주세요' reply ACK {code}"
    assert count_segments(korean).segments == 1 and count_segments(english).segments == 1

    # Sam takes it: his answer in English, Kim's notice in Korean
    assert acknowledge(conn, config, people["Sam"], [code], WEDNESDAY_10_KST + 30) == (
        f"{code} is yours. We are calling you now; press 1 to connect.")
    run_worker(conn)
    assert sms_to(config, KIM)[-1] == f"{code} 건은 다른 분이 맡았어요. 고맙습니다."
    assert acknowledge(conn, config, people["Kim"], [code], WEDNESDAY_10_KST + 31) == (
        f"{code} 건은 다른 분이 맡았어요. 고맙습니다.")


def test_a_long_first_text_is_shortened_to_one_korean_segment(team):
    conn, config, _ = team
    code = open_case(conn, config, words="숨이 막혀요 " * 20)
    run_worker(conn)
    (page,) = sms_to(config, KIM)
    assert page.startswith(f"긴급 {code} ko: '숨이 막혀요") and page.endswith(f"확인 {code}")
    assert "…" in page and count_segments(page).segments == 1


def test_staff_edit_the_page_in_the_scripts_phrases(team, tmp_path):
    conn, config, _ = team
    scripts = tmp_path / "scripts"
    scripts.mkdir()
    text = pathlib.Path("ivr_scripts/main.yaml").read_text(encoding="utf-8")
    text = text.replace("맡으려면 확인 {code}", "답장: 확인 {code}")
    (scripts / "main.yaml").write_text(text, encoding="utf-8")
    config = with_settings(config, scripts_dir=str(scripts))
    code = open_case(conn, config)
    run_worker(conn)
    assert sms_to(config, KIM) == [f"긴급 {code} ko: '숨을 못 쉬겠어요 살려주세요' 답장: 확인 {code}"]


# --- ACK tells the truth ---------------------------------------------------------------


def test_ack_from_a_volunteer_not_paged_says_the_case_is_open_and_who_to_ask(team):
    conn, config, people = team
    config = with_settings(config, staff_contact="Ms Han 02-0000-1111")
    code = open_case(conn, config)
    run_worker(conn)  # level 1 is Kim and Sam; Park (staff) was not paged
    reply = acknowledge(conn, config, people["Park"], [code], WEDNESDAY_10_KST + 10)
    assert reply == (f"{code} 건은 열려 있고 당번이 맡고 있어요. "
                     "도우려면 Ms Han 02-0000-1111에게 연락해 주세요.")
    assert "없어요" not in reply
    case = urgent.get(conn, config, code)
    assert case.state == urgent.State.PAGING and not case.acked_by
    # a code with no case at all is still told so
    assert acknowledge(conn, config, people["Sam"], ["QQQ"], 0) == "No open urgent case QQQ."


# --- the web page: a refusal looks like one ---------------------------------------------


def _csrf(response) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', response.get_data(as_text=True))
    assert found
    return found.group(1)


def _flashes(page: str) -> list[tuple[str, str]]:
    return re.findall(r'<p class="flash ([^"]+)"[^>]*>([^<]*)</p>', page)


@pytest.fixture()
def kim_logged_in(app, client):
    runtime = app.extensions["hotline"]
    conn, config = runtime.redis, app.extensions["hotline"].config
    kim = volunteers.add(conn, config, "Kim", KIM, ("ko",))
    users.add(conn, config, "kim", "volunteer", PASSWORD, volunteer="Kim")
    token = _csrf(client.get("/login"))
    client.post("/login", data={"name": "kim", "password": PASSWORD, "csrf_token": token})
    return conn, config, kim


def test_a_refused_web_ack_is_shown_as_an_error(client, kim_logged_in):
    conn, config, _ = kim_logged_in
    code = open_case(conn, config)
    token = _csrf(client.get("/volunteer/"))
    page = client.post(f"/volunteer/urgent/{code}/ack", data={"csrf_token": token},
                       follow_redirects=True).get_data(as_text=True)
    flashes = _flashes(page)
    assert len(flashes) == 1
    style, message = flashes[0]
    assert style == "error"
    assert message.startswith(f"{code} 건은 열려 있고 당번이 맡고 있어요.")


def test_next_while_off_on_the_web_page_is_shown_as_an_error(client, kim_logged_in):
    conn, config, kim = kim_logged_in
    callbacks.create(conn, config, "+821012345678", language="ko", topic="shelter",
                     now=1_800_000_000.0 - 600)
    volunteers.set_available(conn, config, kim.id, False)
    token = _csrf(client.get("/volunteer/"))
    page = client.post("/volunteer/take", data={"csrf_token": token},
                       follow_redirects=True).get_data(as_text=True)
    ((style, message),) = _flashes(page)
    assert style == "error" and "시작" in message
    mine = [r for r in callbacks.all_requests(conn, config, 1_800_000_000.0)
            if r.volunteer == kim.id]
    assert mine == []


# --- escalation reaches everyone who is ON, however they were registered ---------------


def test_paging_everyone_reaches_volunteers_added_by_cli_web_and_rota(
        app, client, redis_url, tmp_path, second_steps, client_login):
    runtime = app.extensions["hotline"]
    conn = runtime.redis
    config = app.extensions["hotline"].config.replace(data_dir=str(tmp_path))
    clock = {"now": WEDNESDAY_10_KST}
    context.configure(config, OutboxTransport(str(tmp_path)), clock=lambda: clock["now"])
    cli = CliRunner(env={"HOTLINE_REDIS_URL": redis_url, "HOTLINE_DATA_DIR": str(tmp_path)})
    try:
        # Kim: `hotline volunteers add`, then named on the rota by `hotline oncall import`
        for name, phone in [("Kim", KIM), ("Choi", "+821011110005"),
                            ("Han", "+821011110006")]:
            added = cli.invoke(main, ["volunteers", "add", "--name", name, "--phone", phone,
                                      "--languages", "ko"])
            assert added.exit_code == 0, added.output
        rota_file = tmp_path / "rota.yaml"
        rota_file.write_text(ROTA.replace(
            '      - {volunteer: Sam, days: [mon, tue, wed, thu, fri, sat, sun], from: "00:00",'
            ' to: "24:00"}\n', ""), encoding="utf-8")
        imported = cli.invoke(main, ["oncall", "import", str(rota_file)])
        assert imported.exit_code == 0, imported.output
        # Jung: the staff page
        users.add(conn, config, "boss", "staff", PASSWORD)
        second_steps.enrol("boss")  # staff log in with their second step
        client_login("boss", PASSWORD)
        token = _csrf(client.get("/admin/people/"))
        added = client.post("/admin/people/volunteers", data={
            "csrf_token": token, "name": "Jung", "phone": "+821011110007",
            "languages": "ko", "role": "volunteer"})
        assert added.status_code == 302
        # Han sends OFF: the one who is not paged
        han = volunteers.find(conn, config, "Han")
        volunteers.set_available(conn, config, han.id, False)

        code = open_case(conn, config)
        run_worker(conn)  # level 1: Kim
        assert len(sms_to(config, KIM)) == 1
        assert sms_to(config, "+821011110005") == []
        time.sleep(1.2)  # Kim's ACK timeout (1 s, scheduled in Redis): the last resort,
        run_worker(conn)  # and with no staff member ON, that is everyone who is ON
        steps = [(e["step"], e.get("level")) for e in urgent.timeline(conn, config, code)]
        assert ("last_resort", "staff_on_duty") in steps
        assert len(sms_to(config, "+821011110005")) == 1  # Choi, CLI, on no rota, ON
        assert len(sms_to(config, "+821011110007")) == 1  # Jung, web, on no rota, ON
        assert len(sms_to(config, KIM)) == 2  # Kim, CLI and rota
        assert sms_to(config, "+821011110006") == []  # Han is OFF
        assert sms_to(config, "+821011110005")[0].startswith(f"긴급 {code} ")
        # and being paged, Choi may take it
        choi = volunteers.find(conn, config, "Choi")
        assert "맡으셨어요" in acknowledge(conn, config, choi, [code], clock["now"] + 5)
    finally:
        context.configure({})


def test_the_call_to_a_volunteer_says_the_staff_edited_whisper_in_their_language(team, tmp_path):
    from hotline.conversation import volunteer_commands

    conn, config, people = team
    scripts = tmp_path / "scripts"
    scripts.mkdir()
    text = pathlib.Path("ivr_scripts/main.yaml").read_text(encoding="utf-8")
    text = text.replace('en: "Request {id}. {language}, {topic}. Waiting {waited}.',
                        'en: "Hotline request {id}. {language}, {topic}. Waited {waited}.')
    (scripts / "main.yaml").write_text(text, encoding="utf-8")
    config = with_settings(config, scripts_dir=str(scripts))
    req = callbacks.create(conn, config, "+12025550199", language="en", topic="shelter",
                           now=WEDNESDAY_10_KST - 600).request
    assert volunteer_commands.run(conn, config, people["Sam"], "NEXT",
                                  WEDNESDAY_10_KST).startswith(f"Request {req.id}: English")
    run_worker(conn)
    (call,) = [e for e in read_outbox(config.data_dir) if e["kind"] == "call"]
    assert call["to"] == SAM
    spaced = " ".join(req.id)
    assert f"Hotline request {spaced}. English, shelter. Waited 10 minutes." in call["twiml"]


def test_a_case_nobody_answered_shows_so_on_the_cases_page_and_the_banner(
        app, client, kim_logged_in, tmp_path):
    conn, config, _ = kim_logged_in
    config = config.replace(data_dir=str(tmp_path))
    context.configure(config, OutboxTransport(str(tmp_path)), clock=lambda: WEDNESDAY_10_KST)
    try:
        code = open_case(conn, config)  # no rota at all: nobody on call
        assert "unanswered" not in client.get("/volunteer/urgent/cases").get_data(as_text=True)
        run_worker(conn)  # the last resort at once: the staff on duty, the case unanswered
        page = client.get("/volunteer/urgent/cases").get_data(as_text=True)
        assert re.search(rf'data-case="{code}">.*?<span class="tag danger unanswered">'
                         r'아무도 안 받음 Nobody answered</span>', page, re.DOTALL)
        assert "담당 직원 호출 Staff on duty paged" in page
        banner = client.get("/volunteer/urgent/banner").get_data(as_text=True)
        assert "nobody answered 1" in banner
    finally:
        context.configure({})
