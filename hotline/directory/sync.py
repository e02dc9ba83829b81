"""Keeping the directory in sync with a partner's HSDS 3.0 API.

`sync_source` pages through `GET {URL}/services?page=N&per_page=M` (or
`/service_at_locations`), the API's paged shape (`total_items`, `total_pages`,
`page_number`, `contents`). A listed service that carries no location is fetched whole
from `{URL}/services/{id}`. Only when every page has answered does it load what it
found as one source, named `hsds:{URL}`, replacing that source's entries in one step
(`store.replace_source`): entries from files and other sources stay. Any failure (an
error status, a timeout, JSON that is no page, a page missing, nothing at all) raises
SyncError and changes nothing.

The schedule of a repeating sync lives under `dir:sync:<hash of URL>` (url, every,
chain); the RQ job (workers.directory_sync) runs only while its chain is the current one.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import redis
import requests

from hotline import jobs, totals
from hotline import keys as hotline_keys
from hotline.config import Settings
from hotline.directory.hsds import Mapped, read_data
from hotline.directory.importer import ReadResult, read_mapped
from hotline.directory.rows import ImportFileError
from hotline.directory.store import StoreReport, replace_source
from hotline.directory.taxonomy import CategoryMap, load_map
from hotline.keys import DirectoryKeys

log = logging.getLogger("hotline.jobs")  # the jobs' log: a scheduled run is a job

ENDPOINTS = ("services", "service_at_locations")
PER_PAGE = 100
MAX_PAGES = 1000
TIMEOUT = 20.0  # seconds for one page to answer


class SyncError(Exception):
    """The API failed or half-answered; the directory was left as it was."""


@dataclass
class SyncReport:
    """What one sync found and changed."""

    url: str
    pages: int = 0
    read: ReadResult = field(default_factory=ReadResult)
    stored: StoreReport = field(default_factory=StoreReport)


def source_name(url: str) -> str:
    """The source a synced API's entries carry."""
    return f"hsds:{url.rstrip('/')}"


def url_key(url: str) -> str:
    """A short stable name of an API's URL (for keys and job ids)."""
    return hashlib.sha1(url.rstrip("/").encode("utf-8")).hexdigest()[:12]


Getter = Callable[[str], Any]


def http_getter(timeout: float = TIMEOUT) -> Getter:
    """GET a URL and return its JSON, or raise SyncError saying what went wrong."""
    session = requests.Session()

    def get(url: str) -> Any:
        try:
            response = session.get(url, timeout=timeout, headers={"Accept": "application/json"})
        except requests.Timeout:
            raise SyncError(f"{url}: no answer within {timeout:g} s") from None
        except requests.RequestException as exc:
            raise SyncError(f"{url}: {type(exc).__name__}") from None
        if response.status_code != 200:
            raise SyncError(f"{url}: HTTP {response.status_code}")
        try:
            return response.json()
        except ValueError:
            raise SyncError(f"{url}: the answer is not JSON") from None

    return get


def fetch(url: str, get: Getter, endpoint: str = "services",
          per_page: int = PER_PAGE) -> tuple[list[Any], int]:
    """Every item of every page of an endpoint (and full services where the list is
    short of a location); return (items, pages). Raise SyncError on any gap."""
    base = url.rstrip("/")
    items: list[Any] = []
    page, pages = 1, 1
    while page <= pages:
        where = f"{base}/{endpoint}?{urlencode({'page': page, 'per_page': per_page})}"
        data = get(where)
        if not isinstance(data, dict) or not isinstance(data.get("contents"), list):
            raise SyncError(f"{where}: not a page of an HSDS list (no 'contents')")
        if page == 1:
            total = data.get("total_pages")
            pages = total if isinstance(total, int) else 1
            if not 1 <= pages <= MAX_PAGES:
                raise SyncError(f"{where}: total_pages {pages} is not 1..{MAX_PAGES}")
        if data.get("page_number") not in (None, page):
            raise SyncError(f"{where}: answered page {data.get('page_number')} for {page}")
        if not data["contents"] and page < pages:
            raise SyncError(f"{where}: page {page} of {pages} is empty")
        items.extend(data["contents"])
        page += 1
    if endpoint == "services":
        items = [_full(base, item, get) for item in items]
    return items, pages


def _full(base: str, service: Any, get: Getter) -> Any:
    if not isinstance(service, dict) or service.get("service_at_locations") or \
            not service.get("id"):
        return service
    full = get(f"{base}/services/{service['id']}")
    if not isinstance(full, dict) or full.get("id") != service["id"]:
        raise SyncError(f"{base}/services/{service['id']}: not that service")
    return full


def sync_source(conn: redis.Redis, prefix: str, url: str, categories: CategoryMap,
                get: Getter | None = None, endpoint: str = "services",
                country: str = "") -> SyncReport:
    """Read the whole API, then replace its source's entries in one step."""
    if endpoint not in ENDPOINTS:
        raise SyncError(f"unknown endpoint {endpoint!r} (use {' or '.join(ENDPOINTS)})")
    items, pages = fetch(url, get or http_getter(), endpoint)
    source = source_name(url)
    mapped: list[Mapped] = list(read_data(items, url.rstrip("/"), categories, source, country))
    read = read_mapped(mapped)
    if not read.entries:
        raise SyncError(f"{url}: no service could be loaded ({len(items)} listed, "
                        f"{len(read.rejected)} rejected): the directory was left as it was")
    stored = replace_source(conn, prefix, source, read.entries)
    return SyncReport(url, pages, read, stored)


# ---- the schedule of a repeating sync --------------------------------------------------

def _key(prefix: str, url: str) -> str:
    return DirectoryKeys(prefix).sync(url_key(url))


def start_schedule(conn: redis.Redis, prefix: str, url: str, every: int) -> str:
    """Record a repeating sync of `url` every `every` seconds; return its new chain id
    (an older chain for the same URL stops at its next run)."""
    chain = uuid.uuid4().hex[:10]
    conn.hset(_key(prefix, url), mapping={"url": url, "every": every, "chain": chain})
    return chain


def stop_schedule(conn: redis.Redis, prefix: str, url: str) -> bool:
    """Stop the repeating sync of `url`; True when there was one."""
    return bool(conn.delete(_key(prefix, url)))


def schedule_of(conn: redis.Redis, prefix: str, url: str) -> dict[str, str]:
    """The recorded schedule of `url` (url, every, chain, last_ok, last_error), or {}."""
    raw = conn.hgetall(_key(prefix, url))
    return {_str(k): _str(v) for k, v in raw.items()}


def _str(value: bytes | str) -> str:
    return value.decode("utf-8") if isinstance(value, bytes) else value


def record_outcome(conn: redis.Redis, prefix: str, url: str, error: str = "",
                   now: float | None = None) -> None:
    """Note the last outcome of a scheduled sync (shown to staff)."""
    key = _key(prefix, url)
    if not conn.exists(key):
        return
    stamp = json.dumps(round(time.time() if now is None else now))
    conn.hset(key, mapping={"last_error": error} if error else {"last_ok": stamp,
                                                                  "last_error": ""})


# ---- the scheduled run (the job workers.directory_sync.sync) -----------------------------

def run_scheduled(conn: redis.Redis, config: Settings, now: float, url: str, chain: str,
                  run: int) -> str:
    """Sync the directory from the HSDS API at `url`, then schedule the next run; a JSON
    summary of what was done.

    A run whose schedule was replaced or stopped does nothing. A failing API changes
    nothing; it is logged and counted (hotline_directory_sync_failures_total)."""
    prefix = hotline_keys.prefix(config)
    schedule = schedule_of(conn, prefix, url)
    if schedule.get("chain") != chain:
        log.info("directory sync %s: schedule replaced or stopped; not run", chain)
        return "stopped"
    try:
        try:
            report = sync_source(conn, prefix, url, load_map(config.hsds_category_map))
        except (SyncError, ImportFileError, redis.RedisError) as exc:
            totals.count(conn, config, totals.DIRECTORY_SYNC_FAILURES)
            record_outcome(conn, prefix, url, error=str(exc)[:300])
            log.warning("directory sync %s failed; directory unchanged: %s", url, exc)
            return json.dumps({"ok": False, "error": str(exc)})
        totals.count(conn, config, totals.DIRECTORY_SYNCS)
        record_outcome(conn, prefix, url)
        stored = report.stored
        log.info("directory sync %s: %d pages, %d loaded (%d new, %d updated, %d removed), "
                 "%d rejected, %d warnings", url, report.pages, len(report.read.entries),
                 stored.added, stored.updated, stored.removed, len(report.read.rejected),
                 len(report.read.warnings))
        return json.dumps({"ok": True, "loaded": len(report.read.entries),
                           "added": stored.added, "updated": stored.updated,
                           "removed": stored.removed, "rejected": len(report.read.rejected)})
    finally:  # the next run comes even when this one failed
        every = int(schedule.get("every") or 0)
        if every > 0:
            jobs.schedule_directory_sync(conn, url, url_key(url), chain, run + 1,
                                         at=now + every)
