"""Done means, end to end: a voice message's delete fails at Twilio and is retried by a
worker running as its own process (`hotline worker`), against the Twilio API stand-in."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest
from rq import Worker

from hotline.callbacks import queue as callbacks
from hotline.callbacks import voicemail
from hotline.callbacks.queue import Status
from hotline.privacy.vault import new_key
from tests.processes import stop
from tests.rq_clock import advance_schedules
from tests.twilio_api_stub import TwilioApiStub

pytestmark = [pytest.mark.slow, pytest.mark.timeout(120)]

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
ACCOUNT = "AC" + "4" * 32
SID = "RE" + "f" * 32


@pytest.fixture()
def stub():
    server = TwilioApiStub().start()
    yield server
    server.stop()


@pytest.fixture()
def app_config(app_config, tmp_path, stub):
    return {**app_config, "DATA_DIR": str(tmp_path / "data"), "ENCRYPTION_KEY": new_key(),
            "TWILIO_ACCOUNT_SID": ACCOUNT, "TWILIO_API_URL": stub.url}


@pytest.fixture()
def worker_process(app, redis_url, redis_conn, tmp_path, stub):
    config = app.extensions["hotline"].config
    env = {**os.environ, "HOTLINE_REDIS_URL": redis_url, "HOTLINE_DATA_DIR": config.data_dir,
           "HOTLINE_SECRET_KEY": config.secret_key,
           "HOTLINE_ENCRYPTION_KEY": config.encryption_key,
           "HOTLINE_PUBLIC_URL": config.public_url, "TWILIO_ACCOUNT_SID": ACCOUNT,
           "TWILIO_AUTH_TOKEN": config.twilio_auth_token, "HOTLINE_TWILIO_API_URL": stub.url}
    log = open(tmp_path / "worker.log", "w")  # noqa: SIM115  (open while the worker runs)
    process = subprocess.Popen([sys.executable, "-m", "hotline.cli", "worker"], cwd=ROOT,
                               env=env, stdout=log, stderr=subprocess.STDOUT)
    deadline = time.time() + 15
    while not Worker.all(connection=redis_conn):
        assert process.poll() is None and time.time() < deadline, (tmp_path / "worker.log")
        time.sleep(0.05)
    yield process
    stop(process, log=tmp_path / "worker.log")
    log.close()


def wait_for(predicate, seconds=20.0):
    deadline = time.time() + seconds
    while time.time() < deadline:
        found = predicate()
        if found:
            return found
        time.sleep(0.05)
    raise AssertionError("timed out")


def test_a_failed_delete_is_retried_by_the_worker_process(app, redis_conn, stub,
                                                          worker_process):
    config = app.extensions["hotline"].config
    now = time.time()
    stub.recordings[SID] = b"audio"
    stub.fail_deletes = 1
    rid = voicemail.left(redis_conn, config, number="+821012345678", call_sid="CA" + "5" * 32,
                         recording_sid=SID, seconds=30, topic="other", language="ko", rid="",
                         now=now)
    callbacks.close(redis_conn, config, rid, Status.CANCELLED, now)  # the caller withdrew
    deletes = lambda: [r for r in stub.requests if r.get("method") == "DELETE"]
    wait_for(lambda: len(deletes()) == 1)  # refused (500): the job waits for its retry
    assert stub.deleted == [] and voicemail.message_of(redis_conn, config, rid) is not None
    def retried():
        advance_schedules(redis_conn, 60)  # the retry falls due now rather than in 30 s
        return stub.deleted

    wait_for(retried)
    assert stub.deleted == [SID] and len(deletes()) == 2  # one refusal, one retry
    wait_for(lambda: not redis_conn.exists(callbacks.keys(config).recording(rid)))
