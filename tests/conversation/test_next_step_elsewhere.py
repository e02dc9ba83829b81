"""A caller's next step may reach another web process: it must follow on from this one.

Twilio posts each step afresh, to whichever process the load balancer picks, on a
connection to Redis of that process's own. So an answer leaves only once Redis has made
the step's writes (the session above all): a write merely sent is not enough, for Redis
does not run commands of different connections in the order they were sent, and on a
busy node the next step's read can overtake it (bench/redis_order.py counts how often).
Here the step's write is held up on its way to Redis (a proxy in between), and the next
step is taken by a second app that talks to Redis directly, as another process would.
"""

from __future__ import annotations

import hashlib
import socket
import time
import uuid

import pytest
from twilio.request_validator import RequestValidator

from hotline import create_app
from hotline.conversation import replay_guard
from hotline.privacy.vault import new_key
from tests.redis_proxy import RedisProxy

CALLER = "+821055501234"
HOLD = 0.15  # seconds the step's write is held up (the app through the proxy waits up to 2)


class _HoldingProxy(RedisProxy):
    """Holds up a command that runs `sha` for HOLD seconds once `armed` (the write is on
    its way, not yet in Redis's hands)."""

    def __init__(self, redis_url: str, sha: str) -> None:
        super().__init__(redis_url)
        self.sha = sha.encode()
        self.armed = False
        self.held = 0

    def upstream(self, data: bytes, client: socket.socket, server: socket.socket) -> bool:
        if self.armed and self.sha in data:
            self.armed = False
            self.held += 1
            time.sleep(HOLD)
        return True


@pytest.fixture()
def proxy(redis_url):
    found = _HoldingProxy(redis_url, hashlib.sha1(replay_guard.KEEP.encode()).hexdigest())
    yield found
    found.close()


def _sender(app):
    client = app.test_client()
    validator = RequestValidator(app.config["TWILIO_AUTH_TOKEN"])

    def send(body: str) -> str:
        params = {"From": CALLER, "To": "+15005550006", "Body": body,
                  "MessageSid": "SM" + uuid.uuid4().hex}  # a new message each time
        url = app.config["PUBLIC_URL"] + "/twilio/sms"
        response = client.post("/twilio/sms", data=params, headers={
            "X-Twilio-Signature": validator.compute_signature(url, params)})
        assert response.status_code == 200
        return response.get_data(as_text=True)

    return send


def test_the_next_step_taken_by_another_process_follows_on_from_the_answer(
        app_config, redis_conn, proxy):
    shared = {**app_config, "ENCRYPTION_KEY": new_key()}  # as every process of a deployment
    through_proxy = _sender(create_app({**shared, "REDIS_URL": proxy.url(),
                                        "REDIS_TIMEOUT": 2.0}))
    direct = _sender(create_app(shared))
    assert "무엇을 도와드릴까요?" in through_proxy("안녕하세요")
    proxy.armed = True  # the next step's write is held up on its way to Redis
    assert "무료 건강 지원이에요" in through_proxy("1")
    # At once, in another process: the caller is where the last answer left them.
    answer = direct("1")
    assert "무료 상담을 6시간" in answer, answer
    assert proxy.held == 1  # the write was held up, and the answer waited for it
