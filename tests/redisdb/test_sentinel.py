"""Redis through Sentinel: clients follow a failover; what a caller is told waits for a replica.

A real primary, replica and three sentinels on loopback (tests/redis_ha.py).
"""

from __future__ import annotations

import logging
import threading
import time

import pytest
import redis
from twilio.request_validator import RequestValidator

from hotline import create_app
from hotline import keys as hotline_keys
from hotline.config import ConfigError, Settings
from hotline.redisdb import confirm_replicated, connect, sentinel_addresses
from tests.conftest import AUTH_TOKEN, PUBLIC_URL, SCRIPTS_DIR
from tests.redis_ha import SERVICE, wait_until


def _settings(found, **more) -> Settings:
    return Settings(redis_sentinels=found.sentinel_setting, redis_service=SERVICE, **more)


@pytest.mark.slow
def test_clients_follow_a_failover_without_a_restart(cluster):
    config = _settings(cluster)
    worker_side, web_side = connect(config), connect(config, fast=True)
    worker_side.set("before", "kept")
    assert confirm_replicated(worker_side, config, "test", "before")
    old = cluster.primary_port()

    cluster.kill(old)
    killed = time.monotonic()
    # A webhook's client fails fast during the gap (the caller gets the fallback answer)...
    started = time.monotonic()
    with pytest.raises(redis.ConnectionError):
        web_side.ping()
    assert time.monotonic() - started < 1.0
    # ...a worker's client waits the failover out and its command lands on the new primary.
    worker_side.set("after", "written")
    failover = time.monotonic() - killed
    new = cluster.primary_port()
    assert new != old and failover < 15
    assert redis.Redis(port=new).get("after") == b"written"
    assert redis.Redis(port=new).get("before") == b"kept"  # confirmed, so it survived
    # The webhook's client follows too, with no restart and no new client.
    assert wait_until(web_side.ping, 5)
    assert web_side.get("after") == b"written"
    print(f"\nfailover: primary SIGKILLed -> a worker's write on the new primary in "
          f"{failover:.1f} s")


@pytest.mark.slow
def test_a_command_in_flight_when_the_primary_dies_goes_on_on_the_new_primary(cluster):
    """A worker's command under way when the primary dies (a job's write, the worker's
    blocking wait for work) is retried on the promoted replica, not on the dead address."""
    client = connect(_settings(cluster))
    client.ping()
    old = cluster.primary_port()
    outcome: dict[str, object] = {}

    def wait_for_work() -> None:
        try:
            outcome["got"] = client.blpop(["work"], timeout=25)
        except redis.RedisError as error:
            outcome["error"] = error

    waiting = threading.Thread(target=wait_for_work, daemon=True)
    waiting.start()
    assert wait_until(lambda: redis.Redis(port=old).info("clients")["blocked_clients"], 5)
    cluster.kill(old)  # with the BLPOP in flight on it
    killed = time.monotonic()
    new = wait_until(lambda: cluster.primary_port() != old and cluster.primary_port(), 15)
    assert new, "no replica was promoted"
    assert wait_until(lambda: redis.Redis(port=new).rpush("work", "page"), 5)
    waiting.join(15)
    assert outcome == {"got": (b"work", b"page")}
    assert time.monotonic() - killed < 15


def _sms(client, sender: str, body: str, sid: str) -> str:
    params = {"From": sender, "To": "+15005550006", "Body": body, "MessageSid": sid,
              "AccountSid": "AC" + "0" * 32, "NumMedia": "0"}
    signature = RequestValidator(AUTH_TOKEN).compute_signature(PUBLIC_URL + "/twilio/sms",
                                                                params)
    reply = client.post("/twilio/sms", data=params, headers={"X-Twilio-Signature": signature})
    assert reply.status_code == 200
    return reply.get_data(as_text=True)


def _ask_for_a_call_back(client, sender: str, tag: str) -> str:
    for step, body in enumerate(["안녕하세요", "4", "1"]):
        answer = _sms(client, sender, body, f"SM{tag}{step:02d}".ljust(34, "0"))
    return answer


@pytest.mark.slow
def test_a_caller_is_told_only_after_a_replica_has_it_else_the_write_is_flagged(
        cluster, caplog):
    config = _settings(cluster, testing=True, public_url=PUBLIC_URL, secret_key="k",
                       scripts_dir=SCRIPTS_DIR, twilio_auth_token=AUTH_TOKEN,
                       redis_wait_ms=150)
    client = create_app(config).test_client()
    flags = redis.Redis(port=cluster.primary_port())
    unconfirmed = hotline_keys.of(config).unconfirmed

    assert "요청을 받았어요" in _ask_for_a_call_back(client, "+821012340001", "a")
    assert flags.zcard(unconfirmed) == 0  # the replica confirmed it

    replica = next(port for port in cluster.servers if port != cluster.primary_port())
    cluster.kill(replica)
    caplog.set_level(logging.WARNING, logger="hotline.redisdb")
    started = time.monotonic()
    answer = _ask_for_a_call_back(client, "+821012340002", "b")
    waited = time.monotonic() - started
    # The caller is still told (no replica must not fail a caller), after the short WAIT...
    assert "요청을 받았어요" in answer and 0.15 <= waited < 3
    # ...and the write is flagged, in Redis and in the log, never silently dropped.
    flagged = [m.decode() for m in flags.zrange(unconfirmed, 0, -1)]
    assert len(flagged) == 1 and flagged[0].startswith("callback:")
    assert any("not confirmed by a replica: callback" in r.getMessage() for r in caplog.records)

    _sms(client, "+821012340002", "STOP", "SMstop".ljust(34, "0"))
    assert any(m.decode().startswith("optout:") for m in flags.zrange(unconfirmed, 0, -1))
    assert "+821012340002" not in " ".join(r.getMessage() for r in caplog.records)


def test_one_redis_without_sentinels_does_not_wait(redis_url, redis_conn):
    config = Settings(redis_url=redis_url)
    started = time.monotonic()
    assert confirm_replicated(connect(config), config, "callback", "1")
    assert time.monotonic() - started < 0.1
    assert not redis_conn.exists(hotline_keys.of(config).unconfirmed)


def test_sentinel_addresses_are_host_port_pairs():
    assert sentinel_addresses("10.0.0.1:26379, s2:26380") == [("10.0.0.1", 26379),
                                                               ("s2", 26380)]
    with pytest.raises(ConfigError, match="HOTLINE_REDIS_SENTINELS"):
        sentinel_addresses("10.0.0.1")
