"""GET /metrics in Prometheus format, and the webhook latency histogram behind it.

Not public: with HOTLINE_METRICS_TOKEN set, a scrape must send `Authorization: Bearer
<token>`; without one, only a request from this machine's loopback that came through no
proxy (no X-Forwarded-For) is answered. Anything else gets 404, as if there were nothing.

Under gunicorn several processes answer webhooks: each writes its latency histogram to
files in PROMETHEUS_MULTIPROC_DIR (hotline/gunicorn_conf.py sets one up), and a scrape
adds them up. Without that directory (`hotline serve`, tests) the histogram lives in this
process. The Redis gauges and totals come from hotline.ops.metrics.
"""

from __future__ import annotations

import hmac
import os
import time

from flask import Blueprint, Flask, Response, abort, g, request
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Histogram, generate_latest

from hotline.ops.metrics import RedisCollector
from hotline.web import runtime

bp = Blueprint("metrics", __name__)

BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 15.0)
# Made once per process; with PROMETHEUS_MULTIPROC_DIR set (before prometheus_client is
# first imported) its values go to that directory's files.
WEBHOOK_SECONDS = Histogram("hotline_webhook_seconds", "Time to answer a Twilio webhook",
                            ["route"], buckets=BUCKETS, registry=None)
LOOPBACK = frozenset({"127.0.0.1", "::1"})


def _start_timer() -> None:
    if request.path.startswith("/twilio/"):
        g.hotline_started = time.perf_counter()


def _observe(response: Response) -> Response:
    started = g.pop("hotline_started", None)
    if started is not None:
        rule = request.url_rule.rule if request.url_rule is not None else "unmatched"
        WEBHOOK_SECONDS.labels(rule).observe(time.perf_counter() - started)
    return response


def init_app(app: Flask) -> None:
    """Time every /twilio/* request and mount /metrics."""
    app.before_request(_start_timer)
    app.after_request(_observe)
    app.register_blueprint(bp)


def _allowed() -> bool:
    token = str(runtime().config.metrics_token or "")
    if token:
        sent = request.headers.get("Authorization", "")
        return hmac.compare_digest(sent.encode(), f"Bearer {token}".encode())
    return request.remote_addr in LOOPBACK and "X-Forwarded-For" not in request.headers


def _languages() -> set[str]:
    app = runtime()
    found = {"ko", "en"}
    for name in app.scripts.names():
        script = app.scripts.get(name)
        if script is not None:
            found.update(script.languages)
    return found


@bp.get("/metrics")
def metrics() -> Response:
    """Every figure in Prometheus text format (404 unless allowed)."""
    if not _allowed():
        abort(404)
    app = runtime()
    registry = CollectorRegistry()
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
    else:
        registry.register(WEBHOOK_SECONDS)
    registry.register(RedisCollector(app.redis, app.config, _languages()))
    return Response(generate_latest(registry), content_type=CONTENT_TYPE_LATEST,
                    headers={"Cache-Control": "no-store"})
