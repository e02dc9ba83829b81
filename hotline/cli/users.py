"""`hotline users add|list|remove`: accounts for the web pages."""

from __future__ import annotations

import json
import sys

import click
import redis

from hotline import users as store
from hotline.redisdb import connect
from hotline.users import ROLES, UserError


def _open() -> tuple:
    from workers.context import environment_config

    config = environment_config()
    conn = connect(config)
    try:
        conn.ping()
    except redis.RedisError as exc:
        raise click.ClickException(f"Redis is not reachable: {exc}") from None
    return conn, config


@click.group()
def users() -> None:
    """Add, list and remove web accounts (volunteers and staff)."""


@users.command("add")
@click.argument("name")
@click.option("--role", type=click.Choice(ROLES), default="volunteer", show_default=True)
@click.option("--volunteer", "volunteer",
              help="Link to this volunteer (name or phone); default: the volunteer of the "
                   "same name, if any.")
@click.option("--password-stdin", is_flag=True,
              help="Read the password from the first line of standard input.")
def add(name: str, role: str, volunteer: str | None, password_stdin: bool) -> None:
    """Create a web account; asks for the password unless --password-stdin."""
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    conn, config = _open()
    try:
        user = store.add(conn, config, name, role, password, volunteer=volunteer)
    except UserError as exc:
        raise click.ClickException(str(exc)) from None
    linked = f", volunteer {user.volunteer}" if user.volunteer else ", no volunteer record"
    click.echo(f"added {user.name} ({user.role}{linked})")


@users.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def list_(as_json: bool) -> None:
    """List web accounts."""
    conn, config = _open()
    rows = [u.to_dict() for u in store.all_users(conn, config)]
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    if not rows:
        click.echo("no accounts")
    for r in rows:
        click.echo(f"{r['name']:<20} {r['role']:<9} {r['volunteer'] or '-'}")


@users.command("remove")
@click.argument("name")
def remove(name: str) -> None:
    """Delete a web account (its sessions end at their next request)."""
    conn, config = _open()
    user = store.remove(conn, config, name)
    if user is None:
        raise click.ClickException(f"no account named {name!r}")
    click.echo(f"removed {user.name}")
