"""The rota watch in a real RQ worker on real Redis, with an injected clock: a reminder
before each shift (once), the day's gap warning to staff (once a day, none without gaps)."""

from __future__ import annotations

from datetime import datetime

import pytest
from rq import SimpleWorker
from rq.registry import ScheduledJobRegistry

from hotline import job_context as context
from hotline import jobs
from hotline.config import load_config
from hotline.people import rota, rota_watch, volunteers
from hotline.telephony import OutboxTransport, read_outbox

KIM, PARK, LEE = "+821011110001", "+821011110002", "+821011110003"
REMINDER = "09:00부터 primary 당번이에요. 못 하면 못함 이라고 답해 주세요."
EVERY_DAY = "[mon, tue, wed, thu, fri, sat, sun]"
ROTA = f"""\
timezone: Asia/Seoul
levels:
  - name: primary
    shifts:
      - {{volunteer: Kim, days: {EVERY_DAY}, from: "09:00", to: "21:00"}}
"""


def kst(text: str) -> float:
    return datetime.fromisoformat(f"{text}+09:00").timestamp()


@pytest.fixture()
def watch(redis_conn, tmp_path):
    clock = {"now": kst("2026-11-25T08:25:00")}  # a Wednesday
    config = load_config({"DATA_DIR": str(tmp_path), "SECRET_KEY": "s"}, environ={})
    config = config.replace(clock=lambda: clock["now"])
    context.configure(config, OutboxTransport(str(tmp_path)), clock=config.clock)
    volunteers.add(redis_conn, config, "Kim", KIM, ("ko",))
    volunteers.add(redis_conn, config, "Park", PARK, ("ko",), "staff")
    rota.import_rota(redis_conn, config, ROTA, "rota.yaml", 0.0,
                     rota.resolver(redis_conn, config))

    def run(at: str) -> None:
        clock["now"] = kst(at)
        jobs.queue(redis_conn, jobs.DEFAULT).enqueue("workers.rota_jobs.watch")
        SimpleWorker(list(jobs.QUEUES), connection=redis_conn).work(burst=True)

    yield redis_conn, config, run
    context.configure({})


def sms_to(config, phone):
    return [e["body"] for e in read_outbox(config.data_dir)
            if e["kind"] == "sms" and e["to"] == phone]


def test_a_volunteer_is_reminded_once_before_the_shift(watch):
    conn, config, run = watch
    run("2026-11-25T08:25:00")  # 35 minutes before: not yet
    assert sms_to(config, KIM) == []
    run("2026-11-25T08:31:00")
    assert sms_to(config, KIM) == [REMINDER]
    run("2026-11-25T08:40:00")
    run("2026-11-25T20:00:00")  # the next shift starts tomorrow, beyond the 30 minutes
    assert len(sms_to(config, KIM)) == 1
    run("2026-11-26T08:31:00")
    assert len(sms_to(config, KIM)) == 2
    # the watch scheduled its next run itself (one job per 5-minute slot)
    assert [j for j in ScheduledJobRegistry(jobs.DEFAULT, connection=conn).get_job_ids()
            if j.startswith("rotawatch-")]


def test_staff_get_the_gaps_of_the_week_once_a_day_from_the_warning_hour(watch):
    _conn, config, run = watch
    run("2026-11-25T08:25:00")
    assert sms_to(config, PARK) == []  # before 09:00
    run("2026-11-25T09:05:00")
    (warning,) = sms_to(config, PARK)
    assert warning.startswith("당번 빈 시간 7일 7곳: 11-25 21:00-11-26 09:00 primary")
    assert len(warning) <= 70  # one SMS: the rest are on the rota page
    run("2026-11-25T15:00:00")
    assert len(sms_to(config, PARK)) == 1
    run("2026-11-26T09:00:00")
    assert len(sms_to(config, PARK)) == 2
    assert not [t for t in sms_to(config, KIM) if "빈 시간" in t]  # staff only


def test_no_gaps_no_warning_and_no_reminder_when_the_setting_is_0(watch):
    conn, config, run = watch
    rota.import_rota(conn, config, ROTA.replace('"09:00", to: "21:00"', '"00:00", to: "24:00"'),
                     "rota.yaml", 0.0, rota.resolver(conn, config))
    run("2026-11-25T09:05:00")
    assert sms_to(config, PARK) == []
    context.configure(config.replace(shift_reminder_minutes=0),
                      OutboxTransport(config.data_dir), clock=config.clock)
    rota.import_rota(conn, config, ROTA, "rota.yaml", 0.0, rota.resolver(conn, config))
    run("2026-11-26T08:45:00")
    assert sms_to(config, KIM) == []


def test_an_evening_after_a_day_shift_of_the_same_person_is_no_new_shift():
    current = rota.parse_rota(ROTA + f"""\
      - {{volunteer: Kim, days: {EVERY_DAY}, from: "21:00", to: "23:00"}}
      - {{volunteer: Lee, days: {EVERY_DAY}, from: "23:00", to: "09:00"}}
""")
    starts = rota_watch.shifts_starting(current, kst("2026-11-25T08:00:00"),
                                        kst("2026-11-26T00:00:00"))
    assert [(s.volunteer, datetime.fromtimestamp(s.start, current.zone).strftime("%H:%M"))
            for s in starts] == [("Kim", "09:00"), ("Lee", "23:00")]
    assert rota_watch.gaps(current, kst("2026-11-25T08:00:00"), kst("2026-11-26T00:00:00"),
                           lambda v: True) == []


def test_cannot_after_a_reminder_makes_the_shift_a_gap_tells_staff_and_offers_it(watch):
    from hotline.conversation import volunteer_commands

    conn, config, run = watch
    volunteers.add(conn, config, "Lee", LEE, ("en",))
    rota.import_rota(conn, config, ROTA + """\
      - {volunteer: Lee, days: [sun], from: "09:00", to: "12:00"}
""", "rota.yaml", 0.0, rota.resolver(conn, config))
    kim = volunteers.find(conn, config, "Kim")
    now = kst("2026-11-25T08:31:00")
    assert volunteer_commands.run(conn, config, kim, "못함", now) == "취소할 당번이 없어요."
    run("2026-11-25T08:31:00")
    assert sms_to(config, KIM) == [REMINDER]
    assert volunteer_commands.run(conn, config, kim, "못함", now) == (
        "알겠어요. 담당 직원에게 알리고 다른 분께 부탁했어요.")
    SimpleWorker(list(jobs.QUEUES), connection=conn).work(burst=True)
    assert sms_to(config, PARK) == ["Kim님이 11-25 09:00 primary 당번을 못 해요."]
    assert sms_to(config, LEE) == [
        "The primary shift at 11-25 09:00 is free. To take it, contact staff."]
    # Kim is away for that shift: paging skips the level (a gap), and the next day not
    assert rota.current(conn, config, kst("2026-11-25T10:00:00"))[0].volunteers == ()
    assert rota.current(conn, config, kst("2026-11-26T10:00:00"))[0].volunteers == (kim.id,)
    assert volunteer_commands.run(conn, config, kim, "CANNOT", now) == "취소할 당번이 없어요."
