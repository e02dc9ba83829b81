"""`hotline cases`: urgent cases and their timelines."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import click

if TYPE_CHECKING:
    from hotline.config import Settings


def _connect() -> tuple[Any, Settings]:
    from hotline.config import environment_config
    from hotline.redisdb import connect

    config = environment_config()  # with the demo's keys in demo mode: first words are sealed
    return connect(config), config


def _detail(entry: dict[str, Any]) -> str:
    return " ".join(f"{k}={','.join(v) if isinstance(v, list) else v}"
                    for k, v in entry.items() if k not in ("at", "step") and v not in ("", []))


@click.group("cases")
def cases() -> None:
    """Urgent cases (opened by urgent words, key 0 or a triage yes)."""


@cases.command("show")
@click.argument("code")
@click.option("--json", "as_json", is_flag=True, help="Print as JSON.")
def show_command(code: str, as_json: bool) -> None:
    """Print an urgent case and its timeline (never the caller's number)."""
    from hotline.urgent import cases as urgent

    conn, config = _connect()
    case = urgent.get(conn, config, code)
    if case is None:
        raise click.ClickException(f"no urgent case {urgent.normal_code(code)[:8]}")
    steps = urgent.timeline(conn, config, case.code)
    created = datetime.fromtimestamp(case.created, UTC).isoformat(timespec="seconds")
    if as_json:
        click.echo(json.dumps({
            "code": case.code, "state": case.state.value, "created": created,
            "language": case.language, "channel": case.channel, "country": case.country,
            "first_words": case.first_words, "reason": case.reason,
            "acked_by": case.acked_by, "callback": case.callback, "timeline": steps,
        }, ensure_ascii=False, indent=2))
        return
    click.echo(f"case {case.code}: {case.state.value} ({case.channel}, {case.language}, "
               f"country {case.country or '?'}), opened {created}")
    if case.first_words:
        click.echo(f"  first words: {case.first_words}")
    if case.acked_by:
        click.echo(f"  acknowledged by: {case.acked_by}")
    for entry in steps:
        click.echo(f"  {entry['at']}  {entry['step']:<15} {_detail(entry)}".rstrip())


@cases.command("list")
@click.option("--all", "show_all", is_flag=True, help="Closed cases too.")
@click.option("--json", "as_json", is_flag=True, help="Print as JSON.")
def list_command(show_all: bool, as_json: bool) -> None:
    """List urgent cases, newest first (open ones unless --all)."""
    from hotline.urgent import cases as urgent

    conn, config = _connect()
    found = urgent.recent(conn, config)
    shown = [c for c in found if show_all or c.state in urgent.OPEN]
    if as_json:
        click.echo(json.dumps([{"code": c.code, "state": c.state.value, "created": c.created,
                                "language": c.language, "channel": c.channel,
                                "acked_by": c.acked_by} for c in shown], indent=2))
        return
    if not shown:
        click.echo("no open urgent cases" if not show_all else "no urgent cases")
    for c in shown:
        created = datetime.fromtimestamp(c.created, UTC).isoformat(timespec="seconds")
        click.echo(f"{c.code}  {c.state.value:<8}  {created}  {c.channel:<5} {c.language}"
                   + (f"  acked by {c.acked_by}" if c.acked_by else ""))


@cases.command("close")
@click.argument("code")
@click.option("--note", default="", help="What happened (kept on the timeline).")
def close_command(code: str, note: str) -> None:
    """Close an urgent case: its paging stops and the caller's number is deleted."""
    import time

    from hotline.people import access_log
    from hotline.urgent import cases as urgent

    conn, config = _connect()
    if not urgent.close(conn, config, code, time.time(), outcome=note[:200]):
        raise click.ClickException(f"no open urgent case {urgent.normal_code(code)[:8]}")
    access_log.record(conn, config, "cli", "case_closed", urgent.normal_code(code)[:8],
                      time.time(), via="cli")
    click.echo(f"case {urgent.normal_code(code)} closed")
