"""SMS webhook: the caller's language, walking the menu, one segment per reply where it fits."""

import itertools
import xml.etree.ElementTree as ET

import pytest

from hotline.engine.segments import count_segments

CALLER = "+821012345678"


def messages(response):
    """Return the texts of the <Message>s in an SMS reply (asserting it is 200 TwiML)."""
    assert response.status_code == 200
    assert response.mimetype == "text/xml"
    root = ET.fromstring(response.data)
    assert root.tag == "Response"
    return [m.text or "" for m in root.findall("Message")]


@pytest.fixture()
def script(app):
    return app.extensions["hotline"].scripts.entry()


@pytest.fixture()
def sms(signed_post):
    count = iter(range(1, 1000))

    def send(body, sender=CALLER):
        return signed_post("/twilio/sms", {"From": sender, "To": "+15005550006", "Body": body,
                                           "MessageSid": f"SM{next(count):032d}"})

    return send


def first_option(script):
    menu = script.nodes[script.start]
    return next(o for o in menu.options if o.key == "1")


def test_hangul_gets_the_korean_main_menu(script, sms):
    texts = messages(sms("안녕하세요"))
    reply = "\n".join(texts)
    assert script.nodes[script.start].text["ko"] in reply
    option = first_option(script)
    assert f"1 {option.label['ko']}" in reply
    assert script.nodes[script.start].text["en"] not in reply


def test_latin_letters_get_the_english_main_menu(script, sms):
    reply = "\n".join(messages(sms("hello, I need help")))
    assert script.nodes[script.start].text["en"] in reply
    assert f"1 {first_option(script).label['en']}" in reply


def test_one_walks_on_to_the_first_option(script, sms):
    messages(sms("안녕하세요"))
    reply = "\n".join(messages(sms("1")))
    target = script.nodes[first_option(script).goto]
    assert target.text["ko"] in reply
    assert script.nodes[script.start].text["ko"] not in reply


def test_replies_fit_one_segment_per_message_when_joined(script, sms):
    for text in messages(sms("안녕하세요")):
        assert count_segments(text).segments >= 1
    texts = messages(sms("1"))
    if len(texts) > 1:  # split only because joining would not fit one segment
        for first, second in itertools.pairwise(texts):
            assert count_segments(first + "\n" + second).segments > 1


def test_a_wrong_answer_says_so_and_asks_again(script, sms):
    messages(sms("안녕하세요"))
    reply = "\n".join(messages(sms("77")))
    assert script.phrase("invalid", "ko") in reply
    assert script.nodes[script.start].text["ko"] in reply


def test_two_callers_keep_separate_places(script, sms):
    messages(sms("안녕하세요"))
    messages(sms("hello", sender="+12025550123"))
    reply = "\n".join(messages(sms("1")))
    assert script.nodes[first_option(script).goto].text["ko"] in reply


def test_session_is_kept_under_a_hash_with_the_ttl(app, redis_conn, sms):
    messages(sms("안녕하세요"))
    keys = [k.decode() for k in redis_conn.keys(app.config["KEY_PREFIX"] + "session:*")]
    assert len(keys) == 1
    assert 0 < redis_conn.ttl(keys[0]) <= app.config["SESSION_TTL"]
    # The other key remembers the MessageSid (for Twilio retries), and expires too.
    assert all(redis_conn.ttl(k) > 0 for k in redis_conn.keys("*"))


def test_a_twilio_retry_of_the_same_message_changes_nothing(app, redis_conn, signed_post):
    params = {"From": "+821012345678", "To": "+15005550006", "Body": "안녕하세요",
              "MessageSid": "SMretry0001", "NumMedia": "0"}
    first = signed_post("/twilio/sms", params)
    assert first.status_code == 200 and b"<Message>" in first.data
    params["Body"], params["MessageSid"] = "1", "SMretry0002"
    moved = signed_post("/twilio/sms", params)
    session_key = redis_conn.keys(app.config["KEY_PREFIX"] + "session:*")[0]
    before = redis_conn.get(session_key)
    again = signed_post("/twilio/sms", params)  # Twilio retries the same MessageSid
    assert again.status_code == 200
    # The same answer again (the first may never have reached Twilio), nothing stepped.
    assert again.data == moved.data
    assert redis_conn.get(session_key) == before
    assert b"<Message>" in moved.data


def test_a_text_after_a_call_continues_as_sms_not_with_voice_menus(signed_post, sms):
    call = {"From": CALLER, "To": "+15005550006", "CallSid": "CA1"}
    signed_post("/twilio/voice", call)
    signed_post("/twilio/voice/gather", dict(call, Digits="2"))  # find a clinic, by voice
    resume = "\n".join(messages(sms("서울")))
    assert "이어서" in resume and "1 이어서 하기" in resume and "번" not in resume
    place = "\n".join(messages(sms("1")))
    # The SMS question (type a place), not the voice one (say it or press a region key).
    assert "보내 주세요" in place and "말하거나" not in place
    assert "1 서울" not in place
