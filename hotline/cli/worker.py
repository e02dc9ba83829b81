"""`hotline worker`: run the job worker (with its scheduler) on urgent, callbacks, default."""

from __future__ import annotations

import click
import redis


@click.command()
@click.option("--burst", is_flag=True, envvar="HOTLINE_WORKER_BURST",
              help="Run the jobs that are due, then exit.")
def worker(burst: bool) -> None:
    """Run the job worker: outbound SMS and calls, timed retries, in priority order."""
    from workers.context import environment_config
    from workers.worker import start

    config = environment_config()
    try:
        start(config, burst=burst)
    except redis.exceptions.ConnectionError as exc:  # a clear line, not a traceback
        raise click.ClickException(f"worker stopped: Redis is unreachable ({exc})") from None
