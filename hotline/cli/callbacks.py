"""`hotline callbacks list`: the callback queue, numbers masked."""

from __future__ import annotations

import json
import time

import click

from hotline.callbacks import queue
from hotline.redisdb import connect


def _age(seconds: float) -> str:
    minutes = int(seconds // 60)
    return f"{minutes // 60}h{minutes % 60:02d}m" if minutes >= 60 else f"{minutes}m"


@click.group()
def callbacks() -> None:
    """Look at the callback queue."""


@callbacks.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.option("--all", "show_all", is_flag=True, help="Closed requests too (kept one day).")
def list_(as_json: bool, show_all: bool) -> None:
    """List requests: id, masked number, language, topic, priority, status, age."""
    from hotline.config import environment_config

    config = environment_config()
    conn = connect(config)
    now = time.time()
    rows = [
        {"id": r.id, "number": r.masked or "-", "language": r.language, "topic": r.topic,
         "priority": r.priority.value, "status": r.status.value, "attempts": r.attempts,
         "age_seconds": int(r.age(now)),
         "position": queue.position(conn, config, r) if r.status == queue.Status.WAITING else 0}
        for r in queue.all_requests(conn, config) if show_all or r.status in queue.OPEN
    ]
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    if not rows:
        click.echo("no open callback requests")
    for r in rows:
        click.echo(f"{r['id']:<6} {r['number']:<16} {r['language']:<3} {r['topic']:<12} "
                   f"{r['priority']:<7} {r['status']:<10} {_age(float(r['age_seconds']))}")
