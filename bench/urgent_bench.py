"""Benchmark: from a caller's urgent SMS webhook to the first page handed to the transport.

    HOTLINE_REDIS_URL=redis://127.0.0.1:6379 python bench/urgent_bench.py [--n 200]

Posts signed SMS webhooks ("살려주세요 ...", a new caller each time) to the real app
(in-process Flask test client), with one `hotline worker` running as a separate process
on the same real Redis (its own database, claimed like the test suite claims one). The
clock stops when the page line appears in the outbox (the transport's hand-off), polled
every 0.5 ms. Prints median, p99 and max. Target: median <= 1 s, p99 <= 2 s.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from urllib.parse import urlsplit, urlunsplit

import redis
from rq import Worker
from twilio.request_validator import RequestValidator

from hotline import create_app
from hotline.people import rota, volunteers
from hotline.privacy.vault import new_key
from hotline.telephony import outbox_path
from hotline.urgent import intake as urgent_intake

SCRIPT = """\
spec_version: 1
name: bench
default_language: ko
start: main_menu
languages:
  ko: {name: 한국어}
phrases:
  invalid: {ko: 다시 골라 주세요.}
  silence: {ko: 못 들었어요.}
  resume: {ko: 이어서 할까요?}
  resume_yes: {ko: 이어서}
  resume_no: {ko: 처음부터}
  give_up: {ko: "급하면 {emergency}에 전화하세요."}
nodes:
  main_menu:
    type: menu
    text: {ko: 무엇을 도와드릴까요?}
    options:
      - {key: 0, label: {ko: 급해요}, goto: urgent}
  urgent:
    type: urgent
    text: {ko: "곧 사람이 연락드려요. 위험하면 {emergency}에 전화하세요."}
"""

ROTA = """\
timezone: Asia/Seoul
ack_timeout_seconds: 600
levels:
  - name: primary
    shifts:
      - {volunteer: Kim, days: [mon, tue, wed, thu, fri, sat, sun], from: "00:00", to: "24:00"}
"""

TOKEN = "bench-auth-token"
PUBLIC_URL = "https://hotline.example"


def claim_db(base: str) -> tuple[str, redis.Redis, str]:
    """Claim a free database 1..15 (the test suite's claim keys); return url, admin, token."""
    def with_db(db: int) -> str:
        p = urlsplit(base)
        return urlunsplit((p.scheme, p.netloc, f"/{db}", p.query, p.fragment))
    admin = redis.Redis.from_url(with_db(0))
    token = uuid.uuid4().hex
    for db in range(1, 16):
        if admin.set(f"hotline-test-claim:{db}", token, nx=True, ex=3600):
            return with_db(db), admin, f"hotline-test-claim:{db}"
    raise SystemExit("no free Redis database (1..15)")


def outbox_lines(path: str) -> int:
    try:
        with open(path, "rb") as handle:
            return handle.read().count(b"\n")
    except FileNotFoundError:
        return 0


def main() -> None:
    """Set up app, volunteer, rota and worker; time N urgent SMS; print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=200, help="urgent SMS timed")
    parser.add_argument("--json", action="store_true", help="also print the figures as JSON")
    args = parser.parse_args()
    base = os.environ.get("HOTLINE_REDIS_URL")
    if not base:
        raise SystemExit("set HOTLINE_REDIS_URL to a real Redis (e.g. redis://127.0.0.1:6379)")
    url, admin, claim = claim_db(base)
    conn = redis.Redis.from_url(url)
    conn.flushdb()
    tmp = tempfile.mkdtemp(prefix="urgent-bench-")
    scripts_dir, data_dir = os.path.join(tmp, "scripts"), os.path.join(tmp, "data")
    os.makedirs(scripts_dir)
    with open(os.path.join(scripts_dir, "bench.yaml"), "w", encoding="utf-8") as handle:
        handle.write(SCRIPT)
    config = {"REDIS_URL": url, "DATA_DIR": data_dir, "SCRIPTS_DIR": scripts_dir,
              "SECRET_KEY": uuid.uuid4().hex, "ENCRYPTION_KEY": new_key(),
              "TWILIO_AUTH_TOKEN": TOKEN, "PUBLIC_URL": PUBLIC_URL}
    app = create_app(config)
    capabilities = app.extensions["hotline"].capabilities
    if "urgent" not in capabilities:  # until create_app registers it
        capabilities.register("urgent", urgent_intake.urgent_capability)
    settings = app.extensions["hotline"].config  # the Settings the app runs with
    volunteers.add(conn, settings, "Kim", "+821011110001", ("ko",))
    rota.import_rota(conn, settings, ROTA, "rota.yaml", time.time(),
                     rota.resolver(conn, settings))

    env = {**os.environ, "HOTLINE_REDIS_URL": url, "HOTLINE_DATA_DIR": data_dir,
           "HOTLINE_SECRET_KEY": config["SECRET_KEY"],
           "HOTLINE_ENCRYPTION_KEY": config["ENCRYPTION_KEY"]}
    log = open(os.path.join(tmp, "worker.log"), "w")  # noqa: SIM115  (the worker's lifetime)
    worker = subprocess.Popen([sys.executable, "-m", "hotline.cli", "worker"], env=env,
                              stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.time() + 20
        while not Worker.all(connection=conn):
            if time.time() > deadline or worker.poll() is not None:
                raise SystemExit(f"the worker did not start; see {log.name}")
            time.sleep(0.05)
        client = app.test_client()
        validator = RequestValidator(TOKEN)
        outbox = outbox_path(data_dir)
        times: list[float] = []
        for i in range(args.n + 5):
            params = {"From": f"+8210{30000000 + i:08d}", "To": "+15005550006",
                      "Body": "살려주세요 숨을 못 쉬겠어요", "MessageSid": f"SMbench{i:06d}",
                      "AccountSid": "ACbench", "NumMedia": "0", "NumSegments": "1"}
            signature = validator.compute_signature(PUBLIC_URL + "/twilio/sms", params)
            before = outbox_lines(outbox)
            t0 = time.perf_counter()
            reply = client.post("/twilio/sms", data=params,
                                headers={"X-Twilio-Signature": signature})
            if reply.status_code != 200 or "119" not in reply.get_data(as_text=True):
                raise SystemExit(f"unexpected reply: {reply.status_code} {reply.data[:200]!r}")
            while outbox_lines(outbox) == before:
                if time.perf_counter() - t0 > 10:
                    raise SystemExit(f"no page within 10 s; see {log.name}")
                time.sleep(0.0005)
            if i >= 5:  # the first few warm up imports, connections and the worker
                times.append(time.perf_counter() - t0)
            time.sleep(0.02)
        times.sort()
        median = statistics.median(times)
        p99 = times[max(0, int(len(times) * 0.99) - 1)]
        print(f"urgent SMS -> first page handed to the transport, {len(times)} cases, "
              f"one worker process: median {median * 1000:.0f} ms, p99 {p99 * 1000:.0f} ms, "
              f"max {times[-1] * 1000:.0f} ms (target median <= 1000, p99 <= 2000: "
              f"{'met' if median <= 1 and p99 <= 2 else 'NOT met'})")
        if args.json:
            met = median <= 1 and p99 <= 2
            summary = (f"urgent SMS -> first page, {len(times)} cases: median "
                       f"{median * 1000:.0f} ms, p99 {p99 * 1000:.0f} ms (target median <= 1 s,"
                       f" p99 <= 2 s: {'met' if met else 'NOT met'})")
            print(json.dumps({"cases": len(times), "median_ms": round(median * 1000, 1),
                              "p99_ms": round(p99 * 1000, 1),
                              "max_ms": round(times[-1] * 1000, 1), "met": met,
                              "summary": summary}))
    finally:
        worker.terminate()
        worker.wait(10)
        log.close()
        conn.flushdb()
        if admin.get(claim):
            admin.delete(claim)


if __name__ == "__main__":
    main()
