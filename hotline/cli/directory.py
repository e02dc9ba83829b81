"""`hotline directory import|export|sync|search`: load the directory of clinics and shelters
(our CSV or Open Referral HSDS 3.0), write it out as HSDS, keep it in sync with an HSDS
API, search it."""

from __future__ import annotations

import json
import os
import re
from datetime import datetime
from typing import Any

import click
import redis

from hotline import jobs
from hotline import keys as hotline_keys
from hotline.config import load_config
from hotline.directory import sync as hsds_sync
from hotline.directory.capability import display_phone
from hotline.directory.export import check_hsds, export_hsds
from hotline.directory.importer import import_file
from hotline.directory.rows import ImportFileError
from hotline.directory.search import Hit, SearchResult, get_index
from hotline.directory.store import CATEGORIES, load_entries
from hotline.directory.taxonomy import CategoryMap, load_map
from hotline.people import access_log
from hotline.redisdb import connect


def _connect() -> tuple[redis.Redis, str]:
    config = load_config()
    return connect(config), hotline_keys.prefix(config)


@click.group()
def directory() -> None:
    """The directory of free clinics, counselling and shelters."""


def _categories(mapping: str | None, category: str) -> CategoryMap:
    try:
        return load_map(mapping or load_config().hsds_category_map, category)
    except ImportFileError as exc:
        raise click.ClickException(str(exc)) from None


_MAPPING = click.option(
    "--mapping", type=click.Path(dir_okay=False),
    help="HSDS taxonomy term -> category file (default: HOTLINE_HSDS_CATEGORY_MAP, else "
         "ivr_scripts/hsds_categories.csv).")
_CATEGORY = click.option("--category", type=click.Choice(CATEGORIES), default=None,
                         help="Category for HSDS entries whose terms map to none.")
_COUNTRY = click.option("--country", default="",
                        help="Country (ISO code) for HSDS entries whose address gives none.")


@directory.command("import")
@click.argument("file", type=click.Path())
@click.option("--replace", is_flag=True, help="Make the directory exactly this file, in one step.")
@_MAPPING
@_CATEGORY
@_COUNTRY
@click.option("--json", "as_json", is_flag=True, help="Print the outcome as JSON.")
def import_(file: str, replace: bool, mapping: str | None, category: str | None,
            country: str, as_json: bool) -> None:
    """Load FILE (CSV with our header, HSDS 3.0 JSON, or tabular HSDS: a folder or .zip of
    CSV tables with datapackage.json). Exit 1 if any row was rejected.

    Warnings (a field dropped, the entry kept) go to stderr and do not fail the import."""
    conn, prefix = _connect()
    categories = _categories(mapping, category or "")
    try:
        read, report = import_file(conn, prefix, file, replace=replace,
                                   categories=categories, country=country)
    except ImportFileError as exc:
        raise click.ClickException(str(exc)) from None
    except redis.RedisError as exc:
        raise click.ClickException(f"Redis is not reachable: {exc}") from None
    access_log.by_cli(conn, load_config(), "directory_changed",
                      f"import {os.path.basename(file)}")
    if as_json:
        click.echo(json.dumps({
            "file": file, "loaded": len(read.entries), "added": report.added,
            "updated": report.updated, "unchanged": report.unchanged,
            "removed": report.removed, "replaced": replace,
            "rejected": [{"line": r.line, "where": r.where, "reason": r.reason}
                         for r in read.rejected],
            "warnings": [{"where": w.where, "reason": w.reason} for w in read.warnings],
        }, ensure_ascii=False))
    else:
        for warning in read.warnings:
            click.echo(f"warning {warning}", err=True)
        for rejected in read.rejected:
            click.echo(f"rejected {rejected}", err=True)
        removed = f", {report.removed} removed" if replace else ""
        click.echo(f"{file}: {len(read.entries)} entries loaded ({report.added} new, "
                   f"{report.updated} updated, {report.unchanged} unchanged{removed}); "
                   f"{len(read.rejected)} rejected")
    if read.rejected:
        raise SystemExit(1)


@directory.command("export")
@click.option("--hsds", "path", required=True, type=click.Path(dir_okay=False),
              help="Write the directory to this file as HSDS 3.0 JSON ('-': stdout).")
def export(path: str) -> None:
    """Write the whole directory as Open Referral HSDS 3.0 JSON (the API's service list)."""
    conn, prefix = _connect()
    try:
        _rev, entries = load_entries(conn, prefix)
    except redis.RedisError as exc:
        raise click.ClickException(f"Redis is not reachable: {exc}") from None
    document = export_hsds(entries)
    problems = check_hsds(document)
    if problems:  # our own output must pass the published schema's checks
        raise click.ClickException("the export breaks the HSDS schema: " + "; ".join(problems[:5]))
    text = json.dumps(document, ensure_ascii=False, indent=1)
    if path == "-":
        click.echo(text)
    else:
        with open(path, "w", encoding="utf-8") as handle:
            handle.write(text + "\n")
        click.echo(f"{path}: {len(entries)} services written as HSDS 3.0", err=True)


_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def _seconds(text: str) -> int:
    """'6h', '30m', '1d' or seconds, as seconds (at least a minute)."""
    match = re.fullmatch(r"\s*(\d+)\s*([smhd]?)\s*", text or "")
    if not match or int(match.group(1)) * _UNITS[match.group(2) or "s"] < 60:
        raise click.BadParameter(f"'{text}' is not an interval like 6h, 30m or 1d "
                                 "(a minute at least)", param_hint="--every")
    return int(match.group(1)) * _UNITS[match.group(2) or "s"]


@directory.command("sync")
@click.argument("url")
@click.option("--every", help="Repeat as a scheduled job (6h, 30m, 1d) instead of once now.")
@click.option("--stop", is_flag=True, help="Stop the repeating sync of URL.")
@click.option("--endpoint", type=click.Choice(hsds_sync.ENDPOINTS), default="services",
              show_default=True, help="The HSDS API list to page through.")
@_MAPPING
@_COUNTRY
@click.option("--timeout", default=hsds_sync.TIMEOUT, show_default=True,
              help="Seconds one page may take.")
def sync(url: str, every: str | None, stop: bool, endpoint: str, mapping: str | None,
         country: str, timeout: float) -> None:
    """Load the services of the HSDS 3.0 API at URL as one source, replacing that source's
    entries in one step (other entries stay). A failing API changes nothing (exit 1)."""
    conn, prefix = _connect()
    if stop:
        found = hsds_sync.stop_schedule(conn, prefix, url)
        click.echo(f"{url}: repeating sync stopped" if found else f"{url}: no repeating sync")
        return
    if every:
        seconds = _seconds(every)
        chain = hsds_sync.start_schedule(conn, prefix, url, seconds)
        jobs.schedule_directory_sync(conn, url, hsds_sync.url_key(url), chain, 0)
        click.echo(f"{url}: sync queued now and every {every} (the worker runs it; "
                   "failures show in the logs and /metrics)")
        return
    try:
        report = hsds_sync.sync_source(conn, prefix, url, _categories(mapping, ""),
                                       hsds_sync.http_getter(timeout), endpoint, country)
    except hsds_sync.SyncError as exc:
        raise click.ClickException(f"{exc} (the directory was left as it was)") from None
    except redis.RedisError as exc:
        raise click.ClickException(f"Redis is not reachable: {exc}") from None
    for warning in report.read.warnings:
        click.echo(f"warning {warning}", err=True)
    for rejected in report.read.rejected:
        click.echo(f"rejected {rejected}", err=True)
    stored = report.stored
    click.echo(f"{url}: {report.pages} pages, {len(report.read.entries)} entries loaded "
               f"({stored.added} new, {stored.updated} updated, {stored.unchanged} unchanged, "
               f"{stored.removed} removed); {len(report.read.rejected)} rejected")


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
