"""`hotline programmes import|list|show`: the programmes callers can join, and their seats."""

from __future__ import annotations

import json
from typing import Any

import click
import redis

from hotline.config import load_config
from hotline.programmes import changes, signups, store
from hotline.programmes.model import Programme, ProgrammeError, read_file, wording_problems
from hotline.redisdb import connect


@click.group()
def programmes() -> None:
    """Programmes callers can join by SMS or call (sessions, seats, waiting lists)."""


def _summary(conn: redis.Redis, config: Any, programme: Programme) -> dict[str, Any]:
    data = programme.to_dict()
    for session in data["sessions"]:
        session["taken"] = signups.taken(conn, config, programme.id, session["id"])
        session["waiting"] = signups.waiting(conn, config, programme.id, session["id"])
    data["kept_until"] = signups.kept_until(programme)
    return data


@programmes.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--json", "as_json", is_flag=True, help="Print the outcome as JSON.")
def import_(file: str, as_json: bool) -> None:
    """Add or replace the programmes in FILE (YAML, or CSV with one row per session)."""
    from hotline.engine.loader import load_scripts

    config = load_config()
    try:
        found = read_file(file)
        scripts = load_scripts(str(config.scripts_dir or "ivr_scripts"))
    except ProgrammeError as exc:
        raise click.ClickException("\n".join(exc.problems)) from None
    except Exception as exc:  # noqa: BLE001  a broken scripts directory: one line
        raise click.ClickException(f"cannot read {file}: {exc}") from None
    script = scripts.get("main") or next(iter(scripts.values()))
    problems = wording_problems(found, script.neutral_words, script.loanwords)
    if problems:
        raise click.ClickException("\n".join(problems))
    notices = changes.save_and_notify(connect(config), config, found)
    if as_json:
        click.echo(json.dumps({"file": file, "saved": len(found), "notices": notices,
                               "programmes": [p.id for p in found]}, ensure_ascii=False))
    else:
        click.echo(f"{file}: {len(found)} programmes saved ({', '.join(p.id for p in found)}); "
                   f"{notices} callers told of a moved or cancelled session")


@programmes.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def list_(as_json: bool) -> None:
    """List programmes: id, kind, name, sessions, seats taken."""
    config = load_config()
    conn = connect(config)
    rows = [_summary(conn, config, p) for p in store.all_programmes(conn, config)]
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    if not rows:
        click.echo("no programmes (hotline programmes import FILE)")
    for row in rows:
        taken = sum(s["taken"] for s in row["sessions"])
        seats = sum(s["capacity"] for s in row["sessions"])
        name = next(iter(row["name"].values()), "")
        click.echo(f"{row['id']:<16} {row['kind']:<12} {name:<20} "
                   f"{len(row['sessions'])} sessions, {taken}/{seats} seats taken")


@programmes.command("show")
@click.argument("programme_id")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def show(programme_id: str, as_json: bool) -> None:
    """Show one programme: names, reminder words, each session with its seats (counts only)."""
    config = load_config()
    conn = connect(config)
    programme = store.get(conn, config, programme_id)
    if programme is None:
        raise click.ClickException(f"no programme '{programme_id}' (hotline programmes list)")
    row = _summary(conn, config, programme)
    if as_json:
        click.echo(json.dumps(row, ensure_ascii=False, indent=2))
        return
    click.echo(f"{row['id']} ({row['kind']})")
    for code, name in row["name"].items():
        click.echo(f"  name {code}: {name}")
    for code, words in row["reminder"].items():
        click.echo(f"  reminder {code}: {words}")
    for s in row["sessions"]:
        click.echo(f"  {s['id']:<10} {s['date']} {s['time']} {s['timezone']:<20} "
                   f"{s['place']:<16} {s['taken']}/{s['capacity']} taken, "
                   f"{s['waiting']} waiting")
