"""Urgent paging end to end on real Redis with a real RQ worker (SimpleWorker + scheduler)."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from rq import Queue, SimpleWorker

from hotline import job_context as context
from hotline.callbacks import bridge
from hotline.callbacks import queue as callbacks
from hotline.callbacks.queue import Priority, Status
from hotline.config import load_config
from hotline.conversation import volunteer_commands
from hotline.conversation.capabilities import CapabilityContext
from hotline.engine.segments import count_segments
from hotline.jobs import QUEUES
from hotline.people import rota, volunteers
from hotline.privacy.vault import new_key
from hotline.telephony import OutboxTransport, read_outbox
from hotline.urgent import cases as urgent
from hotline.urgent.intake import acknowledge, relay
from hotline.web import urgent as urgent_web
from tests.capabilities import urgent_capability
from tests.rq_clock import advance_schedules

CALLER = "+821099998888"
KIM, LEE, PARK = "+821011110001", "+821011110003", "+821011110002"
ACK_TIMEOUT = 60  # seconds, the rota's below: moved by hand (wait_out), never slept, and long
# enough that no step falls due by itself while a busy machine runs a test's worker
WEDNESDAY_10_KST = datetime.fromisoformat("2026-11-25T10:00:00+09:00").timestamp()

ROTA = """\
timezone: Asia/Seoul
ack_timeout_seconds: 60
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
    config = load_config({"KEY_PREFIX": "hotline:", "SECRET_KEY": "s3cret", "ENCRYPTION_KEY": new_key(),
              "DATA_DIR": str(tmp_path), "HOTLINE_NUMBER": "+15005550006",
              "PUBLIC_URL": "https://hotline.example"}, environ={})
    clock = {"now": WEDNESDAY_10_KST}
    config = config.replace(clock=lambda: clock["now"])
    context.configure(config, OutboxTransport(str(tmp_path)), clock=config.clock)
    people = {name: volunteers.add(redis_conn, config, name, phone, ("ko", "en"), role)
              for name, phone, role in [("Kim", "+821011110001", "volunteer"),
                                        ("Lee", "+821011110003", "volunteer"),
                                        ("Park", "+821011110002", "staff")]}
    rota.import_rota(redis_conn, config, ROTA, "rota.yaml", 0.0,
                     rota.resolver(redis_conn, config))
    yield redis_conn, config, people, clock
    context.configure({})


def wait_out(hotline, seconds=ACK_TIMEOUT):
    """Let `seconds` pass: the injected clock and RQ's schedule move on, nobody sleeps."""
    conn, _, _, clock = hotline
    clock["now"] += seconds
    advance_schedules(conn, seconds)


def run_worker(conn):
    SimpleWorker(list(QUEUES), connection=conn).work(burst=True, with_scheduler=True)


def sms_to(config, phone):
    return [e["body"] for e in read_outbox(config.data_dir)
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
    # Kim and Lee read Korean first: the page is the Korean phrase (ACK is 확인 there)
    page = f"긴급 {code} ko: '숨을 못 쉬겠어요 살려주세요' 맡으려면 확인 {code}"
    assert sms_to(config, "+821011110001") == [page]
    assert count_segments(page).segments == 1
    assert sms_to(config, "+821011110003") == []

    wait_out(hotline)  # level 1's ACK timeout, scheduled in Redis
    run_worker(conn)
    assert sms_to(config, "+821011110003") == [page]
    assert sms_to(config, "+821011110001") == [page]  # level 1 is not paged twice

    reply = acknowledge(conn, config, people["Lee"], [code.lower()], WEDNESDAY_10_KST + 60)
    assert reply == f"{code} 건을 맡으셨어요. 곧 전화가 가요. 1번을 누르면 연결돼요."
    assert acknowledge(conn, config, people["Kim"], [code], WEDNESDAY_10_KST + 61) == (
        f"{code} 건은 다른 분이 맡았어요. 고맙습니다.")
    run_worker(conn)
    wait_out(hotline)
    run_worker(conn)  # the step scheduled after level 2 runs, sees the ACK, pages nobody
    assert sms_to(config, "+821011110002") == []
    taken = f"{code} 건은 다른 분이 맡았어요. 고맙습니다."
    assert sms_to(config, "+821011110001")[-1] == taken
    calls = [e for e in read_outbox(config.data_dir) if e["kind"] == "call"]
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


def test_after_the_last_level_the_staff_on_duty_are_paged_and_the_case_shows_unanswered(
        hotline):
    conn, config, people, _ = hotline
    code = open_by_sms(conn, config)["code"]
    run_worker(conn)
    for _ in range(3):  # more rounds than the policy has: paging ends at the last resort
        wait_out(hotline)
        run_worker(conn)
    # level 1 (Kim), level 2 (Lee), then the last resort: staff (Park), once; no repeats
    assert len(sms_to(config, KIM)) == 1
    assert len(sms_to(config, LEE)) == 1
    assert len(sms_to(config, PARK)) == 1
    case = urgent.get(conn, config, code)
    assert case.unanswered and case.state == urgent.State.CALLBACK
    assert callbacks.get(conn, config, case.callback).priority == Priority.URGENT
    steps = [(e["step"], e.get("level")) for e in urgent.timeline(conn, config, code)]
    assert steps == [("created", None), ("paged", "primary"), ("escalated", "backup"),
                     ("nobody_answered", None), ("last_resort", "staff_on_duty")]
    assert acknowledge(conn, config, people["Park"], [code], WEDNESDAY_10_KST)
    assert urgent.get(conn, config, code).acked_by == people["Park"].id


REPEATING = ROTA.replace("ack_timeout_seconds: 60\n", "ack_timeout_seconds: 60\nrepeat: 1\n") + """\
staff_on_duty:
  shifts:
    - {volunteer: Lee, days: [wed], from: "00:00", to: "24:00"}
"""


def test_the_policy_runs_through_the_levels_repeat_times_then_the_rotas_staff_on_duty(
        hotline):
    conn, config, _people, _ = hotline
    rota.import_rota(conn, config, REPEATING, "rota.yaml", 0.0, rota.resolver(conn, config))
    code = open_by_sms(conn, config)["code"]
    run_worker(conn)
    for _ in range(5):
        wait_out(hotline)
        run_worker(conn)
    # two passes through primary (Kim) and backup (Lee), then the staff on duty (Lee)
    assert len(sms_to(config, KIM)) == 2
    assert len(sms_to(config, LEE)) == 3
    assert sms_to(config, PARK) == []  # staff, but the rota names who is on duty
    levels = [e.get("level") for e in urgent.timeline(conn, config, code)
              if e["step"] in ("paged", "escalated", "last_resort")]
    assert levels == ["primary", "backup", "primary", "backup", "staff_on_duty"]


def test_pass_by_sms_pages_the_next_level_now(hotline):
    conn, config, people, _ = hotline
    code = open_by_sms(conn, config)["code"]
    run_worker(conn)
    assert volunteer_commands.run(conn, config, people["Lee"], f"PASS {code}",
                                  WEDNESDAY_10_KST) == (
        f"{code} 건은 열려 있고 당번이 맡고 있어요. 도우려면 담당 직원에게 연락해 주세요.")
    reply = volunteer_commands.run(conn, config, people["Kim"], f"넘김 {code.lower()}",
                                   WEDNESDAY_10_KST + 5)
    assert reply == f"{code} 건을 다음 당번에게 넘겼어요."
    run_worker(conn)  # no time passes: level 2 is paged now, not after the ACK timeout
    assert len(sms_to(config, LEE)) == 1
    # Kim passing again (no longer on the level being paged) does not skip Lee's level;
    # level 1's own timeout (its scheduled step) is gone, so nothing is paged twice
    volunteer_commands.run(conn, config, people["Kim"], f"PASS {code}", WEDNESDAY_10_KST + 6)
    run_worker(conn)
    assert sms_to(config, PARK) == []
    steps = [e["step"] for e in urgent.timeline(conn, config, code)]
    assert steps == ["created", "paged", "passed", "escalated", "passed"]
    assert volunteer_commands.run(conn, config, people["Lee"], f"pass {code}",
                                  WEDNESDAY_10_KST + 7) == f"{code} 건을 다음 당번에게 넘겼어요."
    run_worker(conn)
    assert len(sms_to(config, PARK)) == 1  # the last resort
    assert urgent.get(conn, config, code).unanswered


def test_nobody_on_call_files_an_urgent_callback_first_in_line_and_pages_staff_at_once(
        hotline):
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
    # The staff on duty are paged at once (Park); Kim is off shift, Lee is OFF.
    assert sms_to(config, "+821011110002") == [
        f"긴급 {data['code']} ko: '숨을 못 쉬겠어요 살려주세요' 맡으려면 확인 {data['code']}"]
    assert sms_to(config, "+821011110001") == []
    assert sms_to(config, "+821011110003") == []
    assert case.unanswered
    steps = [e["step"] for e in urgent.timeline(conn, config, data["code"])]
    assert steps == ["created", "skipped", "skipped", "nobody_on_call", "last_resort"]


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
    wait_out(hotline)
    SimpleWorker(list(QUEUES), connection=conn).work(burst=True, with_scheduler=True)
    assert len(sms_to(config, "+821011110003")) == 1


def test_a_worker_killed_after_paging_but_before_scheduling_the_next_level_still_escalates(
        hotline, monkeypatch):
    """The window that made the worker-kill test flaky: level 1 paged and noted, then the
    worker gone before level 2 was scheduled. The job run again must schedule level 2."""
    from rq.job import Job
    from rq.registry import ScheduledJobRegistry

    from hotline import jobs

    conn, config, _, _ = hotline
    code = open_by_sms(conn, config)["code"]
    job = Job.fetch(f"urgent-{code}-0", connection=conn)

    def killed(*args, **kwargs):
        raise SystemExit("SIGKILL")  # not an Exception: nothing after it runs, as in a kill

    with monkeypatch.context() as patch:
        patch.setattr(urgent, "enqueue_step", killed)
        with pytest.raises(SystemExit):
            job.perform()
    assert len(sms_to(config, "+821011110001")) == 1
    assert ScheduledJobRegistry(jobs.URGENT, connection=conn).get_job_ids() == []
    job.perform()  # recovery puts the dead worker's job back; it runs again
    assert len(sms_to(config, "+821011110001")) == 1  # not paged twice
    assert ScheduledJobRegistry(jobs.URGENT, connection=conn).get_job_ids() == [
        f"urgent-{code}-1"]
    wait_out(hotline)  # level 1's ACK timeout
    run_worker(conn)
    assert len(sms_to(config, "+821011110003")) == 1


def test_only_a_paged_volunteer_can_ack(hotline):
    conn, config, people, _ = hotline
    code = open_by_sms(conn, config)["code"]
    run_worker(conn)
    # Lee was not paged: told the case is open and with the people on call, not that it
    # does not exist
    assert acknowledge(conn, config, people["Lee"], [code], 0) == (
        f"{code} 건은 열려 있고 당번이 맡고 있어요. 도우려면 담당 직원에게 연락해 주세요.")
    assert urgent.get(conn, config, code).state == urgent.State.PAGING
    assert acknowledge(conn, config, people["Kim"], ["XXX"], 0) == "XXX: 그런 긴급 건이 없어요."
    assert acknowledge(conn, config, people["Kim"], [], 0).startswith("긴급 건 코드를")
    assert "맡으셨어요" in acknowledge(conn, config, people["Kim"], [code], 0)
    assert acknowledge(conn, config, people["Kim"], [code], 0) == f"{code} 건은 이미 맡으셨어요."


def test_further_texts_are_relayed_to_the_volunteer_without_numbers(hotline):
    conn, config, people, _ = hotline
    code = open_by_sms(conn, config)["code"]
    run_worker(conn)
    acknowledge(conn, config, people["Kim"], [code], 0)
    assert relay(conn, config, CALLER, "지금  집 앞이에요", 5).code == code
    assert relay(conn, config, "+821077776666", "안녕하세요", 5) is None
    queued = Queue("urgent", connection=conn).jobs
    assert queued and all("집 앞" not in job.description for job in queued)  # rq logs these
    # nor in the job record kept in Redis (for a year when a job fails): encrypted there
    assert all("집 앞" not in repr(job.args) for job in queued)
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
    assert data["dial"] == ["+821011110001"] and data["dial_timeout"] == ACK_TIMEOUT
    run_worker(conn)
    assert sms_to(config, "+821011110001") == [
        f"긴급 {data['code']} ko: '(급해요 선택)' 맡으려면 확인 {data['code']}"]


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
                            "HOTLINE_ENCRYPTION_KEY": config.encryption_key})
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
    conn, config, people, _ = hotline
    conn.delete(rota.rota_key(config))
    volunteers.set_available(conn, config, people["Lee"].id, False)
    data = open_by_sms(conn, config)
    assert data["status"] == "nobody"
    run_worker(conn)
    case = urgent.get(conn, config, data["code"])
    assert case.state == urgent.State.CALLBACK and case.callback
    assert len(sms_to(config, "+821011110002")) == 1  # Park is staff
    assert sms_to(config, "+821011110001") == []  # Kim is ON, but no staff
    assert sms_to(config, "+821011110003") == []  # Lee is OFF


def test_with_no_staff_on_the_last_resort_pages_everyone_who_is_on(hotline):
    conn, config, people, _ = hotline
    conn.delete(rota.rota_key(config))
    volunteers.set_available(conn, config, people["Park"].id, False)
    data = open_by_sms(conn, config)
    run_worker(conn)
    assert len(sms_to(config, KIM)) == 1 and len(sms_to(config, LEE)) == 1
    assert sms_to(config, PARK) == []
    assert urgent.get(conn, config, data["code"]).unanswered

# --- an urgent case and its call back ----------------------------------------------
# ACK rings the acker for this caller, DONE ends both, a caller already waiting moves to
# the top, NEXT on an urgent call back claims the case, nobody on a voice call pages all.



def calls_to(config, phone):
    return [ET.fromstring(e["twiml"]) for e in read_outbox(config.data_dir)
            if e["kind"] == "call" and e["to"] == phone]


def whispered_request(twiml):
    """The request id the whisper says ('요청 1 0 0 2번' / 'Request 1 0 0 2')."""
    action = twiml.find("Gather").get("action")
    return action.split("request=")[1].split("&")[0]


def test_done_on_the_call_back_closes_the_case_and_a_new_emergency_pages_again(hotline):
    conn, config, people, clock = hotline
    code = open_by_sms(conn, config)["code"]
    run_worker(conn)
    acknowledge(conn, config, people["Kim"], [code], clock["now"] + 30)
    case = urgent.get(conn, config, code)
    assert callbacks.get(conn, config, case.callback).case == code

    reply = volunteer_commands.run(conn, config, people["Kim"], f"DONE {case.callback} 병원 안내",
                                   clock["now"] + 600)
    assert reply == f"요청 {case.callback}번을 완료했어요. 고맙습니다."
    closed = urgent.get(conn, config, code)
    assert closed.state == urgent.State.CLOSED
    assert urgent.number_of(conn, config, code) is None
    last = urgent.timeline(conn, config, code)[-1]
    assert (last["step"], last["outcome"]) == ("closed", f"callback {case.callback} done")

    # A week later the same caller is in danger again: a new case, paged again.
    clock["now"] += 7 * 86400
    again = open_by_sms(conn, config, sid="SM2")
    assert again["code"] != code
    run_worker(conn)
    assert len(sms_to(config, KIM)) == 2
    assert sms_to(config, KIM)[-1].startswith(f"긴급 {again['code']} ")


def test_done_with_the_case_code_closes_its_call_back(hotline):
    conn, config, people, clock = hotline
    code = open_by_sms(conn, config)["code"]
    run_worker(conn)
    acknowledge(conn, config, people["Kim"], [code], clock["now"] + 30)
    rid = urgent.get(conn, config, code).callback
    assert volunteer_commands.run(conn, config, people["Kim"], f"완료 {code.lower()}",
                                  clock["now"] + 60) == f"요청 {rid}번을 완료했어요. 고맙습니다."
    assert callbacks.get(conn, config, rid).status == Status.DONE
    assert urgent.get(conn, config, code).state == urgent.State.CLOSED


def test_ack_rings_the_acker_for_this_caller_even_when_an_older_urgent_call_back_waits(hotline):
    conn, config, people, clock = hotline
    older = callbacks.create(conn, config, "+821055554444", language="ko", topic="urgent",
                             now=clock["now"] - 3600, priority=Priority.URGENT).request
    code = open_by_sms(conn, config)["code"]
    run_worker(conn)
    assert acknowledge(conn, config, people["Kim"], [code], clock["now"] + 30).endswith(
        "1번을 누르면 연결돼요.")
    run_worker(conn)
    rid = urgent.get(conn, config, code).callback
    (call,) = calls_to(config, KIM)
    assert whispered_request(call) == rid != older.id
    assert callbacks.get(conn, config, rid).status == Status.CALLING
    waiting = callbacks.get(conn, config, older.id)
    assert waiting.status == Status.WAITING and callbacks.position(conn, config, waiting) == 1


def test_a_caller_already_waiting_for_an_ordinary_call_back_moves_to_the_top(hotline):
    conn, config, people, clock = hotline
    for n in range(3):  # three callers who asked earlier for counselling
        callbacks.create(conn, config, f"+82105555000{n}", language="ko", topic="counselling",
                         now=clock["now"] - 7200 + n)
    mine = callbacks.create(conn, config, CALLER, language="ko", topic="counselling",
                            now=clock["now"] - 600).request
    assert callbacks.position(conn, config, mine) == 4
    rota.import_rota(conn, config, "timezone: Asia/Seoul\nlevels:\n  - name: primary\n"
                     "    shifts:\n      - {volunteer: Kim, days: [sun], from: '03:00', "
                     "to: '04:00'}\n", "rota.yaml", 0.0, rota.resolver(conn, config))
    code = open_by_sms(conn, config)["code"]  # nobody on call: an urgent call back
    run_worker(conn)
    case = urgent.get(conn, config, code)
    assert case.state == urgent.State.CALLBACK and case.callback == mine.id
    moved = callbacks.get(conn, config, mine.id)
    assert moved.priority == Priority.URGENT and moved.created == mine.created
    assert callbacks.position(conn, config, moved) == 1

    # NEXT gives it first, and taking it claims the case: the paging stops.
    reply = volunteer_commands.run(conn, config, people["Lee"], "NEXT", clock["now"] + 60)
    assert reply.startswith(f"요청 {mine.id}: 한국어, 긴급")
    claimed = urgent.get(conn, config, code)
    assert claimed.state == urgent.State.CLAIMED and claimed.acked_by == people["Lee"].id
    run_worker(conn)
    assert sms_to(config, PARK)[-1] == f"{code} 건은 다른 분이 맡았어요. 고맙습니다."


def test_an_urgent_caller_who_does_not_answer_is_tried_again_soon_even_at_night(hotline):
    conn, config, people, _ = hotline
    night = datetime.fromisoformat("2026-11-26T02:00:00+09:00").timestamp()
    req = callbacks.create(conn, config, CALLER, language="ko", topic="urgent", now=night,
                           priority=Priority.URGENT).request
    callbacks.take(conn, config, req.id, people["Kim"].id, night)
    assert bridge.caller_missed(conn, config, callbacks.get(conn, config, req.id),
                                night + 60) == "later"
    later = callbacks.get(conn, config, req.id)
    assert later.status == Status.LATER and later.next_at == night + 60 + 600
    # an ordinary request waits for the morning instead
    plain = callbacks.create(conn, config, "+821055550009", language="ko", topic="clinic",
                             now=night).request
    callbacks.take(conn, config, plain.id, people["Kim"].id, night)
    bridge.caller_missed(conn, config, callbacks.get(conn, config, plain.id), night + 60)
    morning = datetime.fromtimestamp(callbacks.get(conn, config, plain.id).next_at,
                                     ZoneInfo("Asia/Seoul"))
    assert morning.hour == 9


def test_take_gives_one_waiting_request_once(hotline):
    conn, config, people, clock = hotline
    req = callbacks.create(conn, config, CALLER, language="ko", topic="urgent",
                           now=clock["now"]).request
    assert callbacks.take(conn, config, req.id, people["Kim"].id, clock["now"]).volunteer == \
        people["Kim"].id
    assert callbacks.take(conn, config, req.id, people["Lee"].id, clock["now"]) is None
    assert callbacks.take(conn, config, "9999", people["Lee"].id, clock["now"]) is None
    assert callbacks.position(conn, config, callbacks.get(conn, config, req.id)) == 0


def test_the_bridged_call_of_an_urgent_case_shows_on_its_timeline(hotline, app, signed_post):
    conn, config, people, clock = hotline
    code = open_by_sms(conn, config)["code"]
    run_worker(conn)
    acknowledge(conn, config, people["Kim"], [code], clock["now"] + 30)
    rid = urgent.get(conn, config, code).callback
    runtime = app.extensions["hotline"]
    callbacks.mark_connected(runtime.redis, runtime.config, rid)
    response = signed_post(f"/twilio/calls/dialed?request={rid}&lang=en",
                           {"CallSid": "CA9", "DialCallStatus": "completed"})
    assert response.status_code == 200
    outcome = urgent.timeline(conn, config, code)[-1]
    assert (outcome["step"], outcome["status"], outcome["request"]) == (
        "call_outcome", "completed", rid)


def test_a_voice_call_nobody_accepts_pages_every_level_by_sms_at_once(hotline):
    conn, config, _, clock = hotline
    ctx = CapabilityContext(conn, config, CALLER, urgent.caller_hash(config, CALLER), "voice",
                            "ko", call_sid="CA1", now=clock["now"])
    code = urgent_capability(ctx, {"language": "ko", "reason": "menu"})["code"]
    levels = len(rota.current(conn, config, clock["now"]))
    # Neither level accepted the Dial (a few seconds each): the caller hears 119 ...
    root = ET.fromstring(str(urgent_web.dial_twiml(conn, config, code, "ko", levels,
                                                   clock["now"] + 5)))
    assert root.find("Dial") is None and "119" in root[0].text
    run_worker(conn)
    # ... and both levels have their SMS page now, not only after level 1's ACK timeout.
    page = sms_to(config, KIM)
    assert len(page) == 1 and page[0].startswith(f"긴급 {code} ")
    assert sms_to(config, LEE) == page
    steps = [e["step"] for e in urgent.timeline(conn, config, code)]
    assert "nobody_answered" in steps and "paged_all_levels" in steps


def test_an_override_pages_who_covers_in_place_of_who_the_rota_names(hotline):
    from hotline.people import overrides

    conn, config, people, clock = hotline
    # Park covers Kim this Wednesday 09:00-12:00 (the case opens at 10:00)
    start = datetime.fromisoformat("2026-11-25T09:00:00+09:00").timestamp()
    overrides.add(conn, config, people["Park"].id, people["Kim"].id, start, start + 3 * 3600,
                  clock["now"])
    code = open_by_sms(conn, config)["code"]
    run_worker(conn)
    assert sms_to(config, KIM) == []
    assert len(sms_to(config, PARK)) == 1
    paged = [e for e in urgent.timeline(conn, config, code) if e["step"] == "paged"]
    assert paged[0]["volunteers"] == [people["Park"].id]
    # at noon the override is over: Kim is on call again
    assert rota.current(conn, config, start + 3 * 3600)[0].volunteers == (people["Kim"].id,)
