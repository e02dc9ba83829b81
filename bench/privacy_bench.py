"""Benchmark: what privacy costs per caller SMS, and how long erasure and the purge take.

    python bench/privacy_bench.py [--n 2000]      # embedded Redis in a temp directory
    HOTLINE_REDIS_URL=redis://HOST:6379/N python bench/privacy_bench.py

Prints p50/p99 in milliseconds for: one SMS webhook through the app (menu step, session
sealed with Fernet, opt-out and keyword checks), the same with sessions left unsealed,
the caller-word check alone, and `erasure.forget` / `retention.purge` with 1,000 callback
requests of other callers in Redis. Uses a throw-away key prefix and removes its keys.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
import uuid

from twilio.request_validator import RequestValidator

from hotline import create_app
from hotline.callbacks import queue as callbacks
from hotline.config import load_config
from hotline.engine.caller_words import find_caller_word
from hotline.privacy import erasure, retention
from hotline.privacy.vault import new_key

TOKEN = "bench-token"
URL = "https://hotline.example.org"


def percentiles(samples: list[float]) -> str:
    ms = sorted(s * 1000 for s in samples)
    return (f"p50 {statistics.median(ms):.3f} ms  p99 {ms[int(len(ms) * 0.99) - 1]:.3f} ms"
            f"  (n={len(ms)})")


def sms_timings(config: dict, n: int, sealed: bool) -> list[float]:
    app = create_app({**config, "TESTING": True})
    if not sealed:
        app.config["ENCRYPTION_KEY"] = ""  # sessions stored as plain JSON, for comparison
    client, validator = app.test_client(), RequestValidator(TOKEN)
    out = []
    for i in range(n):
        params = {"From": f"+8210{5000_0000 + i % 500:08d}", "To": "+15005550006",
                  "Body": "안녕하세요" if i % 2 else "1", "MessageSid": f"SM{uuid.uuid4().hex}"}
        sig = validator.compute_signature(URL + "/twilio/sms", params)
        start = time.perf_counter()
        response = client.post("/twilio/sms", data=params, headers={"X-Twilio-Signature": sig})
        out.append(time.perf_counter() - start)
        assert response.status_code == 200
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=2000)
    args = parser.parse_args()
    prefix = f"bench-{uuid.uuid4().hex[:8]}:"
    data_dir = tempfile.mkdtemp(prefix="hotline-bench-")  # the outbox forget/purge rewrite
    config = {**load_config(), "KEY_PREFIX": prefix, "SECRET_KEY": "bench",
              "DATA_DIR": data_dir,
              "TWILIO_AUTH_TOKEN": TOKEN, "ENCRYPTION_KEY": new_key(), "PUBLIC_URL": URL,
              "RATE_LIMIT_PER_MINUTE": 0}
    app = create_app({**config, "TESTING": True})
    conn = app.extensions["hotline"].redis
    try:
        print("SMS webhook, sessions sealed:  ", percentiles(sms_timings(config, args.n, True)))
        print("SMS webhook, sessions unsealed:", percentiles(sms_timings(config, args.n, False)))
        words = []
        for i in range(args.n):
            start = time.perf_counter()
            find_caller_word("배가 많이 아파요" if i % 2 else "stop")
            words.append(time.perf_counter() - start)
        print("caller-word check:             ", percentiles(words))
        for i in range(1000):
            callbacks.create(conn, config, f"+8210{6000_0000 + i:08d}", language="ko",
                             topic="clinic", now=time.time())
        forget, purge = [], []
        for i in range(20):
            start = time.perf_counter()
            erasure.forget(conn, config, f"+8210{6000_0000 + i:08d}", time.time())
            forget.append(time.perf_counter() - start)
            start = time.perf_counter()
            retention.purge(conn, config, time.time())
            purge.append(time.perf_counter() - start)
        print("forget, 1000 requests kept:    ", percentiles(forget))
        print("purge, 1000 requests kept:     ", percentiles(purge))
    finally:
        keys = list(conn.scan_iter(match=prefix + "*", count=1000))
        for start in range(0, len(keys), 1000):
            conn.delete(*keys[start:start + 1000])


if __name__ == "__main__":
    main()
