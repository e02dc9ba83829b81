"""The soak: mixed conversations for a while, then check the books.

    python bench/run.py --soak 10 [--soak-rate 100 | --soak-callers 16]

The load is open loop by default: conversations of the surge mix arrive as Poisson
arrivals at a fixed rate of webhooks (--soak-rate, 100 a second), whether or not earlier
ones were answered, as a surge reaches Twilio (load.drive_open). With --soak-callers N it
is closed loop instead: N callers posting as fast as they are answered, which measures how
fast the RQ worker pages rather than a surge (a faster web path opens more urgent cases a
second than one worker pages). Every SLICE seconds the RSS and the length of the urgent
queue (queued plus running jobs) are read.

After the load the worker is given time to drain its queues, then:
- every callback a caller was told was taken ("요청을 받았어요") is a request in Redis that
  is waiting in its language's queue, being called, due again, or closed;
- every urgent case a caller opened was paged (its timeline has a "paged" step);
- no Redis key is left without a TTL unless it is one that lives on by design (queues,
  indexes, the directory, volunteers, the rota, running totals, RQ's own records, open
  callback requests);
- RSS of the web processes (gunicorn master and workers) and of the worker (its main
  process: the work horses it forks per job come and go), after the first slice and at
  the end: the growth must stay under max(20 MB, 25 %);
- no wrong answer at all.
It also reports how far paging lagged, so a backlog shows as a figure: the urgent queue's
length per slice (and its largest), how long the drain took, and the time from a case's
opening to its first page (p50/p99/max, from the case timelines, whose times are whole
seconds).
"""

from __future__ import annotations

import re
import time
from datetime import datetime
from typing import Any

import load
import redis
import servers
from callers import Tally

from hotline import jobs
from hotline.callbacks import queue as callbacks
from hotline.urgent import cases as urgent

SLICE = 30.0  # seconds of load between RSS readings
DRAIN = 60.0  # seconds the worker gets to empty its queues afterwards

# Keys that rightly have no TTL (under the key prefix), and RQ's own bookkeeping.
LONG_LIVED = (r"vol:.*|rota.*|dir:.*|users?:.*|cb:(q:.*|index|leases|waits|stats|seq)"
              r"|urgent:cases|metrics|scripts?:.*|prog:(all|counts:.*)")


def _drain(conn: redis.Redis) -> tuple[bool, float]:
    """Wait (at most DRAIN s) for the worker to empty its queues: (emptied, seconds)."""
    started = time.monotonic()
    while time.monotonic() - started < DRAIN:
        busy = sum(conn.llen(f"rq:queue:{q}") + conn.zcard(f"rq:wip:{q}") for q in jobs.QUEUES)
        if not busy:
            return True, round(time.monotonic() - started, 1)
        time.sleep(0.5)
    return False, round(time.monotonic() - started, 1)


def _callback_books(conn: redis.Redis, config: dict[str, Any], numbers: list[str]) -> dict:
    k = callbacks.keys(config)
    rids = [r.decode() for r in conn.zrange(k.index, 0, -1)]
    by_caller: dict[str, list[tuple[str, str]]] = {}
    pipe = conn.pipeline(transaction=False)
    for rid in rids:
        pipe.hmget(k.req(rid), "caller", "status", "language")
    for rid, (caller, status, language) in zip(rids, pipe.execute(), strict=True):
        if caller:
            by_caller.setdefault(caller.decode(), []).append(
                (rid, f"{status.decode()}:{language.decode()}"))
    missing, not_queued = [], []
    for number in numbers:
        found = by_caller.get(callbacks.caller_hash(config, number), [])
        if not found:
            missing.append(number[-4:])
            continue
        rid, state = found[-1]
        status, language = state.split(":", 1)
        known = status in {s.value for s in callbacks.Status}
        queued = status != callbacks.Status.WAITING.value or conn.zscore(k.queue(language),
                                                                          rid) is not None
        if not (known and queued):
            not_queued.append(rid)
    return {"requested": len(numbers), "found": len(numbers) - len(missing),
            "missing": missing[:10], "waiting_not_in_queue": not_queued[:10],
            "ok": not missing and not not_queued}


def _urgent_backlog(conn: redis.Redis) -> int:
    """Urgent jobs waiting or running (RQ's queue and its started registry)."""
    return int(conn.llen(f"rq:queue:{jobs.URGENT}") + conn.zcard(f"rq:wip:{jobs.URGENT}"))


def _first_page_s(steps: list[dict[str, Any]]) -> float | None:
    """Seconds from the case's opening to its first page, from its timeline."""
    created = next((e["at"] for e in steps if e.get("step") == "created"), None)
    paged = next((e["at"] for e in steps if e.get("step") == "paged"), None)
    if created is None or paged is None:
        return None
    return (datetime.fromisoformat(paged) - datetime.fromisoformat(created)).total_seconds()


def _urgent_books(conn: redis.Redis, config: dict[str, Any], numbers: list[str]) -> dict:
    keys = urgent.Keys(config)
    unpaged, missing = [], []
    lags: list[float] = []
    for number in dict.fromkeys(numbers):
        code = conn.get(keys.caller(urgent.caller_hash(config, number)))
        if code is None:
            missing.append(number[-4:])
            continue
        entries = urgent.timeline(conn, config, code.decode())
        lag = _first_page_s(entries)
        if lag is None:
            unpaged.append(code.decode())
        else:
            lags.append(lag)
    count = len(set(numbers))
    lags.sort()
    to_page = {"cases": len(lags), "p50_s": load.percentile(lags, 50),
               "p99_s": load.percentile(lags, 99), "max_s": lags[-1] if lags else 0.0}
    return {"opened": count, "paged": count - len(unpaged) - len(missing),
            "not_paged": unpaged[:10], "missing": missing[:10], "open_to_first_page": to_page,
            "ok": not unpaged and not missing}


def _pattern(key: str) -> str:
    """The key with its ids (numbers, hashes, case codes) as '*': 'rq:job:urgent-*-*'."""
    parts = re.split(r"([:\-])", key)
    return "".join("*" if re.search(r"\d", p) or re.fullmatch(r"[0-9a-f]{16,}|[A-Z]{2,8}", p)
                   else p for p in parts)


def _ttl_books(conn: redis.Redis, config: dict[str, Any]) -> dict:
    k = callbacks.keys(config)
    long_lived = re.compile(rf"^(rq:.*|{re.escape(k.prefix)}({LONG_LIVED}))$")
    without: dict[str, int] = {}
    wrong: dict[str, int] = {}
    scanned = 0
    for raw in conn.scan_iter(count=1000):
        scanned += 1
        name = raw.decode()
        if conn.ttl(raw) != -1:
            continue
        pattern = _pattern(name)
        without[pattern] = without.get(pattern, 0) + 1
        if long_lived.match(name):
            continue
        if name.startswith(k.req("")):  # an open request stays until it is handled
            status = conn.hget(raw, "status")
            if status and status.decode() in {s.value for s in callbacks.OPEN}:
                continue
        wrong[pattern] = wrong.get(pattern, 0) + 1
    return {"keys": scanned, "without_ttl": without, "should_have_ttl": wrong, "ok": not wrong}


def run(minutes: float, rate: float | None, concurrency: int | None, web: servers.Process,
        worker: servers.Process, conn: redis.Redis, settings: dict[str, Any],
        token: str) -> dict[str, Any]:
    """Soak for `minutes` at `rate` webhooks a second (open loop) or with `concurrency`
    callers (closed loop), then check the books; return every figure and `passed`."""
    from hotline.config import load_config

    config = load_config(settings)
    total, started = Tally(), time.monotonic()
    slices: list[dict[str, float]] = []
    end = started + minutes * 60
    load_text = (f"{concurrency} callers (closed loop)" if concurrency
                 else f"{rate:g} webhooks/s (open loop, Poisson arrivals)")
    print(f"soak: {load_text} for {minutes:g} min on {web.url} ...", flush=True)
    while time.monotonic() < end:
        seconds = max(1.0, min(SLICE, end - time.monotonic()))
        seed = len(slices) + 1
        if concurrency:
            part = load.drive(web.url, token, concurrency, seconds=seconds, seed=seed)
        else:
            part = load.drive_open(web.url, token, float(rate or 0), seconds=seconds,
                                   seed=seed)
        total.add(part["tally"])
        slices.append({"at_s": round(time.monotonic() - started), "web_mb": web.rss_mb(),
                       "worker_mb": worker.rss_mb(children=False),
                       "urgent_queue": _urgent_backlog(conn),
                       "urgent_opened": len(set(total.urgent))})
        now = slices[-1]
        print(f"  {now['at_s']:>5} s  {len(total.latencies)} requests, "
              f"{total.error_count} errors, {now['urgent_opened']} urgent cases opened, "
              f"urgent queue {now['urgent_queue']}, RSS web {now['web_mb']} MB, "
              f"worker {now['worker_mb']} MB", flush=True)
    figures = load.summarize(total, time.monotonic() - started, concurrency or 0)
    drained, drain_s = _drain(conn)
    books = {"callbacks": _callback_books(conn, config, total.callbacks),
             "urgent": _urgent_books(conn, config, total.urgent),
             "ttl": _ttl_books(conn, config)}
    first, last = slices[0], slices[-1]
    memory = {name: {"start_mb": first[name], "end_mb": last[name],
                     "ok": last[name] - first[name] <= max(20.0, 0.25 * first[name])}
              for name in ("web_mb", "worker_mb")}
    lag = {"urgent_queue_per_slice": [s["urgent_queue"] for s in slices],
           "urgent_queue_max": max(s["urgent_queue"] for s in slices),
           "urgent_queue_at_end": last["urgent_queue"], "drain_s": drain_s,
           **books["urgent"]["open_to_first_page"]}
    passed = (figures["errors"] == 0 and drained and all(b["ok"] for b in books.values())
              and all(m["ok"] for m in memory.values()))
    summary = (f"{'PASSED' if passed else 'FAILED'}: {load_text}, {figures['requests']} "
               f"requests ({figures['rps']} req/s, p50 {figures['p50_ms']} ms, p99 "
               f"{figures['p99_ms']} ms), {figures['errors']} errors; callbacks "
               f"{books['callbacks']['found']}/{books['callbacks']['requested']} in the books; "
               f"urgent {books['urgent']['paged']}/{books['urgent']['opened']} paged, opening "
               f"to first page p50 {lag['p50_s']:g} s, p99 {lag['p99_s']:g} s, max "
               f"{lag['max_s']:g} s; urgent queue at most {lag['urgent_queue_max']} "
               f"(per slice), {lag['urgent_queue_at_end']} at the end of the load, queues "
               f"{'drained' if drained else 'NOT drained'} in {drain_s:g} s; keys without a "
               f"TTL where one belongs: {sum(books['ttl']['should_have_ttl'].values())}; RSS "
               f"web {memory['web_mb']['start_mb']} -> {memory['web_mb']['end_mb']} MB, worker "
               f"{memory['worker_mb']['start_mb']} -> {memory['worker_mb']['end_mb']} MB")
    print("soak " + summary)
    for name, book in books.items():
        if not book["ok"]:
            print(f"  {name}: {book}")
    return {"minutes": minutes, "mode": "closed" if concurrency else "open",
            "rate": None if concurrency else rate, "callers": concurrency,
            "figures": figures, "books": books, "queues_drained": drained, "lag": lag,
            "rss": slices, "memory": memory, "passed": passed, "summary": summary}
