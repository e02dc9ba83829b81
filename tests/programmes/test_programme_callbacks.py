"""A programme's text leads somewhere: 1 asks for a call back about that programme, and the
volunteer taking it from the queue sees which programme it is about."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from hotline.callbacks import queue as callbacks
from hotline.conversation.volunteer_commands import handle
from hotline.people import volunteers
from hotline.scripts import volunteer_texts

HOTLINE = "+15005550006"
VOLUNTEER = "+821022223333"


def sms(signed_post, number, body, sid):
    response = signed_post("/twilio/sms", {"From": number, "To": HOTLINE, "Body": body,
                                           "MessageSid": sid})
    assert response.status_code == 200
    return " ".join(m.text or "" for m in ET.fromstring(response.data).iter("Message"))


@pytest.mark.parametrize(("caller", "first", "key", "topic", "ko_name", "en_name"), [
    ("+821012340001", "안녕하세요", "2", "programme_peer_training", "또래 상담가 교육",
     "peer counsellor training"),
    ("+12025550171", "Hello", "4", "programme_korean_medicine", "LA 한방 검진",
     "Korean-medicine check-up in LA"),
])
def test_a_call_back_asked_from_a_programme_text_names_the_programme_in_the_queue(
        hotline, signed_post, clock, caller, first, key, topic, ko_name, en_name):
    runtime, _ask = hotline
    conn, config = runtime.redis, runtime.config
    sms(signed_post, caller, first, "SM1")
    sms(signed_post, caller, "1", "SM2")
    sms(signed_post, caller, key, "SM3")
    sms(signed_post, caller, "1", "SM4")
    (request,) = callbacks.all_requests(conn, config)
    assert request.topic == topic
    volunteers.add(conn, config, "Mina", VOLUNTEER, ("ko", "en"))
    reply = handle(conn, config, VOLUNTEER, "다음", "SM10", now=clock())
    assert f"요청 {request.id}: " in reply and ko_name in reply
    # the queue page and an English-speaking volunteer's whisper use the same words
    assert volunteer_texts.topic_name(conn, config, topic, "ko") == ko_name
    assert volunteer_texts.topic_name(conn, config, topic, "en") == en_name
