"""The load generator: simulated callers over raw keep-alive HTTP/1.1 (rawhttp.py), loopback.

Closed loop (drive): each of the N callers runs conversations back to back (no pause between posts: every
caller always has one request in flight), so N is the number of requests the server is
answering at once. With `pause` (seconds, a mean) each caller waits a random time after
every answer, as a person reading it would: the load is then offered at a pace (about
N / pause requests a second), and the latencies are those of a server that is not kept
saturated. A run stops at a request count or a time, whichever comes first.

Open loop (drive_open): webhooks arrive at a fixed mean rate (Poisson arrivals), whether
or not earlier ones were answered, as a surge reaches Twilio: each arrival posts the next
step of a conversation that is not waiting for an answer (or starts a new one) on an idle
keep-alive connection (or a new one). Latency counts from the scheduled arrival, so a
server that falls behind shows it (no coordinated omission).
"""

from __future__ import annotations

import asyncio
import random
import time
from typing import Any
from urllib.parse import urlsplit

from callers import Budget, Cursor, Signer, Tally, pick, run_conversation
from rawhttp import Connection


def percentile(sorted_values: list[float], q: float) -> float:
    """The q-th percentile (0..100) of already sorted values, nearest rank."""
    if not sorted_values:
        return 0.0
    rank = max(1, min(len(sorted_values), round(q / 100 * len(sorted_values) + 0.5)))
    return sorted_values[rank - 1]


def _loopback_only(base_url: str) -> None:
    host = urlsplit(base_url).hostname
    if host not in ("127.0.0.1", "localhost", "::1"):
        raise SystemExit(f"the load generator only drives loopback servers, not {host}")


async def _drive(base_url: str, token: str, concurrency: int, requests: int | None,
                 seconds: float | None, verify: bool, seed: int, tally: Tally,
                 pause: float = 0.0, mix: str = "full") -> float:
    signer = Signer(token)
    budget = Budget(requests, seconds)

    async def caller(index: int) -> None:
        rng = random.Random(seed * 1000 + index)
        think = (lambda: rng.expovariate(1 / pause)) if pause > 0 else None
        conn = Connection(base_url)  # one keep-alive connection per caller
        try:
            if think is not None:  # callers do not all start at the same instant
                await asyncio.sleep(rng.uniform(0, pause))
            while not budget.over:
                await run_conversation(conn, signer, pick(rng, mix), tally, verify, budget,
                                       think)
        finally:
            conn.close()

    started = time.perf_counter()
    await asyncio.gather(*(caller(i) for i in range(concurrency)))
    return time.perf_counter() - started


def drive(base_url: str, token: str, concurrency: int, *, requests: int | None = None,
          seconds: float | None = 10.0, verify: bool = True, seed: int = 1,
          pause: float = 0.0, mix: str = "full") -> dict[str, Any]:
    """Run `concurrency` callers against base_url; return the figures and the tally."""
    _loopback_only(base_url)
    if requests is None and not seconds:
        raise ValueError("a run needs a request count or a duration")
    tally = Tally()
    cpu = time.process_time()
    elapsed = asyncio.run(_drive(base_url, token, concurrency, requests, seconds, verify,
                                 seed, tally, pause, mix))
    return _result(tally, elapsed, concurrency, cpu)


def _result(tally: Tally, elapsed: float, concurrency: int, cpu: float) -> dict[str, Any]:
    figures = summarize(tally, elapsed, concurrency)
    cpu = time.process_time() - cpu
    figures["client_cpu_ms"] = round(cpu * 1000 / max(1, figures["requests"]), 3)
    return {"figures": figures, "tally": tally, "elapsed": elapsed, "client_cpu": cpu}


async def _drive_open(base_url: str, token: str, rate: float, requests: int | None,
                      seconds: float | None, verify: bool, seed: int, tally: Tally,
                      mix: str) -> tuple[float, int]:
    signer, rng = Signer(token), random.Random(seed)
    budget = Budget(requests, seconds)
    ready: list[Cursor] = []  # conversations waiting for their next arrival
    idle: list[Connection] = []
    opened: list[Connection] = []
    running: set[asyncio.Task] = set()

    async def arrival(cursor: Cursor, at: float) -> None:
        conn = idle.pop() if idle else Connection(base_url)
        if conn not in opened:
            opened.append(conn)
        try:
            await cursor.post_next(conn, started=at)
        finally:
            idle.append(conn)
        if not cursor.done:
            ready.append(cursor)

    loop_start = time.perf_counter()
    due = loop_start
    while budget.take():
        due += rng.expovariate(rate)
        delay = due - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        cursor = ready.pop(0) if ready else Cursor(pick(rng, mix), signer, tally, verify)
        task = asyncio.create_task(arrival(cursor, due))
        running.add(task)
        task.add_done_callback(running.discard)
    if running:
        await asyncio.gather(*running)
    elapsed = time.perf_counter() - loop_start
    for conn in opened:
        conn.close()
    return elapsed, len(opened)


def drive_open(base_url: str, token: str, rate: float, *, requests: int | None = None,
               seconds: float | None = 10.0, verify: bool = True, seed: int = 1,
               mix: str = "full") -> dict[str, Any]:
    """Post webhooks at `rate` a second (Poisson arrivals); return figures and tally."""
    _loopback_only(base_url)
    if requests is None and not seconds:
        raise ValueError("a run needs a request count or a duration")
    tally = Tally()
    cpu = time.process_time()
    elapsed, connections = asyncio.run(_drive_open(base_url, token, rate, requests, seconds,
                                                   verify, seed, tally, mix))
    result = _result(tally, elapsed, 0, cpu)
    result["figures"]["connections"] = connections
    return result


def summarize(tally: Tally, elapsed: float, concurrency: int) -> dict[str, Any]:
    """Requests/s and latency percentiles (ms) of a run, overall and per route."""
    values = sorted(tally.latencies)

    def ms(v: float) -> float:
        return round(v * 1000, 2)

    routes = {}
    for route, samples in sorted(tally.by_route.items()):
        ordered = sorted(samples)
        routes[route] = {"requests": len(ordered), "p50_ms": ms(percentile(ordered, 50)),
                         "p99_ms": ms(percentile(ordered, 99))}
    return {
        "concurrency": concurrency,
        "requests": len(values),
        "seconds": round(elapsed, 2),
        "rps": round(len(values) / elapsed, 1) if elapsed > 0 else 0.0,
        "p50_ms": ms(percentile(values, 50)),
        "p95_ms": ms(percentile(values, 95)),
        "p99_ms": ms(percentile(values, 99)),
        "max_ms": ms(values[-1]) if values else 0.0,
        "errors": tally.error_count,
        "error_kinds": dict(tally.errors),
        "error_samples": list(tally.error_samples),
        "conversations": tally.conversations,
        "routes": routes,
    }
