"""`hotline directory sync URL`: paging an HSDS 3.0 API (a local server on 127.0.0.1
playing one), loading it as one source in one step, and changing nothing when the API
fails, lies or stalls; the repeating sync as an RQ job run by a real worker."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest
from click.testing import CliRunner
from rq import SimpleWorker
from rq.registry import ScheduledJobRegistry

from hotline import job_context as context
from hotline import jobs
from hotline import keys as hotline_keys
from hotline.cli import main
from hotline.config import load_config
from hotline.directory import sync as hsds_sync
from hotline.directory.importer import import_text
from hotline.directory.rows import CSV_HEADER
from hotline.directory.store import load_entries, revision
from hotline.directory.taxonomy import load_map
from hotline.ops import metrics

PREFIX = "sync:"
PAGE_SIZE = 2
FILE_ROW = ("Seoul Free Clinic,clinic,02-0000-0104,강남구 테헤란로 10,서울,,KR,06236,37.499,"
            "127.033,ko;en,mon-fri 09:00-18:00,free,General medicine")


def hsds_service(n: int, summary: bool = False) -> dict:
    """A service as an HSDS API lists it; `summary` leaves out its locations, as list
    endpoints may (the full record is then at /services/{id})."""
    service = {
        "id": f"00000000-0000-4000-8000-00000000000{n}", "name": f"Food Bank {n}",
        "status": "active", "attributes": [{"id": f"a{n}", "taxonomy_term": {
            "id": "t1", "code": "BD-1800.2000", "name": "Food Pantries",
            "description": "food"}}],
        "organization": {"id": "o1", "name": "Partner Org", "description": "x"},
    }
    if not summary:
        service["service_at_locations"] = [{"id": f"sal{n}", "phones": [
            {"id": f"p{n}", "number": f"02-0000-010{n}"}], "location": {
            "id": f"loc{n}", "location_type": "physical", "latitude": 37.5, "longitude": 127.0,
            "addresses": [{"id": f"ad{n}", "address_1": f"{n} Sejong-daero", "city": "서울",
                           "state_province": "", "postal_code": "04524", "country": "KR",
                           "address_type": "physical"}]}}]
    return service


class Api:
    """What the local HSDS API answers; tests change it between syncs."""

    def __init__(self) -> None:
        self.services = [hsds_service(n, summary=(n == 2)) for n in range(1, 6)]
        self.fail_page: int | None = None  # answers 500
        self.slow_page: int | None = None  # answers only when released
        self.lie_page: int | None = None  # answers an empty page though more are promised
        self.release = threading.Event()
        self.requests: list[str] = []

    def answer(self, path: str, query: dict) -> tuple[int, object]:
        self.requests.append(path)
        if path.startswith("/api/services/"):
            wanted = path.rsplit("/", 1)[1]
            return 200, next((hsds_service(int(s["id"][-1])) for s in self.services
                              if s["id"] == wanted), {})
        if path == "/api/service_at_locations":  # each service with its location
            links = [{"id": f"sal-{s['id']}", "service": s,
                      "location": hsds_service(int(s["id"][-1]))["service_at_locations"][0][
                          "location"]} for s in self.services]
            return 200, {"total_items": len(links), "total_pages": 1, "page_number": 1,
                         "contents": links}
        if path != "/api/services":
            return 404, {"error": "not found"}
        page = int(query.get("page", ["1"])[0])
        pages = max(1, -(-len(self.services) // PAGE_SIZE))
        if page == self.fail_page:
            return 500, {"error": "database is down"}
        if page == self.slow_page:
            self.release.wait(10)
        contents = [] if page == self.lie_page else \
            self.services[(page - 1) * PAGE_SIZE: page * PAGE_SIZE]
        return 200, {"total_items": len(self.services), "total_pages": pages,
                     "page_number": page, "size": len(contents), "first_page": page == 1,
                     "last_page": page == pages, "empty": not contents, "contents": contents}


@pytest.fixture()
def api():
    state = Api()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            parts = urlsplit(self.path)
            status, body = state.answer(parts.path, parse_qs(parts.query))
            data = json.dumps(body).encode()
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
            except OSError:  # the client gave up (the slow page)
                pass

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}/api"
    yield state
    state.release.set()
    server.shutdown()
    server.server_close()
    thread.join(5)


def load_file(conn) -> None:
    text = "\n".join([",".join(CSV_HEADER), FILE_ROW]) + "\n"
    read, _ = import_text(conn, PREFIX, text, "partners.csv")
    assert read.rejected == []


def names(conn) -> list[str]:
    return sorted(e.name for e in load_entries(conn, PREFIX)[1])


def sync(conn, api, timeout: float = 5.0):
    return hsds_sync.sync_source(conn, PREFIX, api.url, load_map(),
                                 hsds_sync.http_getter(timeout))


def test_sync_pages_through_the_api_and_replaces_only_its_own_entries(redis_conn, api):
    load_file(redis_conn)
    report = sync(redis_conn, api)
    assert report.pages == 3 and report.read.rejected == []
    assert report.stored.added == 5
    assert names(redis_conn) == ["Food Bank 1", "Food Bank 2", "Food Bank 3", "Food Bank 4",
                                 "Food Bank 5", "Seoul Free Clinic"]
    assert "/api/services/00000000-0000-4000-8000-000000000002" in api.requests  # summary
    entries = {e.name: e for e in load_entries(redis_conn, PREFIX)[1]}
    assert entries["Food Bank 3"].category == "food" and entries["Food Bank 3"].phone == \
        "+82200000103"
    assert entries["Food Bank 3"].source == f"hsds:{api.url}"
    assert entries["Seoul Free Clinic"].source == "partners.csv"

    del api.services[3]  # Food Bank 4 leaves the partner's directory
    again = sync(redis_conn, api)
    assert (again.stored.removed, again.stored.unchanged, again.stored.added) == (1, 4, 0)
    assert "Food Bank 4" not in names(redis_conn) and "Seoul Free Clinic" in names(redis_conn)


def test_sync_can_page_service_at_locations_instead(redis_conn, api):
    report = hsds_sync.sync_source(redis_conn, PREFIX, api.url, load_map(),
                                   hsds_sync.http_getter(5), endpoint="service_at_locations")
    assert report.stored.added == 5 and report.read.rejected == []
    assert {e.city for e in load_entries(redis_conn, PREFIX)[1]} == {"서울"}
    assert not any(p.startswith("/api/services") for p in api.requests)


@pytest.mark.parametrize("fault", ["error page", "slow page", "empty page", "nothing at all"])
def test_a_failing_or_half_answering_api_changes_nothing(redis_conn, api, fault):
    load_file(redis_conn)
    sync(redis_conn, api)
    before = (revision(redis_conn, PREFIX), names(redis_conn))
    api.services[0]["name"] = "Renamed"  # a change that must not half-arrive
    if fault == "error page":
        api.fail_page = 2
    elif fault == "slow page":
        api.slow_page = 3
    elif fault == "empty page":
        api.lie_page = 2
    else:
        api.services = []
    with pytest.raises(hsds_sync.SyncError) as info:
        sync(redis_conn, api, timeout=0.3)
    assert {"error page": "HTTP 500", "slow page": "no answer within 0.3 s",
            "empty page": "page 2 of 3 is empty",
            "nothing at all": "no service could be loaded"}[fault] in str(info.value)
    assert (revision(redis_conn, PREFIX), names(redis_conn)) == before


def test_the_cli_syncs_once_and_reports_a_failure_with_exit_1(redis_url, redis_conn, api):
    env = {"HOTLINE_REDIS_URL": redis_url, "HOTLINE_KEY_PREFIX": PREFIX}
    done = CliRunner().invoke(main, ["directory", "sync", api.url], env=env)
    assert done.exit_code == 0, done.output
    assert "3 pages, 5 entries loaded (5 new" in done.output
    api.fail_page = 1
    failed = CliRunner().invoke(main, ["directory", "sync", api.url], env=env)
    assert failed.exit_code == 1 and "HTTP 500" in failed.output
    assert "left as it was" in failed.output and len(names(redis_conn)) == 5


def test_the_repeating_sync_runs_in_a_worker_reschedules_and_counts_failures(
        redis_url, redis_conn, api, caplog):
    env = {"HOTLINE_REDIS_URL": redis_url, "HOTLINE_KEY_PREFIX": PREFIX}
    config = load_config({"key_prefix": PREFIX}, environ={})
    context.configure(config)
    try:
        queued = CliRunner().invoke(main, ["directory", "sync", api.url, "--every", "6h"],
                                    env=env)
        assert queued.exit_code == 0, queued.output
        SimpleWorker(list(jobs.QUEUES), connection=redis_conn).work(burst=True)
        assert len(names(redis_conn)) == 5
        chain = hsds_sync.schedule_of(redis_conn, PREFIX, api.url)["chain"]
        key = hsds_sync.url_key(api.url)
        scheduled = ScheduledJobRegistry(jobs.DEFAULT, connection=redis_conn).get_job_ids()
        assert hotline_keys.directory_sync_job(key, chain, 1) in scheduled

        api.fail_page = 2
        before = revision(redis_conn, PREFIX)
        jobs.schedule_directory_sync(redis_conn, api.url, key, chain, 1)  # the next run, now
        with caplog.at_level("WARNING", logger="hotline.jobs"):
            SimpleWorker(list(jobs.QUEUES), connection=redis_conn).work(burst=True)
        assert revision(redis_conn, PREFIX) == before
        assert "HTTP 500" in caplog.text and "directory unchanged" in caplog.text
        assert int(redis_conn.hget(metrics.key(config), metrics.DIRECTORY_SYNC_FAILURES)) == 1
        assert "HTTP 500" in hsds_sync.schedule_of(redis_conn, PREFIX, api.url)["last_error"]
        families = {f.name: f for f in metrics.RedisCollector(redis_conn, config, ["ko"]).collect()}
        (sample,) = families["hotline_directory_sync_failures"].samples
        assert sample.value == 1

        stopped = CliRunner().invoke(main, ["directory", "sync", api.url, "--stop"], env=env)
        assert "stopped" in stopped.output
        api.fail_page = None
        api.services[0]["name"] = "Renamed"
        jobs.schedule_directory_sync(redis_conn, api.url, key, chain, 2)
        SimpleWorker(list(jobs.QUEUES), connection=redis_conn).work(burst=True)
        assert "Renamed" not in names(redis_conn)  # a stopped schedule runs no more
    finally:
        context.configure({})


def test_an_every_that_is_no_interval_is_refused(redis_url, api):
    env = {"HOTLINE_REDIS_URL": redis_url, "HOTLINE_KEY_PREFIX": PREFIX}
    bad = CliRunner().invoke(main, ["directory", "sync", api.url, "--every", "often"], env=env)
    assert bad.exit_code == 2 and "not an interval" in bad.output

