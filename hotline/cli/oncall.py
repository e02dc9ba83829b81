"""`hotline oncall`: load the on-call rota and show who answers urgent cases."""

from __future__ import annotations

import json
import os
import time
from datetime import datetime
from typing import Any

import click

from hotline.config import Settings, load_config
from hotline.people import access_log


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
    access_log.by_cli(conn, config, "rota_changed", f"imported {os.path.basename(file)}")
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
    from hotline.people import overrides, volunteers
    from hotline.people.rota import availability, load_rota, on_call

    conn, config = _connect()
    rota = load_rota(conn, config)
    if rota is None:
        raise click.ClickException("no rota imported yet (hotline oncall import FILE)")
    at = _instant(at_text, rota.zone)
    levels = on_call(rota, at, availability(conn, config),
                     overrides.current(conn, config, time.time()))  # not at: --at may be later

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


@oncall.group("override")
def override() -> None:
    """Someone covers someone else's shifts for a while ("Kim covers Lee Tue 18:00-24:00")."""


@override.command("add")
@click.argument("covering")
@click.option("--for", "covered", required=True, metavar="NAME|PHONE",
              help="Whose shifts are covered.")
@click.option("--on", "day", required=True, metavar="YYYY-MM-DD", help="The date it starts.")
@click.option("--from", "from_", required=True, metavar="HH:MM", help="Start, rota time.")
@click.option("--to", "to", required=True, metavar="HH:MM",
              help="End, rota time (24:00 = midnight; not after --from = the next day).")
def override_add(covering: str, covered: str, day: str, from_: str, to: str) -> None:
    """COVERING is on call in place of --for wherever the rota has them, for that span."""
    from hotline.people import overrides, volunteers
    from hotline.people.rota import load_rota, span_of

    conn, config = _connect()
    rota = load_rota(conn, config)
    if rota is None:
        raise click.ClickException("no rota imported yet (hotline oncall import FILE)")
    who, whom = volunteers.find(conn, config, covering), volunteers.find(conn, config, covered)
    for ref, found in ((covering, who), (covered, whom)):
        if found is None:
            raise click.ClickException(f"{ref!r} is not a registered volunteer")
    assert who is not None and whom is not None
    try:
        start, end = span_of(rota, day, from_, to)
        made = overrides.add(conn, config, who.id, whom.id, start, end, time.time())
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None
    access_log.by_cli(conn, config, "rota_changed", f"override {who.id} for {whom.id}")
    local = datetime.fromtimestamp(start, rota.zone).strftime("%a %Y-%m-%d %H:%M")
    click.echo(f"override {made.id}: {who.name} covers {whom.name} from {local} "
               f"for {round((end - start) / 3600, 2):g} h ({rota.timezone})")


@override.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print as JSON.")
def override_list(as_json: bool) -> None:
    """Print the overrides not over yet."""
    from hotline.people import overrides, volunteers
    from hotline.people.rota import load_rota

    conn, config = _connect()
    rota = load_rota(conn, config)
    zone = rota.zone if rota else None

    def name(vid: str) -> str:
        if not vid:
            return "(nobody: away)"
        found = volunteers.get(conn, config, vid)
        return found.name if found else "(removed)"

    def local(at: float) -> str:
        return datetime.fromtimestamp(at, zone).isoformat(timespec="minutes")
    rows = [{"id": o.id, "covering": name(o.covering), "for": name(o.covered),
             "from": local(o.start), "to": local(o.end)}
            for o in overrides.current(conn, config, time.time())]
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    for row in rows:
        click.echo(f"{row['id']}  {row['covering']} covers {row['for']}  "
                   f"{row['from']} -> {row['to']}")
    if not rows:
        click.echo("no overrides")


@override.command("remove")
@click.argument("override_id")
def override_remove(override_id: str) -> None:
    """Take override OVERRIDE_ID out of force."""
    from hotline.people import overrides

    conn, config = _connect()
    if not overrides.remove(conn, config, override_id, time.time()):
        raise click.ClickException(f"no override {override_id}")
    access_log.by_cli(conn, config, "rota_changed", f"override {override_id[:16]} removed")
    click.echo(f"override {override_id} removed")
