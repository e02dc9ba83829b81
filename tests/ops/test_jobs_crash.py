"""A worker process killed in the middle of a call job loses no callback request."""

import json
import os
import subprocess
import sys
import time

from hotline import jobs
from hotline.callbacks import queue as callbacks
from hotline.callbacks.queue import Status
from hotline.config import load_config
from hotline.people import volunteers
from hotline.privacy.vault import new_key

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

# A worker whose transport hangs inside the call, so the test can kill it mid-job.
WORKER = r"""
import json, sys, time
import redis
from rq import SimpleWorker
from hotline import job_context as context
from hotline.jobs import QUEUES

class HangingTransport:
    def call(self, to, **kwargs):
        open(sys.argv[2], "w").write("in the call")
        time.sleep(120)
    def send_sms(self, to, body, **kwargs):
        raise AssertionError("no SMS expected")

context.configure(json.loads(sys.argv[3]), transport=HangingTransport())
SimpleWorker(list(QUEUES), connection=redis.Redis.from_url(sys.argv[1])).work(burst=True)
"""


def test_a_killed_worker_does_not_lose_the_request(redis_url, redis_conn, tmp_path):
    overrides = {"KEY_PREFIX": "hotline:", "SECRET_KEY": "s", "ENCRYPTION_KEY": new_key(),
                 "PUBLIC_URL": "https://hotline.example.org", "DATA_DIR": str(tmp_path)}
    config = load_config(overrides, environ={})
    mina = volunteers.add(redis_conn, config, "Mina", "+821022223333", ("ko",)).id
    sam = volunteers.add(redis_conn, config, "Sam", "+821044445555", ("ko",)).id
    now = time.time()
    asked = callbacks.create(redis_conn, config, "+821012345678", language="ko",
                             topic="clinic", now=now - 600).request
    taken = callbacks.take_next(redis_conn, config, ["ko"], mina, now)
    jobs.enqueue_call_volunteer(redis_conn, taken.id, mina, taken.taken)

    marker = tmp_path / "in-call"
    worker = subprocess.Popen([sys.executable, "-c", WORKER, redis_url, str(marker),
                               json.dumps(overrides)], cwd=ROOT,
                              env={**os.environ, "PYTHONPATH": ROOT})
    try:
        deadline = time.time() + 30
        while not marker.exists() and time.time() < deadline:
            time.sleep(0.05)
        assert marker.exists(), "the worker never reached the call"
    finally:
        worker.kill()  # SIGKILL: no cleanup, as when a machine dies
        worker.wait(timeout=10)

    assert callbacks.get(redis_conn, config, asked.id).status == Status.CALLING
    # Nobody else can take it while the volunteer may still be ringing...
    assert callbacks.take_next(redis_conn, config, ["ko"], sam, now + 60) is None
    # ...but once the lease runs out it is back, for the next volunteer who asks.
    again = callbacks.take_next(redis_conn, config, ["ko"], sam, now + callbacks.LEASE + 1)
    assert again is not None and again.id == asked.id and again.volunteer == sam
    assert callbacks.number_of(redis_conn, config, asked.id) == "+821012345678"
