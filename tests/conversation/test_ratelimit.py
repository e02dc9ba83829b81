"""Rate limits per caller: over the limit one short reply, then silence for the minute.

Counts live in Redis, so two web nodes (two app instances on one Redis) share them.
"""

import itertools
import xml.etree.ElementTree as ET

import pytest
from twilio.request_validator import RequestValidator

from hotline import create_app
from hotline.config import load_config
from hotline.conversation.notices import FALLBACK, limit_notice
from hotline.engine.segments import count_segments
from hotline.people import volunteers

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


def is_notice(reply):
    """The one short notice over the limit: one text naming Korea's emergency number."""
    return len(reply) == 1 and "너무 많이" in reply[0] and "119" in reply[0]


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
        assert reply and not is_notice(reply)  # the menu answers
    assert is_notice(text(app))
    for _ in range(10):
        assert text(app) == []  # nothing more: no cost, no work queued
    clock.advance(60)
    reply = text(app)
    assert reply and not is_notice(reply)


def test_the_menu_answers_within_the_limit(app):
    replies = [text(app) for _ in range(5)]
    assert all(r and not is_notice(r) for r in replies)


def test_the_notice_is_one_short_neutral_segment_in_the_script_and_its_fallback(app):
    script = app.extensions["hotline"].scripts.entry()
    for source in (script, None):  # the staff's phrase, and the line for a script without it
        for language in ("ko", "en"):
            sms = limit_notice(source, "sms", language, "KR")
            spoken = limit_notice(source, "voice", language, "KR")
            assert count_segments(sms).segments == 1
            assert "119" in sms and "119" in spoken
            for word in ("북한", "탈북", "난민", "메시지", "North Korea", "refugee"):
                assert word not in sms and word not in spoken
    assert "{emergency}" in FALLBACK["sms"]["ko"]


def test_the_limit_holds_across_two_web_nodes_on_one_redis(app, app_config):
    other = create_app(app_config)  # a second web node: its own app, the same Redis
    for node in (app, other, app, other, app):
        assert not is_notice(text(node))
    assert is_notice(text(other))
    assert text(app) == []
    assert text(other) == []


def test_each_caller_has_their_own_count(app):
    for _ in range(6):
        text(app)
    assert text(app) == []
    other = text(app, sender="+821087654321")
    assert other and not is_notice(other)


def test_volunteers_are_never_limited(app, redis_conn):
    volunteers.add(redis_conn, app.extensions["hotline"].config, "Mina", VOLUNTEER, ("ko",))
    replies = [text(app, "HELP", sender=VOLUNTEER) for _ in range(12)]
    assert all(r and not is_notice(r) for r in replies)


def test_a_call_over_the_limit_hears_the_emergency_number_before_the_hang_up(app, clock):
    for _ in range(3):
        assert call(app).find("Gather") is not None  # the menu
    for _ in range(3):  # every call over the limit: never a silent busy signal
        over = call(app)
        assert [child.tag for child in over] == ["Say", "Hangup"]
        said = over.find("Say").text
        assert "119" in said and "너무 자주" in said
    clock.advance(60)
    assert call(app).find("Gather") is not None


def test_a_call_from_the_us_over_the_limit_hears_911(app):
    for _ in range(4):
        over = call(app, sender="+12025550147")
    assert "911" in over.find("Say").text and over.find("Hangup") is not None


def test_counts_are_kept_under_the_hash_with_a_ttl(app, redis_conn):
    text(app)
    keys = [k.decode() for k in redis_conn.keys("*rate*")]
    assert keys
    for key in keys:
        assert "1012345678" not in key
        assert 0 < redis_conn.ttl(key) <= 120


def test_the_limit_is_a_setting_and_zero_turns_it_off(app_config):
    assert load_config(environ={"HOTLINE_RATE_LIMIT_PER_MINUTE": "7"}).rate_limit_per_minute == 7
    assert load_config(environ={}).rate_limit_per_minute == 20
    unlimited = create_app({**app_config, "RATE_LIMIT_PER_MINUTE": 0})
    assert all(not is_notice(text(unlimited)) for _ in range(8))


def test_texts_over_the_limit_change_nothing(app, redis_conn):
    for _ in range(6):
        text(app)  # five answered, the sixth warned
    session_key = redis_conn.keys(app.config["KEY_PREFIX"] + "session:*")
    before = {k: redis_conn.get(k) for k in session_key}
    for body in ("4", "1", "NEXT", "병원"):  # (urgent words are never limited)
        assert text(app, body) == []
    assert {k: redis_conn.get(k) for k in session_key} == before  # the menu never moved
    prefix = app.config["KEY_PREFIX"]
    assert not redis_conn.keys(f"{prefix}cb:*") and not redis_conn.keys(f"{prefix}urgent:*")
    assert not redis_conn.keys("rq:job:*")  # no work queued for the flood
