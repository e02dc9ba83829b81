"""Operational figures for Prometheus, kept in Redis so every process and node shares them.

Counters that jobs add to (pages sent, escalations, job failures; hotline/totals.py) live
in one Redis hash, `<prefix>metrics`, without a TTL: they are running totals, as Prometheus counters
are. Gauges (callbacks waiting by priority, urgent cases open, jobs queued or failed) are
read from Redis when /metrics is scraped, so they are right whichever node answers.
Webhook latency is per process (hotline/web/metrics.py).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from typing import Any

import redis
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector

from hotline import jobs
from hotline.callbacks import queue as callbacks
from hotline.callbacks.queue import Priority
from hotline.config import Settings
from hotline.totals import (
    DIRECTORY_SYNC_FAILURES,
    DIRECTORY_SYNCS,
    ESCALATIONS,
    JOB_FAILURES,
    PAGES_SENT,
    count,
    key,
)
from hotline.urgent import cases as urgent

log = logging.getLogger(__name__)

OPEN_CASES_SCANNED = 500  # newest urgent cases looked at for the open count


def count_job_failure(job: Any, *exc_info: Any) -> bool:
    """RQ exception handler: count a failed job attempt per queue, then let RQ go on."""
    from hotline import job_context as context

    count(job.connection, context.config(), f"{JOB_FAILURES}:{job.origin}")
    return True  # the next handler (RQ's own: retry or the failed registry) runs too


class RedisCollector(Collector):
    """Reads the gauges and the running totals from Redis at scrape time."""

    def __init__(self, conn: redis.Redis, config: Settings, languages: Iterable[str]):
        self.conn, self.config, self.languages = conn, config, sorted(set(languages))

    def collect(self) -> Iterator[Any]:
        """Yield every metric family; nothing (and a log line) when Redis cannot answer."""
        try:
            families = list(self._families())
        except redis.RedisError as exc:
            log.warning("metrics: redis unreachable (%s)", type(exc).__name__)
            families = []
        up = GaugeMetricFamily("hotline_redis_up", "1 when Redis answered this scrape")
        up.add_metric([], 1 if families else 0)
        yield up
        yield from families

    def _families(self) -> Iterator[Any]:
        k = callbacks.keys(self.config)
        pipe = self.conn.pipeline(transaction=False)
        spans = []
        for language in self.languages:
            for priority in Priority:
                low = callbacks.score(priority, 0)
                high = callbacks.score(priority, 0) + callbacks._RANK_SPAN - 1
                pipe.zcount(k.queue(language), low, high)
                spans.append((priority.value, language))
        pipe.zrevrange(urgent.Keys(self.config).index, 0, OPEN_CASES_SCANNED - 1)
        pipe.hgetall(key(self.config))
        for name in jobs.QUEUES:
            pipe.llen(f"rq:queue:{name}")
            pipe.zcard(f"rq:wip:{name}")
            pipe.zcard(f"rq:failed:{name}")
        replies = pipe.execute()
        waiting, rest = replies[:len(spans)], replies[len(spans):]
        codes, totals, rq_counts = rest[0], rest[1], rest[2:]

        family = GaugeMetricFamily("hotline_callbacks_waiting",
                                   "Callback requests waiting in the queue",
                                   labels=["priority", "language"])
        for (rank, language), value in zip(spans, waiting, strict=True):
            family.add_metric([rank, language], value)
        yield family

        yield self._open_cases(codes)

        totals = {name.decode(): int(value) for name, value in totals.items()}
        for name, help_text in ((PAGES_SENT, "Pages (SMS) sent to volunteers for urgent cases"),
                                (ESCALATIONS, "Urgent cases escalated to a further level"),
                                (DIRECTORY_SYNCS, "Scheduled HSDS directory syncs that loaded"),
                                (DIRECTORY_SYNC_FAILURES,
                                 "Scheduled HSDS directory syncs that failed (nothing changed)")):
            counter = CounterMetricFamily(f"hotline_{name}", help_text)
            counter.add_metric([], totals.get(name, 0))
            yield counter
        failures = CounterMetricFamily("hotline_job_failures",
                                       "Job attempts that raised (before any retry)",
                                       labels=["queue"])
        for name in jobs.QUEUES:
            failures.add_metric([name], totals.get(f"{JOB_FAILURES}:{name}", 0))
        yield failures

        queued = GaugeMetricFamily("hotline_jobs", "Jobs by queue and state",
                                   labels=["queue", "state"])
        for index, name in enumerate(jobs.QUEUES):
            for offset, state in enumerate(("queued", "started", "failed")):
                queued.add_metric([name, state], rq_counts[index * 3 + offset])
        yield queued

    def _open_cases(self, codes: list[bytes]) -> GaugeMetricFamily:
        keys = urgent.Keys(self.config)
        pipe = self.conn.pipeline(transaction=False)
        for code in codes:
            pipe.hget(keys.case(code.decode()), "state")
        states = pipe.execute() if codes else []
        family = GaugeMetricFamily("hotline_urgent_cases_open",
                                   "Urgent cases not closed (among the newest "
                                   f"{OPEN_CASES_SCANNED})", labels=["state"])
        for state in sorted(urgent.OPEN, key=lambda s: s.value):
            family.add_metric([state.value],
                              sum(1 for s in states if s and s.decode() == state.value))
        return family
