"""`hotline worker --burst` as its own process: runs due jobs in priority order and logs ids."""

import json
import os
import subprocess
import sys
import time

import redis
from rq.registry import ScheduledJobRegistry

from hotline import jobs
from hotline.callbacks import queue as callbacks
from hotline.config import load_config
from hotline.people import volunteers
from hotline.privacy.vault import new_key
from hotline.telephony import read_outbox

CALLER = "+821012345678"
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def test_the_worker_command_runs_the_call_job_and_logs_only_ids(redis_url, redis_conn,
                                                                tmp_path):
    config = load_config({"KEY_PREFIX": "hotline:", "SECRET_KEY": "s", "ENCRYPTION_KEY": new_key(),
              "PUBLIC_URL": "https://hotline.example.org", "DATA_DIR": str(tmp_path)}, environ={})
    vid = volunteers.add(redis_conn, config, "Mina", "+821022223333", ("ko",)).id
    callbacks.create(redis_conn, config, CALLER, language="ko", topic="clinic",
                     now=time.time() - 600)
    req = callbacks.take_next(redis_conn, config, ["ko"], vid, time.time())
    job = jobs.enqueue_call_volunteer(redis_conn, req.id, vid, req.taken)
    # A second request whose caller did not answer, due back in the queue a moment ago:
    # only a worker running the scheduler puts it back.
    later = callbacks.create(redis_conn, config, "+821055556666", language="ko",
                             topic="shelter", now=time.time() - 900).request
    callbacks.take_next(redis_conn, config, ["ko"], vid, time.time())
    callbacks.postpone(redis_conn, config, later.id, time.time() - 1)
    jobs.schedule_requeue(redis_conn, later.id, time.time() - 1, attempt=1)
    env = {**os.environ, "HOTLINE_REDIS_URL": redis_url, "HOTLINE_DATA_DIR": str(tmp_path),
           "HOTLINE_SECRET_KEY": "s", "HOTLINE_ENCRYPTION_KEY": config.encryption_key,
           "HOTLINE_PUBLIC_URL": config.public_url, "PYTHONPATH": ROOT}
    env.pop("TWILIO_ACCOUNT_SID", None)
    done = subprocess.run([sys.executable, "-m", "hotline.cli", "worker", "--burst"], env=env,
                          check=False,
                          capture_output=True, text=True, timeout=60, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    log = done.stdout + done.stderr
    lines = [json.loads(line) for line in log.splitlines() if line.strip()]  # JSON lines
    loggers = {entry["logger"] for entry in lines if entry.get("job_id") == job.id}
    assert {"hotline.jobs", "rq.worker"} <= loggers, loggers
    assert all({"at", "level", "logger", "msg"} <= set(entry) for entry in lines)
    assert CALLER[1:] not in log and "1012345678" not in log
    (call,) = read_outbox(str(tmp_path))
    assert call["to"] == "+821022223333" and f"request={req.id}" in call["twiml"]
    assert redis.Redis.from_url(redis_url).exists(f"rq:job:{job.id}")
    assert job.get_status(refresh=True) == "finished"
    assert callbacks.get(redis_conn, config, later.id).status == callbacks.Status.WAITING
    # Starting, the worker scheduled the next retention purge (a job in Redis, one per slot).
    scheduled = ScheduledJobRegistry(jobs.DEFAULT, connection=redis_conn).get_job_ids()
    (purge,) = [j for j in scheduled if j.startswith("purge-")]
    assert int(purge.split("-")[1]) * 3600 > time.time() - 60  # the next hour's slot


def test_a_worker_stops_at_once_every_time(redis_conn):
    """RQ 3.0 with redis-py 8 stalled a worker's stop for a minute about one time in
    twenty (its pubsub thread waited for a subscription that never came): a burst run in
    a test took 60 s, and a stopped worker could take a minute to exit. A hundred stops in
    a row, each well under a second, and the thread gone."""
    from rq import Queue

    from hotline.ops.worker import HotlineWorker

    queue = Queue("teardown-test", connection=redis_conn)
    for _ in range(100):
        worker = HotlineWorker([queue], connection=redis_conn)
        worker.subscribe()
        started = time.monotonic()
        worker.unsubscribe()
        assert time.monotonic() - started < 1.0
        assert not worker.pubsub_thread.is_alive()


def test_the_worker_compiles_the_volunteer_phrases_before_it_forks_a_job(redis_conn,
                                                                        monkeypatch):
    """A work horse's caches die with it: compiled there, the scripts cost every page job
    about 0.25 s (one worker paged about 3 cases a second in the soak). The worker's main
    process compiles them before it forks, so the horse only reads them."""
    from rq import Queue

    from hotline.ops.worker import HotlineWorker
    from hotline.scripts import volunteer_texts

    config = load_config({"KEY_PREFIX": "warm-test:", "SCRIPTS_DIR": os.path.join(ROOT, "ivr_scripts")},
                         environ={})
    volunteer_texts._cache.clear()
    worker = HotlineWorker([Queue("warm-test", connection=redis_conn)], connection=redis_conn,
                           hotline_config=config)
    worker.warm_caches()

    def no_compiling(texts):
        raise AssertionError("the scripts were compiled again after the worker's warm-up")

    monkeypatch.setattr(volunteer_texts, "_compile", no_compiling)
    # The phrase as ivr_scripts/main.yaml writes it in Korean (a failed compile would give
    # the built-in English fallback instead).
    assert volunteer_texts.phrase(redis_conn, config, "urgent_page", "ko").startswith("긴급 {code}")
