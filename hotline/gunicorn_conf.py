"""Gunicorn settings for the web app, shared by the Dockerfile, docker-compose and bench/.

    gunicorn -c python:hotline.gunicorn_conf 'hotline:create_app()'

Each setting can be changed from the environment without editing this file:
HOTLINE_BIND (default 0.0.0.0:8000), WEB_CONCURRENCY (worker processes, default one per
CPU), HOTLINE_THREADS (threads per worker, default 4). A command-line flag (`--bind`)
still wins over this file.

Prometheus metrics of several worker processes are gathered through files in
PROMETHEUS_MULTIPROC_DIR (prometheus_client's multiprocess mode). When it is not set,
a fresh directory is made here, before the workers start, so they all share it.
"""

from __future__ import annotations

import glob
import os
import tempfile
from typing import Any

bind = os.environ.get("HOTLINE_BIND", "0.0.0.0:8000")
workers = int(os.environ.get("WEB_CONCURRENCY") or os.cpu_count() or 2)
threads = int(os.environ.get("HOTLINE_THREADS") or 4)
worker_class = "gthread"  # threads wait on Redis while another request runs
keepalive = 5  # seconds an idle keep-alive connection stays open (behind a load balancer)
timeout = 30  # a worker stuck this long is restarted; webhooks answer in milliseconds
graceful_timeout = 10
accesslog = None  # access logs would carry form-free paths only, but say nothing useful
errorlog = "-"
loglevel = os.environ.get("HOTLINE_LOG_LEVEL", "info")
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")

if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="hotline-metrics-")


def on_starting(server: Any) -> None:
    """Start with empty metric files: figures of an earlier run must not be added in."""
    folder = os.environ["PROMETHEUS_MULTIPROC_DIR"]
    os.makedirs(folder, exist_ok=True)
    for path in glob.glob(os.path.join(folder, "*.db")):
        os.remove(path)


def child_exit(server: Any, worker: Any) -> None:
    """Drop a dead worker's live gauges (its counters and histograms are kept)."""
    try:
        from prometheus_client import multiprocess
    except ImportError:  # the baseline app of bench/ runs without prometheus_client
        return
    multiprocess.mark_process_dead(worker.pid)  # type: ignore[no-untyped-call]
