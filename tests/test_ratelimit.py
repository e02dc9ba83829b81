"""Rate limits per caller: over the limit one short reply, then silence for the minute.

Counts live in Redis, so two web nodes (two app instances on one Redis) share them.
"""

import itertools
import xml.etree.ElementTree as ET

import pytest
from twilio.request_validator import RequestValidator

from hotline import create_app, volunteers
from hotline.config import load_config
from hotline.engine.segments import count_segments
from hotline.ratelimit import TOO_MANY

CALLER = "+821012345678"
VOLUNTEER = "+821022223333"
_sids = itertools.count(1)


def post(app, path, params):
    url = app.config["PUBLIC_URL"] + path
    signature = RequestValidator(app.config["TWILIO_AUTH_TOKEN"]).compute_signature(url, params)
    response = app.test_client().post(path, data=params,
                                      headers={"X-Twilio-Signature": signature})
    assert response.status_code == 200
    return ET.fromstring(response.data)


def text(app, body="안녕하세요", sender=CALLER):
    """Send one SMS; return the texts of the reply's <Message>s."""
    root = post(app, "/twilio/sms", {"From": sender, "To": "+15005550006", "Body": body,
                                     "MessageSid": f"SM{next(_sids):032d}"})
    assert root.tag == "Response"
    return [m.text or "" for m in root.findall("Message")]


def call(app, sender=CALLER):
    return post(app, "/twilio/voice", {"From": sender, "To": "+15005550006",
                                       "CallSid": f"CA{next(_sids):032d}",
                                       "CallStatus": "ringing"})


@pytest.fixture()
def app_config(app_config):
    return {**app_config, "RATE_LIMIT_PER_MINUTE": 5, "VOICE_RATE_LIMIT_PER_MINUTE": 3}


def test_over_the_limit_one_short_reply_then_silence_until_the_minute_ends(app, clock):
    for _ in range(5):
        reply = text(app)
        assert reply and reply != [TOO_MANY["sms"]]  # the menu answers
    assert text(app) == [TOO_MANY["sms"]]
    for _ in range(10):
        assert text(app) == []  # nothing more: no cost, no work queued
    clock.advance(60)
    reply = text(app)
    assert reply and reply != [TOO_MANY["sms"]]


def test_the_menu_answers_within_the_limit(app):
    replies = [text(app) for _ in range(5)]
    assert all(r and r != [TOO_MANY["sms"]] for r in replies)


def test_the_warning_is_one_short_neutral_korean_segment():
    assert count_segments(TOO_MANY["sms"]).segments == 1
    for word in ("북한", "탈북", "난민", "메시지"):
        assert word not in TOO_MANY["sms"] and word not in TOO_MANY["voice"]


def test_the_limit_holds_across_two_web_nodes_on_one_redis(app, app_config):
    other = create_app(app_config)  # a second web node: its own app, the same Redis
    for node in (app, other, app, other, app):
        assert text(node) != [TOO_MANY["sms"]]
    assert text(other) == [TOO_MANY["sms"]]
    assert text(app) == []
    assert text(other) == []


def test_each_caller_has_their_own_count(app):
    for _ in range(6):
        text(app)
    assert text(app) == []
    assert text(app, sender="+821087654321") not in ([], [TOO_MANY["sms"]])


def test_volunteers_are_never_limited(app, redis_conn):
    volunteers.add(redis_conn, app.config, "Mina", VOLUNTEER, ("ko",))
    replies = [text(app, "HELP", sender=VOLUNTEER) for _ in range(12)]
    assert all(r and r != [TOO_MANY["sms"]] for r in replies)


def test_calls_are_limited_too_and_silenced_calls_are_rejected_free(app, clock):
    for _ in range(3):
        assert call(app).find("Gather") is not None  # the menu
    warned = call(app)
    assert [s.text for s in warned.findall("Say")] == [TOO_MANY["voice"]]
    assert warned.find("Hangup") is not None
    rejected = call(app)
    assert rejected[0].tag == "Reject" and rejected[0].get("reason") == "busy"
    clock.advance(60)
    assert call(app).find("Reject") is None


def test_counts_are_kept_under_the_hash_with_a_ttl(app, redis_conn):
    text(app)
    keys = [k.decode() for k in redis_conn.keys("*rate*")]
    assert keys
    for key in keys:
        assert "1012345678" not in key
        assert 0 < redis_conn.ttl(key) <= 120


def test_the_limit_is_a_setting_and_zero_turns_it_off(app_config):
    assert load_config(environ={"HOTLINE_RATE_LIMIT_PER_MINUTE": "7"})[
        "RATE_LIMIT_PER_MINUTE"] == 7
    assert load_config(environ={})["RATE_LIMIT_PER_MINUTE"] == 20
    unlimited = create_app({**app_config, "RATE_LIMIT_PER_MINUTE": 0})
    assert all(text(unlimited) != [TOO_MANY["sms"]] for _ in range(8))


def test_texts_over_the_limit_change_nothing(app, redis_conn):
    for _ in range(6):
        text(app)  # five answered, the sixth warned
    session_key = redis_conn.keys(app.config["KEY_PREFIX"] + "session:*")
    before = {k: redis_conn.get(k) for k in session_key}
    for body in ("4", "1", "살려주세요", "NEXT", "병원"):
        assert text(app, body) == []
    assert {k: redis_conn.get(k) for k in session_key} == before  # the menu never moved
    prefix = app.config["KEY_PREFIX"]
    assert not redis_conn.keys(f"{prefix}cb:*") and not redis_conn.keys(f"{prefix}urgent:*")
    assert not redis_conn.keys("rq:job:*")  # no work queued for the flood
