"""`hotline volunteers add|list|remove`: the people who take callbacks."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import click
import redis

from hotline.numbers import mask
from hotline.people import access_log
from hotline.people import volunteers as store
from hotline.people.volunteers import ROLES, VolunteerError
from hotline.redisdb import connect

if TYPE_CHECKING:
    from hotline.config import Settings


def _script_languages() -> tuple[str, ...]:
    """The languages declared by the scripts in HOTLINE_SCRIPTS_DIR (none if unreadable)."""
    from hotline.config import load_config
    from hotline.engine.loader import ScriptError, load_scripts

    try:
        scripts = load_scripts(load_config().scripts_dir)
    except (ScriptError, OSError):
        return ()
    return tuple(code for script in scripts.values() for code in script.languages)


def _open() -> tuple[redis.Redis, Settings]:
    from hotline.config import environment_config

    config = environment_config()
    return connect(config), config


@click.group()
def volunteers() -> None:
    """Add, list and remove volunteers."""


@volunteers.command("add")
@click.option("--name", required=True, help="How staff and the volunteer call them.")
@click.option("--phone", required=True,
              help="Their own number: +821012345678, or national (010-5555-1234) in the "
                   "country of HOTLINE_DEFAULT_COUNTRY (KR unless set).")
@click.option("--languages", required=True, help="Languages they speak: ko,en")
@click.option("--role", type=click.Choice(ROLES), default="volunteer", show_default=True)
def add(name: str, phone: str, languages: str, role: str) -> None:
    """Register a volunteer (they can then text NEXT, DONE, ON, OFF, HELP)."""
    try:
        codes = store.parse_languages(languages, _script_languages())
    except VolunteerError as exc:
        raise click.ClickException(str(exc)) from None
    conn, config = _open()
    try:
        volunteer = store.add(conn, config, name, phone, codes, role)
    except VolunteerError as exc:
        raise click.ClickException(str(exc)) from None
    access_log.by_cli(conn, config, "volunteer_changed", f"added {volunteer.id}")
    click.echo(f"added {volunteer.name} ({volunteer.id}, {mask(volunteer.phone)}, "
               f"{','.join(volunteer.languages)}, {volunteer.role})")
    assumed = store.assumed_country(phone, config)
    if assumed:
        click.echo(f"read {phone} as a number in {assumed} (HOTLINE_DEFAULT_COUNTRY); "
                   "if that is wrong, remove it and give the number with + and its "
                   "country code")


@volunteers.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def list_(as_json: bool) -> None:
    """List volunteers (numbers masked)."""
    conn, config = _open()
    rows = [{**v.to_dict(), "phone": mask(v.phone)} for v in store.all_volunteers(conn, config)]
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    if not rows:
        click.echo("no volunteers")
    for r in rows:
        state = "on" if r["available"] else "off"
        click.echo(f"{r['id']:<5} {r['name']:<20} {r['phone']:<16} "
                   f"{','.join(r['languages']):<8} {r['role']:<9} {state}")


@volunteers.command("remove")
@click.argument("name_or_phone")
def remove(name_or_phone: str) -> None:
    """Remove a volunteer by name or phone number."""
    conn, config = _open()
    volunteer = store.remove(conn, config, name_or_phone)
    if volunteer is None:
        raise click.ClickException(f"no volunteer named or numbered {name_or_phone!r}")
    access_log.by_cli(conn, config, "volunteer_changed", f"removed {volunteer.id}")
    click.echo(f"removed {volunteer.name} ({volunteer.id})")
