"""`hotline purge` and `hotline forget`: the retention rules by hand, and erasure by staff."""

from __future__ import annotations

import json
import time
from typing import TYPE_CHECKING, Any

import click
import redis

if TYPE_CHECKING:
    from hotline.config import Settings


def _connect() -> tuple[Any, Settings]:
    from hotline.config import environment_config
    from hotline.redisdb import connect

    config = environment_config()
    return connect(config), config


def _echo(counts: dict[str, Any], as_json: bool, title: str) -> None:
    if as_json:
        click.echo(json.dumps(counts, ensure_ascii=False, indent=2, sort_keys=True))
        return
    click.echo(title)
    for name, value in counts.items():
        click.echo(f"  {name.replace('_', ' ')}: {value}")


@click.command("purge")
@click.option("--json", "as_json", is_flag=True, help="Print the counts as JSON.")
def purge(as_json: bool) -> None:
    """Apply the retention rules now (a worker also does it every hour): close what
    expired, strip closed callbacks and cases older than HOTLINE_RETENTION_DAYS to counts
    and timings, give every caller key a TTL."""
    from hotline import domains
    from hotline.privacy import retention

    conn, config = _connect()
    try:
        done = domains.purge(conn, config, time.time())
    except redis.exceptions.ConnectionError as exc:
        raise click.ClickException(f"Redis is unreachable ({exc})") from None
    days = retention.retention_seconds(config) / retention.DAY
    _echo(done, as_json, f"purged (retention {days:g} days)")


@click.command("forget")
@click.argument("number")
@click.option("--json", "as_json", is_flag=True, help="Print the counts as JSON.")
def forget(number: str, as_json: bool) -> None:
    """Erase every trace of a caller's NUMBER (+821012345678) at once: session, callback
    requests, urgent-case numbers and texts, queued texts, rate limits, answers kept for
    Twilio's retries; in the outbox, lines to the number go and the caller's words and
    number are taken out of lines to volunteers. An opt-out stays."""
    from hotline import domains
    from hotline.numbers import mask, to_e164

    e164 = to_e164(number)
    if e164 is None:
        raise click.ClickException("not a phone number; give it with its country code, "
                                   "e.g. +821012345678")
    conn, config = _connect()
    try:
        done = domains.forget(conn, config, e164, time.time())
    except redis.exceptions.ConnectionError as exc:
        raise click.ClickException(f"Redis is unreachable ({exc})") from None
    _echo(done.to_dict(), as_json, f"erased everything kept about {mask(e164)}")
