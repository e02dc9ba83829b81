"""`hotline directory import|search`: load the directory of clinics and shelters, search it."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import click
import redis

from hotline import keys as hotline_keys
from hotline.config import load_config
from hotline.directory.capability import display_phone
from hotline.directory.importer import import_file
from hotline.directory.rows import ImportFileError
from hotline.directory.search import Hit, SearchResult, get_index
from hotline.directory.store import CATEGORIES
from hotline.redisdb import connect


def _connect() -> tuple[redis.Redis, str]:
    config = load_config()
    return connect(config), hotline_keys.prefix(config)


@click.group()
def directory() -> None:
    """The directory of free clinics, counselling and shelters."""


@directory.command("import")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--replace", is_flag=True, help="Make the directory exactly this file, in one step.")
@click.option("--json", "as_json", is_flag=True, help="Print the outcome as JSON.")
def import_(file: str, replace: bool, as_json: bool) -> None:
    """Load FILE (CSV with our header, or HSDS-style JSON). Exit 1 if any row was rejected."""
    conn, prefix = _connect()
    try:
        read, report = import_file(conn, prefix, file, replace=replace)
    except ImportFileError as exc:
        raise click.ClickException(str(exc)) from None
    except redis.RedisError as exc:
        raise click.ClickException(f"Redis is not reachable: {exc}") from None
    if as_json:
        click.echo(json.dumps({
            "file": file, "loaded": len(read.entries), "added": report.added,
            "updated": report.updated, "unchanged": report.unchanged,
            "removed": report.removed, "replaced": replace,
            "rejected": [{"line": r.line, "where": r.where, "reason": r.reason}
                         for r in read.rejected],
        }, ensure_ascii=False))
    else:
        for rejected in read.rejected:
            click.echo(f"rejected {rejected}", err=True)
        removed = f", {report.removed} removed" if replace else ""
        click.echo(f"{file}: {len(read.entries)} entries loaded ({report.added} new, "
                   f"{report.updated} updated, {report.unchanged} unchanged{removed}); "
                   f"{len(read.rejected)} rejected")
    if read.rejected:
        raise SystemExit(1)


def _hit_data(hit: Hit) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(hit.entry.to_json())
    data["distance_km"] = None if hit.distance_km is None else round(hit.distance_km, 2)
    data["in_place"] = hit.in_place
    return data


def _place_data(result: SearchResult, language: str) -> dict[str, Any] | None:
    place = result.resolution.place
    if place is None:
        return None
    return {"id": place.id, "name": place.name(language), "country": place.country}


@directory.command("search")
@click.argument("query")
@click.option("--category", type=click.Choice(CATEGORIES), multiple=True,
              help="Only this kind of help (may be given more than once).")
@click.option("--language", help="Only services that speak this language (ko, en, ...).")
@click.option("--open-now", is_flag=True, help="Only services open now in their own timezone.")
@click.option("--now", "at", help="Judge --open-now at this ISO-8601 time instead of now.")
@click.option("--country", default="", help="Caller's country (ISO), to break ties.")
@click.option("--limit", default=10, show_default=True, type=click.IntRange(1, 100))
@click.option("--offset", default=0, type=click.IntRange(0))
@click.option("--json", "as_json", is_flag=True, help="Print the results as JSON.")
def search(query: str, category: tuple[str, ...], language: str | None, open_now: bool,
           at: str | None, country: str, limit: int, offset: int, as_json: bool) -> None:
    """Find services near QUERY: a city, district or postal code (서울, Gangnam, 90005)."""
    now = None
    if at:
        try:
            moment = datetime.fromisoformat(at)
        except ValueError:
            raise click.BadParameter(f"'{at}' is not an ISO-8601 time", param_hint="--now")
        if moment.tzinfo is None:
            raise click.BadParameter("give a timezone, e.g. 2026-11-25T10:00+09:00",
                                     param_hint="--now")
        now = moment.timestamp()
    conn, prefix = _connect()
    try:
        index = get_index(conn, prefix)
    except redis.RedisError as exc:
        raise click.ClickException(f"Redis is not reachable: {exc}") from None
    result = index.search(query, category=category or None, language=language,
                          open_now=open_now, now=now, offset=offset, limit=limit,
                          country=country)
    shown = language or "en"
    if as_json:
        click.echo(json.dumps({
            "query": query, "status": result.status, "place": _place_data(result, shown),
            "choices": [{"id": p.id, "name": name} for p, name in zip(
                result.resolution.choices,
                index.gazetteer.choice_labels(result.resolution.choices, shown))],
            "results": [_hit_data(h) for h in result.hits], "more": result.more,
        }, ensure_ascii=False))
    else:
        _print(result, index, shown)
    if result.status != "ok":
        raise SystemExit(1)


def _print(result: SearchResult, index: Any, language: str) -> None:
    if result.status == "ambiguous":
        names = " / ".join(index.gazetteer.choice_labels(result.resolution.choices, language))
        click.echo(f"More than one place is called that: {names}", err=True)
        return
    if result.status == "no_place":
        click.echo("No known place matches that name or postal code.", err=True)
        return
    place = result.resolution.place
    if place is not None:
        click.echo(f"Place: {index.gazetteer.label(place, language)} ({place.id})")
    if not result.hits:
        click.echo("Nothing found there or nearby.", err=True)
    for n, hit in enumerate(result.hits, start=result.offset + 1):
        entry = hit.entry
        where = "here" if hit.in_place else "nearby"
        distance = f", {hit.distance_km:.1f} km" if hit.distance_km is not None else ""
        click.echo(f"{n}. {entry.name} [{entry.category}] {display_phone(entry.phone, '')}")
        click.echo(f"   {', '.join(p for p in (entry.address, entry.city) if p)} | "
                   f"{entry.hours or 'hours not known'} | {','.join(entry.languages)} | "
                   f"{where}{distance}")
    if result.more:
        click.echo(f"More: --offset {result.offset + len(result.hits)}")
