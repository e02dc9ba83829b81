"""`hotline outbox`: what would have been sent (no Twilio credentials)."""

from __future__ import annotations

import json

import click

from hotline.config import load_config
from hotline.telephony import read_outbox


@click.command()
@click.option("--json", "as_json", is_flag=True, help="Print the entries as a JSON list.")
def outbox(as_json: bool) -> None:
    """Print the outbound SMS and calls recorded in $HOTLINE_DATA_DIR/outbox.jsonl."""
    entries = read_outbox(load_config().data_dir or "instance")
    if as_json:
        click.echo(json.dumps(entries, ensure_ascii=False, indent=2))
        return
    if not entries:
        click.echo("the outbox is empty")
    for e in entries:
        what = e.get("body") or e.get("twiml") or e.get("url") or ""
        click.echo(f"{e.get('at', '')}  {e['kind']:<4} to {e['to']}  {what}")
