"""A real Redis server stopped and restarted under the running app.

While it is down (or hung) every signed webhook gets the fallback TwiML within a second;
when it is back the app answers normally again by itself, without a restart. The server
is this test's own redis-server on a free port, never the shared one.
"""

from __future__ import annotations

import shutil
import signal
import socket
import subprocess
import threading
import time
import xml.etree.ElementTree as ET
from collections.abc import Iterator

import pytest
import redis
import requests
from twilio.request_validator import RequestValidator
from werkzeug.serving import make_server

from hotline import create_app

CALLER = "+821012345678"
FALLBACK = "119에 전화하세요"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class RedisServer:
    """A redis-server process of our own, stopped and started on the same port."""

    def __init__(self, directory: str):
        self.port = free_port()
        self.directory = directory
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        binary = shutil.which("redis-server")
        assert binary, "redis-server is needed for this test"
        self.process = subprocess.Popen(
            [binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", self.directory],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        conn = redis.Redis(port=self.port, socket_connect_timeout=0.2)
        deadline = time.time() + 10
        while True:
            try:
                conn.ping()
                return
            except redis.ConnectionError:
                assert time.time() < deadline, "redis-server did not start"
                time.sleep(0.02)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(10)

    def pause(self) -> None:  # hung: the port accepts, nothing answers
        assert self.process is not None
        self.process.send_signal(signal.SIGSTOP)

    def resume(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGCONT)


@pytest.fixture()
def own_redis(tmp_path) -> Iterator[RedisServer]:
    server = RedisServer(str(tmp_path))
    server.start()
    yield server
    if server.process is not None and server.process.poll() is None:
        server.resume()
    server.stop()


@pytest.fixture()
def live_app(own_redis, app_config, tmp_path):
    """The app served over HTTP from a thread, on our own Redis server."""
    port = free_port()
    public = f"http://127.0.0.1:{port}"
    app = create_app({**app_config, "REDIS_URL": f"redis://127.0.0.1:{own_redis.port}/0",
                      "PUBLIC_URL": public, "DATA_DIR": str(tmp_path / "data"),
                      "CLOCK": time.time, "REDIS_TIMEOUT": 0.3})  # production's
    server = make_server("127.0.0.1", port, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield app
    server.shutdown()
    thread.join(10)


_sids = iter(range(1, 10**6))


def post(app, path: str, params: dict[str, str]) -> tuple[ET.Element, float]:
    """POST signed params; return the parsed TwiML and the seconds it took."""
    url = app.config["PUBLIC_URL"] + path
    signature = RequestValidator(app.config["TWILIO_AUTH_TOKEN"]).compute_signature(url, params)
    start = time.monotonic()
    response = requests.post(url, data=params, headers={"X-Twilio-Signature": signature},
                             timeout=10)
    elapsed = time.monotonic() - start
    assert response.status_code == 200
    root = ET.fromstring(response.content)
    assert root.tag == "Response"
    return root, elapsed


def sms(app, body: str = "안녕하세요") -> tuple[str, float]:
    root, elapsed = post(app, "/twilio/sms", {"From": CALLER, "To": "+15005550006",
                                              "Body": body,
                                              "MessageSid": f"SM{next(_sids):032d}"})
    return "\n".join(m.text or "" for m in root.findall("Message")), elapsed


def call(app) -> tuple[ET.Element, float]:
    return post(app, "/twilio/voice", {"From": CALLER, "To": "+15005550006",
                                       "CallSid": f"CA{next(_sids):032d}",
                                       "CallStatus": "ringing"})


def health(app) -> int:
    return requests.get(app.config["PUBLIC_URL"] + "/healthz", timeout=10).status_code


def assert_normal(app) -> None:
    menu = app.extensions["hotline"].scripts.entry()
    reply, _ = sms(app)
    assert menu.nodes[menu.start].text["ko"] in reply and FALLBACK not in reply
    root, _ = call(app)
    assert root.find("Gather") is not None
    assert health(app) == 200


def assert_fallback_fast(app) -> None:
    for _ in range(3):
        reply, elapsed = sms(app)
        assert FALLBACK in reply and elapsed < 1.0, (reply, elapsed)
        root, elapsed = call(app)
        said = " ".join(s.text or "" for s in root.findall("Say"))
        assert FALLBACK in said and root.find("Hangup") is not None and elapsed < 1.0
        gathered, elapsed = post(app, "/twilio/voice/gather",
                                 {"From": CALLER, "CallSid": "CA1", "Digits": "1"})
        assert gathered.find("Hangup") is not None and elapsed < 1.0
    assert health(app) == 503


def test_redis_stopped_then_restarted_under_the_running_app(live_app, own_redis):
    assert_normal(live_app)
    own_redis.stop()
    assert_fallback_fast(live_app)
    own_redis.start()  # same port, empty: the app reconnects by itself
    assert_normal(live_app)


@pytest.mark.slow
def test_redis_hung_then_resumed_under_the_running_app(live_app, own_redis):
    assert_normal(live_app)
    own_redis.pause()
    try:
        assert_fallback_fast(live_app)
    finally:
        own_redis.resume()
    assert_normal(live_app)



# The caller hears the emergency number on these; status callbacks get an empty answer,
# the missed-call number a free busy signal, the volunteer legs at least valid TwiML.
CALLER_FACING = {"/twilio/voice", "/twilio/voice/gather", "/twilio/sms",
                 "/twilio/urgent/dialed"}


@pytest.mark.parametrize("outage", ["stopped", "hung"])
@pytest.mark.slow
def test_every_twilio_route_answers_within_a_second_during_an_outage(live_app, own_redis,
                                                                     outage):
    routes = sorted(r.rule for r in live_app.url_map.iter_rules()
                    if r.rule.startswith("/twilio/"))
    assert len(routes) >= 11 and CALLER_FACING <= set(routes)
    assert_normal(live_app)
    own_redis.stop() if outage == "stopped" else own_redis.pause()
    try:
        for route in routes:
            n = next(_sids)
            params = {"From": CALLER, "To": "+15005550006", "CallSid": f"CA{n:032d}",
                      "MessageSid": f"SM{n:032d}", "Body": "안녕하세요", "Digits": "1",
                      "CallStatus": "completed", "DialCallStatus": "no-answer"}
            root, elapsed = post(live_app, f"{route}?request=1001&case=ACD&step=1&lang=ko"
                                 "&leg=volunteer", params)
            assert elapsed < 1.0, (route, elapsed)
            if route in CALLER_FACING:
                said = " ".join(e.text or "" for e in root.iter() if e.tag in ("Say",
                                                                               "Message"))
                assert FALLBACK in said, (route, said)
    finally:
        own_redis.start() if outage == "stopped" else own_redis.resume()
    assert_normal(live_app)
