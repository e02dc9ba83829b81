"""`hotline worker`: run the job worker (with its scheduler) on urgent, callbacks, default."""

from __future__ import annotations

import click
import redis


@click.command()
@click.option("--burst", is_flag=True, envvar="HOTLINE_WORKER_BURST",
              help="Run the jobs that are due, then exit.")
@click.option("--queues", envvar="HOTLINE_WORKER_QUEUES", default="",
              help="Only these queues, in this order (e.g. urgent); default: all of them.")
def worker(burst: bool, queues: str) -> None:
    """Run the job worker: outbound SMS and calls, timed retries, in priority order."""
    from hotline.jobs import QUEUES
    from workers.context import environment_config
    from workers.worker import start

    names = [q.strip() for q in queues.split(",") if q.strip()] or list(QUEUES)
    unknown = [q for q in names if q not in QUEUES]
    if unknown:
        raise click.BadParameter(f"unknown queue {unknown[0]!r} (queues: {', '.join(QUEUES)})",
                                 param_hint="--queues")
    config = environment_config()
    try:
        start(config, burst=burst, queues=names)
    except redis.exceptions.ConnectionError as exc:  # a clear line, not a traceback
        raise click.ClickException(f"worker stopped: Redis is unreachable ({exc})") from None
