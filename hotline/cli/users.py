"""`hotline users add|list|remove|role|password|logout|reset-2fa`: accounts for the web
pages.

Changing an account's role or password, `logout` or `reset-2fa`, ends its logins in every
browser. Each change is written to the access log as done by "cli".
"""

from __future__ import annotations

import json
import sys
from typing import TYPE_CHECKING

import click
import redis

from hotline.people import access_log, second_factor
from hotline.people import accounts as store
from hotline.people.accounts import ROLES, UserError
from hotline.redisdb import connect

if TYPE_CHECKING:
    from hotline.config import Settings


def _open() -> tuple[redis.Redis, Settings]:
    from hotline.config import environment_config

    config = environment_config()
    conn = connect(config)
    try:
        conn.ping()
    except redis.RedisError as exc:
        raise click.ClickException(f"Redis is not reachable: {exc}") from None
    return conn, config


def _logged(conn: redis.Redis, config: Settings, action: str, name: str) -> None:
    access_log.by_cli(conn, config, action, name)


def _read_password(password_stdin: bool) -> str:
    if password_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    return str(click.prompt("Password", hide_input=True, confirmation_prompt=True))


@click.group()
def users() -> None:
    """Add, list, change and remove web accounts (volunteers and staff)."""


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
    password = _read_password(password_stdin)
    conn, config = _open()
    try:
        user = store.add(conn, config, name, role, password, volunteer=volunteer)
    except UserError as exc:
        raise click.ClickException(str(exc)) from None
    _logged(conn, config, "account_changed", user.name)
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
        second = "2fa" if r["two_factor"] else "-"
        click.echo(f"{r['name']:<20} {r['role']:<9} {second:<4} {r['volunteer'] or '-'}")


@users.command("remove")
@click.argument("name")
def remove(name: str) -> None:
    """Delete a web account (its logins end at once, in every browser)."""
    conn, config = _open()
    user = store.remove(conn, config, name)
    if user is None:
        raise click.ClickException(f"no account named {name!r}")
    _logged(conn, config, "account_changed", user.name)
    click.echo(f"removed {user.name}")


@users.command("role")
@click.argument("name")
@click.argument("role", type=click.Choice(ROLES))
def role(name: str, role: str) -> None:
    """Give an account another role (it is logged out everywhere)."""
    conn, config = _open()
    try:
        user = store.set_role(conn, config, name, role)
    except UserError as exc:
        raise click.ClickException(str(exc)) from None
    _logged(conn, config, "account_changed", user.name)
    click.echo(f"{user.name}: {user.role} (logged out everywhere)")


@users.command("password")
@click.argument("name")
@click.option("--password-stdin", is_flag=True,
              help="Read the new password from the first line of standard input.")
def password(name: str, password_stdin: bool) -> None:
    """Set an account's password (it is logged out everywhere)."""
    new = _read_password(password_stdin)
    conn, config = _open()
    try:
        user = store.set_password(conn, config, name, new)
    except UserError as exc:
        raise click.ClickException(str(exc)) from None
    _logged(conn, config, "account_changed", user.name)
    click.echo(f"{user.name}: new password (logged out everywhere)")


@users.command("logout")
@click.argument("name")
def logout(name: str) -> None:
    """Log an account out in every browser (e.g. a lost phone)."""
    conn, config = _open()
    try:
        user = store.end_logins(conn, config, name)
    except UserError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"{user.name}: logged out everywhere")


@users.command("reset-2fa")
@click.argument("name")
def reset_2fa(name: str) -> None:
    """Remove an account's second step and recovery codes (a lost phone); it is logged out
    everywhere. Staff set up a new one at their next login, volunteers may."""
    conn, config = _open()
    try:
        user = second_factor.reset(conn, config, name)
    except UserError as exc:
        raise click.ClickException(str(exc)) from None
    _logged(conn, config, "second_factor_reset", user.name)
    click.echo(f"{user.name}: second step removed (logged out everywhere)")
