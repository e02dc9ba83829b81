"""Jobs of the callback queue, run by a real RQ worker (SimpleWorker, burst) on real Redis."""

import logging
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from rq import SimpleWorker
from rq.registry import ScheduledJobRegistry

from hotline import job_context as context
from hotline import jobs
from hotline.callbacks import bridge
from hotline.callbacks import queue as callbacks
from hotline.callbacks.queue import Status
from hotline.config import load_config
from hotline.engine.loader import load_script
from hotline.engine.segments import count_segments
from hotline.people import volunteers
from hotline.privacy.vault import new_key
from hotline.telephony import TwilioTransport, read_outbox
from tests.conftest import SCRIPTS_DIR
from tests.twilio_api_stub import TwilioApiStub

# The one text to a caller the calls back never reached: a phrase of the scripts.
TRIED_SMS = load_script(f"{SCRIPTS_DIR}/main.yaml").phrases["callback_tried"]

NOW = 1_800_000_000.0  # 2027-01-15 08:00 UTC
CALLER = "+821012345678"
VOLUNTEER = "+821022223333"


@pytest.fixture()
def config(redis_url, tmp_path):
    cfg = load_config({"REDIS_URL": redis_url, "DATA_DIR": str(tmp_path), "KEY_PREFIX": "hotline:",
           "PUBLIC_URL": "https://hotline.example.org", "SECRET_KEY": "s",
           "ENCRYPTION_KEY": new_key(), "HOTLINE_NUMBER": "+15005550006"}, environ={})
    context.configure(cfg, clock=lambda: NOW)
    yield cfg
    context.configure({})


def work(conn):
    SimpleWorker(list(jobs.QUEUES), connection=conn).work(burst=True)


def taken_request(conn, config, number=CALLER, vid=None):
    vol = vid or volunteers.add(conn, config, "Mina", VOLUNTEER, ("ko", "en")).id
    callbacks.create(conn, config, number, language="ko", topic="counselling", now=NOW - 3 * 3600)
    req = callbacks.take_next(conn, config, ["ko"], vol, NOW)
    return req, vol


def test_the_call_job_rings_the_volunteer_with_a_whisper_and_no_caller_number(redis_conn,
                                                                              config):
    req, vid = taken_request(redis_conn, config)
    job = jobs.enqueue_call_volunteer(redis_conn, req.id, vid, req.taken)
    assert job.origin == jobs.CALLBACKS and job.id == f"call-{req.id}-{int(NOW * 1000)}"
    work(redis_conn)
    assert job.get_status(refresh=True) == "finished"
    (call,) = read_outbox(config.data_dir)
    assert call["kind"] == "call" and call["to"] == VOLUNTEER
    assert call["from"] == "+15005550006"
    assert f"요청 {' '.join(req.id)}번" in call["twiml"] and "상담" in call["twiml"]
    assert "3시간" in call["twiml"] and "1번을 누르세요" in call["twiml"]
    assert f"/twilio/calls/connect?request={req.id}" in call["twiml"]
    assert call["status_callback"].startswith("https://hotline.example.org/twilio/calls/status")
    assert CALLER.lstrip("+") not in str(call)


def test_the_worker_reads_urgent_then_callbacks_then_default(redis_conn, config):
    req, vid = taken_request(redis_conn, config)
    other = callbacks.create(redis_conn, config, "+821055556666", language="ko", topic="clinic",
                             now=NOW).request
    callbacks.postpone(redis_conn, config, req.id, NOW)  # make it 'later' so the SMS job runs
    jobs.enqueue_tried_sms(redis_conn, req.id)  # default queue, enqueued first
    callbacks.take_next(redis_conn, config, ["ko"], vid, NOW)
    jobs.enqueue_call_volunteer(redis_conn, other.id, vid, NOW)  # callbacks queue, second
    work(redis_conn)
    assert [e["kind"] for e in read_outbox(config.data_dir)] == ["call", "sms"]


def test_a_call_job_for_a_request_no_longer_taken_does_nothing(redis_conn, config):
    req, vid = taken_request(redis_conn, config)
    callbacks.close(redis_conn, config, req.id, Status.CANCELLED, NOW)
    job = jobs.enqueue_call_volunteer(redis_conn, req.id, vid, req.taken)
    work(redis_conn)
    assert job.return_value() == "skipped" and read_outbox(config.data_dir) == []


def test_a_refused_call_puts_the_request_back(redis_conn, config):
    stub = TwilioApiStub().start()
    try:
        from twilio.rest import Client

        client = Client("AC" + "0" * 32, "tok", http_client=stub.http_client())
        context.configure(config, transport=TwilioTransport(client, "+15005550006"),
                          clock=lambda: NOW)
        vid = volunteers.add(redis_conn, config, "Gone", "+15005550009", ("ko",)).id
        req, _ = taken_request(redis_conn, config, vid=vid)
        jobs.enqueue_call_volunteer(redis_conn, req.id, vid, req.taken)
        work(redis_conn)
        assert stub.requests[0]["what"] == "Calls"
        back = callbacks.get(redis_conn, config, req.id)
        assert back.status == Status.WAITING and callbacks.position(redis_conn, config, back) == 1
    finally:
        stub.stop()


def test_job_log_lines_carry_the_job_id_and_no_number(redis_conn, config):
    records = []
    handler = logging.Handler()
    handler.emit = records.append
    handler.addFilter(context.JobIdFilter())
    logger = logging.getLogger("hotline.jobs")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        req, vid = taken_request(redis_conn, config)
        job = jobs.enqueue_call_volunteer(redis_conn, req.id, vid, req.taken)
        work(redis_conn)
    finally:
        logger.removeHandler(handler)
    assert records and all(r.job_id == job.id for r in records)
    assert all(CALLER.lstrip("+") not in r.getMessage() for r in records)
    assert all(VOLUNTEER.lstrip("+") not in r.getMessage() for r in records)


def test_an_unanswered_caller_is_tried_three_times_then_texted_once(redis_conn, config):
    req, vid = taken_request(redis_conn, config)
    registry = ScheduledJobRegistry(jobs.CALLBACKS, connection=redis_conn)
    queue = jobs.queue(redis_conn, jobs.CALLBACKS)
    now = NOW
    for attempt in (1, 2):
        assert bridge.caller_missed(redis_conn, config, req, now) == "later"
        later = callbacks.get(redis_conn, config, req.id)
        assert later.status == Status.LATER and later.attempts == attempt
        (job_id,) = registry.get_job_ids()
        due = registry.get_scheduled_time(job_id).timestamp()
        local = datetime.fromtimestamp(due, UTC).astimezone(ZoneInfo("Asia/Seoul"))
        assert due >= now + bridge.RETRY_AFTER[attempt - 1] and 9 <= local.hour < 20
        job = queue.fetch_job(job_id)
        registry.remove(job)
        queue.enqueue_job(job)  # as the scheduler would at `due`
        work(redis_conn)
        assert callbacks.get(redis_conn, config, req.id).status == Status.WAITING
        now = due
        req = callbacks.take_next(redis_conn, config, ["ko"], vid, now)
        assert req is not None
    assert bridge.caller_missed(redis_conn, config, req, now) == "tried"
    work(redis_conn)
    (sms,) = [e for e in read_outbox(config.data_dir) if e["kind"] == "sms"]
    assert sms["to"] == CALLER and sms["body"] == TRIED_SMS["ko"]
    closed = callbacks.get(redis_conn, config, req.id)
    assert closed.status == Status.NO_ANSWER
    assert callbacks.number_of(redis_conn, config, req.id) is None


def test_the_sms_to_a_caller_we_missed_is_neutral_and_one_segment():
    for language, text in TRIED_SMS.items():
        assert count_segments(text).segments == 1, language
        for word in ("북한", "탈북", "난민", "콜백", "North Korea", "defector", "refugee"):
            assert word not in text


def test_retries_fall_in_the_callers_daytime():
    seoul = ZoneInfo("Asia/Seoul")
    late = datetime(2027, 1, 15, 19, 30, tzinfo=seoul).timestamp()  # +2h = 21:30
    at = datetime.fromtimestamp(bridge.next_attempt_at(late, "Asia/Seoul", 1), seoul)
    assert (at.day, at.hour, at.minute) == (16, 9, 0)
    early = datetime(2027, 1, 15, 3, 0, tzinfo=seoul).timestamp()  # +2h = 05:00
    at = datetime.fromtimestamp(bridge.next_attempt_at(early, "Asia/Seoul", 1), seoul)
    assert (at.day, at.hour) == (15, 9)
    noon = datetime(2027, 1, 15, 12, 0, tzinfo=seoul).timestamp()
    assert bridge.next_attempt_at(noon, "Asia/Seoul", 1) == noon + 2 * 3600
