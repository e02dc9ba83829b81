"""`hotline oncall`: load the on-call rota and show who answers urgent cases."""

from __future__ import annotations

import json
import time
from datetime import datetime
from typing import Any

import click

from hotline.config import Settings, load_config


def _connect() -> tuple[Any, Settings]:
    from hotline.redisdb import connect

    config = load_config()
    return connect(config), config


@click.group("oncall")
def oncall() -> None:
    """The on-call rota for urgent cases (levels, shifts, timezone)."""


@oncall.command("import")
@click.argument("file", type=click.Path(dir_okay=False))
def import_command(file: str) -> None:
    """Check the rota in FILE and put it in force; a bad file changes nothing."""
    from hotline.people.rota import RotaError, import_rota, resolver

    try:
        with open(file, encoding="utf-8") as handle:
            text = handle.read()
    except OSError as exc:
        raise click.ClickException(f"cannot read {file}: {exc.strerror}") from None
    conn, config = _connect()
    try:
        rota = import_rota(conn, config, text, file, time.time(), resolver(conn, config))
    except RotaError as exc:
        for problem in exc.problems:
            click.echo(problem, err=True)
        raise click.ClickException(
            f"rota not imported ({len(exc.problems)} problem(s)); the old rota stays in force"
        ) from None
    shifts = sum(len(level.shifts) for level in rota.levels)
    click.echo(f"rota imported: {len(rota.levels)} level(s), {shifts} shift(s), "
               f"timezone {rota.timezone}")


def _instant(text: str | None, zone: Any) -> float:
    if not text:
        return time.time()
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        raise click.BadParameter(f"{text!r} is not an ISO time like 2026-11-25T21:30",
                                 param_hint="--at") from None
    if when.tzinfo is None:
        when = when.replace(tzinfo=zone)  # a bare time is read in the rota's timezone
    return when.timestamp()


@oncall.command("show")
@click.option("--at", "at_text", metavar="ISO-TIME",
              help="Show who answers then (default now); without an offset, rota time.")
@click.option("--json", "as_json", is_flag=True, help="Print as JSON.")
def show_command(at_text: str | None, as_json: bool) -> None:
    """Print who answers at each level now (or at --at)."""
    from hotline.numbers import mask
    from hotline.people import volunteers
    from hotline.people.rota import availability, load_rota, on_call

    conn, config = _connect()
    rota = load_rota(conn, config)
    if rota is None:
        raise click.ClickException("no rota imported yet (hotline oncall import FILE)")
    at = _instant(at_text, rota.zone)
    levels = on_call(rota, at, availability(conn, config))

    def person(vid: str) -> dict[str, str]:
        found = volunteers.get(conn, config, vid)
        return {"id": vid, "name": found.name if found else "(removed)",
                "phone": mask(found.phone) if found else ""}  # as `volunteers list`

    local = datetime.fromtimestamp(at, rota.zone).isoformat(timespec="minutes")
    if as_json:
        click.echo(json.dumps({
            "at": local, "timezone": rota.timezone,
            "levels": [{"name": c.level, "ack_timeout_seconds": c.ack_timeout,
                        "on_call": [person(v) for v in c.volunteers],
                        "off": [person(v) for v in c.off]} for c in levels],
        }, ensure_ascii=False, indent=2))
        return
    click.echo(f"on call at {local} ({rota.timezone})")
    for number, c in enumerate(levels, start=1):
        names = ", ".join(f"{p['name']} {p['phone']}" for p in map(person, c.volunteers))
        line = names or "nobody available: skipped"
        off = ", ".join(person(v)["name"] for v in c.off)
        click.echo(f"  {number}. {c.level} (ack within {c.ack_timeout}s): {line}"
                   + (f"  [OFF: {off}]" if off else ""))
