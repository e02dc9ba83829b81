"""One place for errors every command may meet: Redis down is a message, not a traceback."""

from __future__ import annotations

import os
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import click
import redis


def safe_redis_url(url: str) -> str:
    """Return the Redis URL without its password (user names are kept, passwords never)."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    user = parts.username or ""
    host = parts.hostname or ""
    if parts.port is not None:
        host = f"{host}:{parts.port}"
    return urlunsplit(parts._replace(netloc=f"{user}:***@{host}"))


def _where() -> str:
    from hotline.config import load_config

    try:
        config = load_config()
    except Exception:  # noqa: BLE001  a bad setting must not hide the Redis message
        return "the configured Redis"
    url = config.redis_url
    if url:
        return safe_redis_url(str(url))
    data_dir = os.path.abspath(str(config.data_dir or "instance"))
    return f"the embedded Redis under {data_dir}"


class HotlineGroup(click.Group):
    """The `hotline` group: a command that cannot reach Redis, or whose settings do not
    parse (HOTLINE_RATE_LIMIT_PER_MINUTE=abc), says so in one line on stderr, exit 1."""

    def invoke(self, ctx: click.Context) -> Any:
        from hotline.config import ConfigError

        try:
            return super().invoke(ctx)
        except ConfigError as exc:
            raise click.ClickException(str(exc)) from None
        except (redis.ConnectionError, redis.TimeoutError):
            raise click.ClickException(f"Redis is not reachable at {_where()}") from None
