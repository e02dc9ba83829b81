"""Urgent paging end to end on real Redis with a real RQ worker (SimpleWorker + scheduler)."""

from __future__ import annotations

import time
from datetime import datetime

import pytest
from rq import Queue, SimpleWorker

from hotline import callbacks, rota, urgent, volunteers
from hotline.capabilities import CapabilityContext
from hotline.engine.segments import count_segments
from hotline.jobs import QUEUES
from hotline.privacy import new_key
from hotline.telephony import OutboxTransport, read_outbox
from hotline.urgent_intake import acknowledge, relay, urgent_capability
from workers import context

CALLER = "+821099998888"
WEDNESDAY_10_KST = datetime.fromisoformat("2026-11-25T10:00:00+09:00").timestamp()

ROTA = """\
timezone: Asia/Seoul
ack_timeout_seconds: 1
levels:
  - name: primary
    shifts:
      - {volunteer: Kim, days: [mon, tue, wed, thu, fri], from: "09:00", to: "21:00"}
  - name: backup
    shifts:
      - {volunteer: Lee, days: [mon, tue, wed, thu, fri, sat, sun], from: "00:00", to: "24:00"}
"""


@pytest.fixture()
def hotline(redis_conn, tmp_path):
    config = {"KEY_PREFIX": "hotline:", "SECRET_KEY": "s3cret", "ENCRYPTION_KEY": new_key(),
              "DATA_DIR": str(tmp_path), "HOTLINE_NUMBER": "+15005550006",
              "PUBLIC_URL": "https://hotline.example"}
    clock = {"now": WEDNESDAY_10_KST}
    config["CLOCK"] = lambda: clock["now"]
    context.configure(config, OutboxTransport(str(tmp_path)), clock=config["CLOCK"])
    people = {name: volunteers.add(redis_conn, config, name, phone, ("ko", "en"), role)
              for name, phone, role in [("Kim", "+821011110001", "volunteer"),
                                        ("Lee", "+821011110003", "volunteer"),
                                        ("Park", "+821011110002", "staff")]}
    rota.import_rota(redis_conn, config, ROTA, "rota.yaml", 0.0,
                     rota.resolver(redis_conn, config))
    yield redis_conn, config, people, clock
    context.configure({})


def run_worker(conn):
    SimpleWorker(list(QUEUES), connection=conn).work(burst=True, with_scheduler=True)


def sms_to(config, phone):
    return [e["body"] for e in read_outbox(config["DATA_DIR"])
            if e["kind"] == "sms" and e["to"] == phone]


def open_by_sms(conn, config, sid="SM1", words="숨을 못 쉬겠어요 살려주세요"):
    ctx = CapabilityContext(conn, config, CALLER, urgent.caller_hash(config, CALLER), "sms",
                            "ko", message_sid=sid)
    return urgent_capability(ctx, {"language": "ko", "first_words": words, "reason": "words"})


def test_urgent_sms_pages_level_1_then_level_2_then_ack_stops_it(hotline):
    conn, config, people, _ = hotline
    data = open_by_sms(conn, config)
    assert data["status"] == "paging" and data["dial"] == []
    code = data["code"]
    assert open_by_sms(conn, config)["code"] == code  # a Twilio retry: same case, no new job
    run_worker(conn)
    page = f"URGENT {code} ko: '숨을 못 쉬겠어요 살려주세요' reply ACK {code}"
    assert sms_to(config, "+821011110001") == [page]
    assert count_segments(page).segments == 1
    assert sms_to(config, "+821011110003") == []

    time.sleep(1.2)  # level 1's ACK timeout (1 s), scheduled in Redis
    run_worker(conn)
    assert sms_to(config, "+821011110003") == [page]
    assert sms_to(config, "+821011110001") == [page]  # level 1 is not paged twice

    reply = acknowledge(conn, config, people["Lee"], [code.lower()], WEDNESDAY_10_KST + 60)
    assert reply == f"{code} is yours. We are calling you now; press 1 to connect."
    assert acknowledge(conn, config, people["Kim"], [code], WEDNESDAY_10_KST + 61) == (
        f"{code} was taken by another volunteer. Thank you.")
    run_worker(conn)
    time.sleep(1.2)
    run_worker(conn)  # the step scheduled after level 2 runs, sees the ACK, pages nobody
    assert sms_to(config, "+821011110002") == []
    taken = f"{code} was taken by another volunteer. Thank you."
    assert sms_to(config, "+821011110001")[-1] == taken
    calls = [e for e in read_outbox(config["DATA_DIR"]) if e["kind"] == "call"]
    assert [c["to"] for c in calls] == ["+821011110003"]  # the bridged call rings Lee first
    assert "Press 1" in calls[0]["twiml"] or "1번" in calls[0]["twiml"]
    assert "한국어, 긴급." in calls[0]["twiml"]  # the whisper names the topic in Korean

    case = urgent.get(conn, config, code)
    assert case.state == urgent.State.CLAIMED and case.acked_by == people["Lee"].id
    steps = [(e["step"], e.get("level"), e.get("volunteers")) for e in
             urgent.timeline(conn, config, code)]
    assert steps[:4] == [("created", None, None),
                         ("paged", "primary", [people["Kim"].id]),
                         ("escalated", "backup", [people["Lee"].id]),
                         ("acked", None, None)]
    assert ("calling", None, None) in steps


def test_a_level_with_nobody_available_is_skipped_at_once(hotline):
    conn, config, people, _ = hotline
    volunteers.set_available(conn, config, people["Kim"].id, False)  # Kim sent OFF
    code = open_by_sms(conn, config)["code"]
    run_worker(conn)
    assert sms_to(config, "+821011110001") == []
    assert len(sms_to(config, "+821011110003")) == 1
    steps = [(e["step"], e.get("level")) for e in urgent.timeline(conn, config, code)]
    assert steps == [("created", None), ("skipped", "primary"), ("paged", "backup")]


def test_the_last_level_repeats_to_all_staff_until_someone_acks(hotline):
    conn, config, people, _ = hotline
    code = open_by_sms(conn, config)["code"]
    run_worker(conn)
    for _ in range(2):
        time.sleep(1.1)
        run_worker(conn)
    # level 1 (Kim), level 2 (Lee), then everyone the rota names and all staff
    assert len(sms_to(config, "+821011110001")) == 2
    assert len(sms_to(config, "+821011110003")) == 2
    assert len(sms_to(config, "+821011110002")) == 1  # Park, staff, not on the rota
    assert acknowledge(conn, config, people["Park"], [code], WEDNESDAY_10_KST)
    assert urgent.get(conn, config, code).acked_by == people["Park"].id


def test_nobody_on_call_files_an_urgent_callback_first_in_line_and_pages_everyone(hotline):
    conn, config, people, clock = hotline
    clock["now"] = datetime.fromisoformat("2026-11-25T23:00:00+09:00").timestamp()
    volunteers.set_available(conn, config, people["Lee"].id, False)
    older = callbacks.create(conn, config, "+821055554444", language="ko", topic="clinic",
                             now=clock["now"] - 3600)
    data = open_by_sms(conn, config)
    assert data["status"] == "nobody"
    run_worker(conn)
    case = urgent.get(conn, config, data["code"])
    assert case.state == urgent.State.CALLBACK
    req = callbacks.get(conn, config, case.callback)
    assert req.priority == callbacks.Priority.URGENT
    assert callbacks.position(conn, config, req) == 1
    assert callbacks.position(conn, config, older.request) == 2
    # Everyone not OFF is paged: Kim (off shift now) and Park (staff); Lee is OFF.
    assert len(sms_to(config, "+821011110001")) == 1
    assert len(sms_to(config, "+821011110002")) == 1
    assert sms_to(config, "+821011110003") == []
    steps = [e["step"] for e in urgent.timeline(conn, config, data["code"])]
    assert steps == ["created", "nobody_on_call", "skipped", "skipped", "paged"]


def test_a_duplicated_job_sends_no_second_page(hotline):
    conn, config, _, _ = hotline
    code = open_by_sms(conn, config)["code"]
    urgent.enqueue_step(conn, code, 0)
    urgent.enqueue_step(conn, code, 0)
    run_worker(conn)
    assert len(sms_to(config, "+821011110001")) == 1
    assert [e["step"] for e in urgent.timeline(conn, config, code)] == ["created", "paged"]


def test_escalation_survives_a_worker_restart(hotline):
    conn, config, _, _ = hotline
    open_by_sms(conn, config)
    run_worker(conn)  # this worker is gone after paging level 1
    time.sleep(1.2)
    SimpleWorker(list(QUEUES), connection=conn).work(burst=True, with_scheduler=True)
    assert len(sms_to(config, "+821011110003")) == 1


def test_only_a_paged_volunteer_can_ack(hotline):
    conn, config, people, _ = hotline
    code = open_by_sms(conn, config)["code"]
    run_worker(conn)
    assert acknowledge(conn, config, people["Lee"], [code], 0) == f"No open urgent case {code}."
    assert acknowledge(conn, config, people["Kim"], ["XXX"], 0) == "No open urgent case XXX."
    assert acknowledge(conn, config, people["Kim"], [], 0).startswith("Send the case code")
    assert "yours" in acknowledge(conn, config, people["Kim"], [code], 0)
    assert acknowledge(conn, config, people["Kim"], [code], 0) == f"{code} is already yours."


def test_further_texts_are_relayed_to_the_volunteer_without_numbers(hotline):
    conn, config, people, _ = hotline
    code = open_by_sms(conn, config)["code"]
    run_worker(conn)
    acknowledge(conn, config, people["Kim"], [code], 0)
    assert relay(conn, config, CALLER, "지금  집 앞이에요", 5).code == code
    assert relay(conn, config, "+821077776666", "안녕하세요", 5) is None
    queued = Queue("urgent", connection=conn).jobs
    assert queued and all("집 앞" not in job.description for job in queued)  # rq logs these
    run_worker(conn)
    assert sms_to(config, "+821011110001")[-1] == f"{code}: 지금 집 앞이에요"


def test_texts_sent_before_anyone_acked_reach_the_volunteer_who_acks(hotline):
    conn, config, people, _ = hotline
    code = open_by_sms(conn, config)["code"]
    run_worker(conn)
    relay(conn, config, CALLER, "서울역 3번 출구예요", 5)
    assert conn.keys("*held*")
    assert "서울역".encode() not in b"".join(
        b"".join(conn.lrange(k, 0, -1)) for k in conn.keys("*held*"))  # kept encrypted
    acknowledge(conn, config, people["Kim"], [code], 10)
    run_worker(conn)
    assert f"{code}: 서울역 3번 출구예요" in sms_to(config, "+821011110001")
    assert not conn.keys("*held*")


def test_voice_returns_level_1_phones_to_dial(hotline):
    conn, config, _, _ = hotline
    ctx = CapabilityContext(conn, config, CALLER, urgent.caller_hash(config, CALLER), "voice",
                            "ko", call_sid="CA1")
    data = urgent_capability(ctx, {"language": "ko", "reason": "menu"})
    assert data["status"] == "paging"
    assert data["dial"] == ["+821011110001"] and data["dial_timeout"] == 1
    run_worker(conn)
    assert sms_to(config, "+821011110001") == [
        f"URGENT {data['code']} ko: '(menu)' reply ACK {data['code']}"]


def test_no_caller_number_in_redis_and_closing_deletes_it(hotline):
    conn, config, _, _ = hotline
    code = open_by_sms(conn, config)["code"]
    run_worker(conn)
    assert urgent.number_of(conn, config, code) == CALLER

    read = {"string": conn.get, "hash": conn.hgetall, "set": conn.smembers,
            "list": lambda k: conn.lrange(k, 0, -1), "zset": lambda k: conn.zrange(k, 0, -1),
            "stream": conn.xrange, "none": lambda k: b""}

    def everything():
        return "\n".join(repr(key) + repr(read[conn.type(key).decode()](key))
                         for key in conn.scan_iter("*"))

    stored = everything()
    for form in (CALLER, CALLER[1:], "01099998888", "99998888"):
        assert form not in stored
    assert urgent.close(conn, config, code, 10, outcome="spoke with caller")
    assert urgent.number_of(conn, config, code) is None
    assert urgent.open_case_of(conn, config, CALLER) is None
    assert urgent.timeline(conn, config, code)[-1]["step"] == "closed"


def test_cases_show_prints_the_timeline_without_the_number(hotline, redis_url):
    from click.testing import CliRunner

    from hotline.cli import main

    conn, config, people, _ = hotline
    code = open_by_sms(conn, config)["code"]
    run_worker(conn)
    acknowledge(conn, config, people["Kim"], [code], WEDNESDAY_10_KST + 30)
    # The caller's first words are stored sealed: staff read them with the hotline's key.
    runner = CliRunner(env={"HOTLINE_REDIS_URL": redis_url,
                            "HOTLINE_ENCRYPTION_KEY": config["ENCRYPTION_KEY"]})
    shown = runner.invoke(main, ["cases", "show", code.lower()])
    assert shown.exit_code == 0, shown.output
    lines = shown.output.splitlines()
    assert lines[0] == (f"case {code}: claimed (sms, ko, country KR), "
                        "opened 2026-11-25T01:00:00+00:00")
    assert "  first words: 숨을 못 쉬겠어요 살려주세요" in lines
    assert any("paged" in line and f"volunteers={people['Kim'].id}" in line for line in lines)
    assert any("acked" in line for line in lines)
    assert CALLER not in shown.output and CALLER[3:] not in shown.output
    as_json = runner.invoke(main, ["cases", "show", code, "--json"])
    data = __import__("json").loads(as_json.output)
    assert [s["step"] for s in data["timeline"]][:3] == ["created", "paged", "acked"]
    missing = runner.invoke(main, ["cases", "show", "QQQ"])
    assert missing.exit_code == 1 and "no urgent case QQQ" in missing.output


def test_cases_list_and_close(hotline, redis_url):
    from click.testing import CliRunner

    from hotline.cli import main

    conn, config, _, _ = hotline
    code = open_by_sms(conn, config)["code"]
    runner = CliRunner(env={"HOTLINE_REDIS_URL": redis_url})
    listed = runner.invoke(main, ["cases", "list"])
    assert listed.output.startswith(f"{code}  paging ")
    closed = runner.invoke(main, ["cases", "close", code, "--note", "reached by phone"])
    assert closed.exit_code == 0 and closed.output == f"case {code} closed\n"
    assert runner.invoke(main, ["cases", "list"]).output == "no open urgent cases\n"
    assert code in runner.invoke(main, ["cases", "list", "--all"]).output
    assert runner.invoke(main, ["cases", "close", code]).exit_code == 1
    assert urgent.number_of(conn, config, code) is None
    run_worker(conn)  # the queued first step finds the case closed and pages nobody
    assert sms_to(config, "+821011110001") == []


def test_without_any_rota_the_case_becomes_an_urgent_callback_and_staff_are_paged(hotline):
    conn, config, _, _ = hotline
    conn.delete(rota.rota_key(config))
    data = open_by_sms(conn, config)
    assert data["status"] == "nobody"
    run_worker(conn)
    case = urgent.get(conn, config, data["code"])
    assert case.state == urgent.State.CALLBACK and case.callback
    assert len(sms_to(config, "+821011110002")) == 1  # Park is staff
    assert sms_to(config, "+821011110001") == []  # Kim is a volunteer on no rota
