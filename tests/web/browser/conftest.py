"""Browser tests: the real app on a loopback port, driven by one shared headless Chromium.

Fixtures (use them from any test under tests/web/browser/):
- `live_server`: the app of this test (the usual `app` fixture, real Redis db of the run)
  served by a thread on 127.0.0.1; `live_server.url` is its base URL, also PUBLIC_URL.
- `page`: a fresh Playwright page (own cookies) in the one browser of the session; its
  `base_url` is the live server, so `page.goto("/volunteer/")` works.
- `make_user(name, role="volunteer", password=PASSWORD, volunteer=None, two_factor=None)`:
  an account; staff (and anyone with two_factor=True) get a second factor at once
  (`second_steps`, tests/conftest.py), since staff must have one.
- `login(page, name, password=PASSWORD)`: fill in the login form, and the second step's
  code when the account has one; lands on the home page.
- `screenshots(page, name)`: save NAME-360.png and NAME-1280.png (full page) under
  test-artifacts/screenshots/.
- `page_weight(path)`: bytes a fresh load of `path` transfers, page and assets together.
- `run_jobs()`: run every queued RQ job in a burst worker (outbound goes to the outbox in
  DATA_DIR; read it with hotline.telephony.read_outbox(app.config["DATA_DIR"])).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from werkzeug.serving import make_server

CHROMIUM = "/usr/bin/chromium"
PASSWORD = "correct horse battery"
ROOT = Path(__file__).resolve().parents[3]
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"
WIDTHS = (360, 1280)


class LiveServer:
    """A WSGI server on a free loopback port whose app each test sets."""

    def __init__(self) -> None:
        self.app: Any = None
        self._server = make_server("127.0.0.1", 0, self._dispatch, threaded=True)
        self.url = f"http://127.0.0.1:{self._server.server_port}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def _dispatch(self, environ: dict, start_response: Any) -> Any:
        if self.app is None:
            start_response("503 Service Unavailable", [("Content-Type", "text/plain")])
            return [b"no app"]
        return self.app(environ, start_response)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()


@pytest.fixture(scope="session")
def _live_server_base() -> Iterator[LiveServer]:
    server = LiveServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture()
def app_config(app_config, _live_server_base, tmp_path):
    """The app serves at the live server's URL; outbox and keys of this test."""
    from hotline.privacy.vault import new_key

    return {**app_config, "PUBLIC_URL": _live_server_base.url,
            "DATA_DIR": str(tmp_path / "data"), "ENCRYPTION_KEY": new_key()}


@pytest.fixture()
def live_server(app, _live_server_base) -> Iterator[LiveServer]:
    """The live server, serving this test's app."""
    _live_server_base.app = app
    yield _live_server_base
    _live_server_base.app = None


@pytest.fixture(scope="session")
def browser():
    """One headless Chromium (Debian's package) for the whole test session."""
    if not os.path.exists(CHROMIUM):
        pytest.fail(f"{CHROMIUM} is missing: apt-get install -y chromium (.ci/run does)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True)
        yield chromium
        chromium.close()


@pytest.fixture()
def page(browser, live_server):
    """A fresh page with its own cookies, at desktop width, based at the live server."""
    context = browser.new_context(base_url=live_server.url,
                                  viewport={"width": 1280, "height": 800})
    context.set_default_timeout(10_000)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture()
def make_user(app, second_steps):
    """make_user(name, role="volunteer", password=PASSWORD, volunteer=None, two_factor=None)
    -> User; two_factor None: staff get a second factor, volunteers not."""
    from hotline.people import accounts as users

    runtime = app.extensions["hotline"]

    def make(name: str, role: str = "volunteer", password: str = PASSWORD,
             volunteer: str | None = None, two_factor: bool | None = None):
        users.add(runtime.redis, runtime.config, name, role, password,
                  volunteer=volunteer)
        if two_factor or (two_factor is None and role == "staff"):
            second_steps.enrol(name)
        return users.get(runtime.redis, runtime.config, name)

    return make


@pytest.fixture()
def login(second_steps):
    """login(page, name, password=PASSWORD): log in through the form (and the second step
    when the account has one); waits for home."""

    def do_login(page, name: str, password: str = PASSWORD) -> None:
        page.goto("/login")
        page.get_by_label("Name").fill(name)
        page.get_by_label("Password").fill(password)
        page.get_by_role("button", name="Log in").click()
        page.wait_for_url(lambda url: not url.endswith("/login") and "/login?" not in url)
        if "/login/code" in page.url:
            page.get_by_label("Code").fill(second_steps.code(name))
            page.get_by_role("button", name="Confirm").click()
            page.wait_for_url(lambda url: "/login" not in url)

    return do_login


@pytest.fixture()
def screenshots():
    """screenshots(page, name): save the page at 360 px and 1280 px wide (full page)."""

    def shoot(page, name: str) -> list[Path]:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        before = page.viewport_size
        paths = []
        for width in WIDTHS:
            page.set_viewport_size({"width": width, "height": 800})
            path = SCREENSHOTS / f"{name}-{width}.png"
            page.screenshot(path=str(path), full_page=True)
            paths.append(path)
        if before:
            page.set_viewport_size(before)
        return paths

    return shoot


@pytest.fixture()
def page_weight(page):
    """page_weight(path) -> bytes of the page and every asset a fresh load fetches."""

    def weigh(path: str) -> int:
        responses: list[Any] = []
        fresh = page.context.new_page()
        fresh.on("response", lambda response: responses.append(response))
        fresh.goto(path, wait_until="networkidle")
        total = 0
        for response in responses:
            if 300 <= response.status < 400:
                continue  # a redirect carries no page
            total += len(response.body())
        fresh.close()
        return total

    return weigh


@pytest.fixture()
def run_jobs(app, clock):
    """run_jobs(): run every queued job now, in a burst worker with this app's settings."""
    from rq import SimpleWorker

    from hotline import job_context as context
    from hotline import jobs

    context.configure(app.extensions["hotline"].config, clock=clock)

    def run() -> None:
        runtime = app.extensions["hotline"]
        SimpleWorker(list(jobs.QUEUES), connection=runtime.redis).work(burst=True)

    yield run
    context.configure({})
