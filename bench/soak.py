"""The soak: mixed conversations for a while, then check the books.

    python bench/run.py --soak 10 [--soak-callers 16]

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
"""

from __future__ import annotations

import re
import time
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


def _drain(conn: redis.Redis) -> bool:
    deadline = time.monotonic() + DRAIN
    while time.monotonic() < deadline:
        busy = sum(conn.llen(f"rq:queue:{q}") + conn.zcard(f"rq:wip:{q}") for q in jobs.QUEUES)
        if not busy:
            return True
        time.sleep(0.5)
    return False


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


def _urgent_books(conn: redis.Redis, config: dict[str, Any], numbers: list[str]) -> dict:
    keys = urgent.Keys(config)
    unpaged, missing = [], []
    for number in dict.fromkeys(numbers):
        code = conn.get(keys.caller(urgent.caller_hash(config, number)))
        if code is None:
            missing.append(number[-4:])
            continue
        steps = [entry.get("step") for entry in urgent.timeline(conn, config, code.decode())]
        if "paged" not in steps:
            unpaged.append(code.decode())
    count = len(set(numbers))
    return {"opened": count, "paged": count - len(unpaged) - len(missing),
            "not_paged": unpaged[:10], "missing": missing[:10],
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


def run(minutes: float, concurrency: int, web: servers.Process, worker: servers.Process,
        conn: redis.Redis, settings: dict[str, Any], token: str) -> dict[str, Any]:
    """Soak for `minutes`, then check the books; return every figure and `passed`."""
    from hotline.config import load_config

    config = load_config(settings)
    total, started = Tally(), time.monotonic()
    rss: list[dict[str, float]] = []
    end = started + minutes * 60
    print(f"soak: {concurrency} callers for {minutes:g} min on {web.url} ...", flush=True)
    while time.monotonic() < end:
        seconds = min(SLICE, end - time.monotonic())
        part = load.drive(web.url, token, concurrency, seconds=max(1.0, seconds),
                          seed=len(rss) + 1)
        total.add(part["tally"])
        rss.append({"at_s": round(time.monotonic() - started), "web_mb": web.rss_mb(),
                    "worker_mb": worker.rss_mb(children=False)})
        print(f"  {rss[-1]['at_s']:>5} s  {len(total.latencies)} requests, "
              f"{total.error_count} errors, RSS web {rss[-1]['web_mb']} MB, "
              f"worker {rss[-1]['worker_mb']} MB", flush=True)
    figures = load.summarize(total, time.monotonic() - started, concurrency)
    drained = _drain(conn)
    books = {"callbacks": _callback_books(conn, config, total.callbacks),
             "urgent": _urgent_books(conn, config, total.urgent),
             "ttl": _ttl_books(conn, config)}
    first, last = rss[0], rss[-1]
    memory = {name: {"start_mb": first[name], "end_mb": last[name],
                     "ok": last[name] - first[name] <= max(20.0, 0.25 * first[name])}
              for name in ("web_mb", "worker_mb")}
    passed = (figures["errors"] == 0 and drained and all(b["ok"] for b in books.values())
              and all(m["ok"] for m in memory.values()))
    summary = (f"{'PASSED' if passed else 'FAILED'}: {figures['requests']} requests "
               f"({figures['rps']} req/s, p99 {figures['p99_ms']} ms), {figures['errors']} "
               f"errors; callbacks {books['callbacks']['found']}/"
               f"{books['callbacks']['requested']} in the books; urgent "
               f"{books['urgent']['paged']}/{books['urgent']['opened']} paged; keys without a "
               f"TTL where one belongs: {sum(books['ttl']['should_have_ttl'].values())}; RSS "
               f"web {memory['web_mb']['start_mb']} -> {memory['web_mb']['end_mb']} MB, worker "
               f"{memory['worker_mb']['start_mb']} -> {memory['worker_mb']['end_mb']} MB")
    print("soak " + summary)
    for name, book in books.items():
        if not book["ok"]:
            print(f"  {name}: {book}")
    return {"minutes": minutes, "callers": concurrency, "figures": figures, "books": books,
            "queues_drained": drained, "rss": rss, "memory": memory, "passed": passed,
            "summary": summary}
