"""HOTLINE_ENCRYPTION_KEY rotation: several comma-separated Fernet keys, the first encrypts,
all decrypt; numbers, sessions and held texts sealed under the old key still open."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from hotline import create_app
from hotline.callbacks import queue as callbacks
from hotline.config import load_config
from hotline.privacy.vault import NumberVault, is_sealed, new_key
from hotline.urgent import cases as urgent

CALLER = "+821012345678"
OLD, NEW = new_key(), new_key()


def test_a_number_encrypted_with_the_old_key_opens_after_rotation():
    token = NumberVault(OLD).encrypt(CALLER)
    rotated = NumberVault(f"{NEW}, {OLD}")
    assert rotated.decrypt(token) == CALLER
    fresh = rotated.encrypt(CALLER)
    assert NumberVault(NEW).decrypt(fresh) == CALLER  # new values use the new key
    assert NumberVault(OLD).decrypt(fresh) is None
    assert NumberVault(NEW).decrypt(token) is None  # once the old key is gone, so is it


def test_no_key_at_all_is_refused():
    with pytest.raises(ValueError, match="HOTLINE_ENCRYPTION_KEY"):
        NumberVault(" , ")


def test_callback_and_urgent_numbers_and_held_texts_survive_a_rotation(redis_conn):
    before = load_config({"KEY_PREFIX": "hotline:", "SECRET_KEY": "s", "ENCRYPTION_KEY": OLD}, environ={})
    placed = callbacks.create(redis_conn, before, CALLER, language="ko", topic="clinic",
                              now=1000.0)
    case, _ = urgent.open_case(redis_conn, before, "+821055556666", sid="SM1", language="ko",
                               channel="sms", first_words="살려주세요", reason="words",
                               now=1000.0)
    urgent.hold_text(redis_conn, before, case.code, "문이 잠겨 있어요")
    after = before.replace(encryption_key=f"{NEW},{OLD}")
    assert callbacks.number_of(redis_conn, after, placed.request.id) == CALLER
    assert urgent.number_of(redis_conn, after, case.code) == "+821055556666"
    assert urgent.get(redis_conn, after, case.code).first_words == "살려주세요"
    assert urgent.take_held_texts(redis_conn, after, case.code) == ["문이 잠겨 있어요"]
    newer = callbacks.create(redis_conn, after, "+821077778888", language="ko",
                             topic="clinic", now=1001.0)
    token = redis_conn.get(callbacks.keys(after).number(newer.request.id))
    assert NumberVault(NEW).decrypt(token) == "+821077778888"
    assert NumberVault(OLD).decrypt(token) is None


def sms(app, body, sid):
    from twilio.request_validator import RequestValidator

    params = {"From": CALLER, "To": "+15005550006", "Body": body, "MessageSid": sid}
    url = app.config["PUBLIC_URL"] + "/twilio/sms"
    signature = RequestValidator(app.config["TWILIO_AUTH_TOKEN"]).compute_signature(url, params)
    response = app.test_client().post("/twilio/sms", data=params,
                                      headers={"X-Twilio-Signature": signature})
    assert response.status_code == 200
    return " ".join(m.text or "" for m in ET.fromstring(response.data).iter("Message"))


def test_a_conversation_goes_on_across_a_key_rotation(app_config, redis_conn):
    first = create_app({**app_config, "ENCRYPTION_KEY": OLD})
    sms(first, "안녕하세요", "SM1")
    assert "무엇을 이야기할까요" in sms(first, "4", "SM2")  # the call-back menu, sealed
    (key,) = redis_conn.keys("hotline:session:*")
    assert is_sealed(redis_conn.get(key))  # a vault token (AES-GCM seal), not JSON
    assert NumberVault(OLD).decrypt(redis_conn.get(key)) is not None
    rotated = create_app({**app_config, "ENCRYPTION_KEY": f"{NEW},{OLD}"})
    assert "요청을 받았어요" in sms(rotated, "1", "SM3")  # the session was read
    assert NumberVault(NEW).decrypt(redis_conn.get(key)) is not None  # saved under the new key
    dropped = create_app({**app_config, "ENCRYPTION_KEY": new_key()})
    assert "무엇을 도와드릴까요" in sms(dropped, "4", "SM4")  # unreadable: starts afresh
