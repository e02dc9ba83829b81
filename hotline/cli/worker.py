"""`hotline worker`: run the job worker (with its scheduler) on urgent, callbacks, default."""

from __future__ import annotations

import click
import redis

# What jobs cannot run without: the HMAC key for numbers, the key that opens them.
WORKER_SECRETS = {"SECRET_KEY": "HOTLINE_SECRET_KEY", "ENCRYPTION_KEY": "HOTLINE_ENCRYPTION_KEY"}


@click.command()
@click.option("--burst", is_flag=True, envvar="HOTLINE_WORKER_BURST",
              help="Run the jobs that are due, then exit.")
@click.option("--queues", envvar="HOTLINE_WORKER_QUEUES", default="",
              help="Only these queues, in this order (e.g. urgent); default: all of them.")
@click.option("--rq-log-level", envvar="HOTLINE_RQ_LOG_LEVEL", default="",
              type=click.Choice(["", "DEBUG", "INFO", "WARNING", "ERROR"], case_sensitive=False),
              help="Level of RQ's own lines (registry upkeep, start, stop); default: "
                   "HOTLINE_LOG_LEVEL. `hotline demo` sets WARNING.")
def worker(burst: bool, queues: str, rq_log_level: str) -> None:
    """Run the job worker: outbound SMS and calls, timed retries, in priority order."""
    from hotline.config import environment_config
    from hotline.jobs import QUEUES
    from hotline.ops.worker import start

    names = [q.strip() for q in queues.split(",") if q.strip()] or list(QUEUES)
    unknown = [q for q in names if q not in QUEUES]
    if unknown:
        raise click.BadParameter(f"unknown queue {unknown[0]!r} (queues: {', '.join(QUEUES)})",
                                 param_hint="--queues")
    config = environment_config()
    missing = [var for name, var in WORKER_SECRETS.items() if not getattr(config, name.lower())]
    if missing:  # jobs would fail one by one (hashes, numbers to call back) instead
        raise click.ClickException(f"set {', '.join(missing)} to start the worker "
                                   "(or HOTLINE_DEMO=1 for a local demo)")
    try:
        start(config, burst=burst, queues=names, rq_level=rq_log_level.upper() or None)
    except redis.exceptions.ConnectionError as exc:  # a clear line, not a traceback
        raise click.ClickException(f"worker stopped: Redis is unreachable ({exc})") from None
