"""SMS retries and rate limits as a caller notices them: a retry is not counted again, the
conversation carries on, over the limit one short reply and then silence."""

from __future__ import annotations

from hotline.conversation import rate_limits as ratelimit


def _sms(sid: str, body: str = "안녕하세요", sender: str = "+821055550101") -> dict[str, str]:
    return {"From": sender, "To": "+15005550006", "Body": body, "MessageSid": sid,
            "AccountSid": "AC1", "NumMedia": "0"}


def test_a_twilio_retry_gets_the_same_answer_and_is_not_counted_again(app, signed_post,
                                                                      redis_conn, clock):
    first = signed_post("/twilio/sms", _sms("SMretry1"))
    assert "무엇을 도와드릴까요" in first.get_data(as_text=True)
    again = signed_post("/twilio/sms", _sms("SMretry1"))
    assert again.status_code == 200
    assert again.get_data(as_text=True) == first.get_data(as_text=True)
    runtime = app.extensions["hotline"]
    key = ratelimit.key(app.extensions["hotline"].config, "sms", runtime.caller_hash("+821055550101"), clock())
    assert int(redis_conn.get(key)) == 1  # the retry did not count against the caller


def test_the_session_read_ahead_carries_the_conversation_on(signed_post):
    signed_post("/twilio/sms", _sms("SMra1"))
    reply = signed_post("/twilio/sms", _sms("SMra2", body="1")).get_data(as_text=True)
    assert "무료 건강 지원이에요" in reply


def test_over_the_limit_a_caller_is_told_once_then_not_answered(app, signed_post):
    limit = app.config["RATE_LIMIT_PER_MINUTE"]
    replies = [signed_post("/twilio/sms", _sms(f"SMlim{i}")).get_data(as_text=True)
               for i in range(limit + 2)]
    assert "너무 많이" in replies[limit]
    assert "<Message" not in replies[limit + 1]


def test_a_retry_with_other_fields_is_known_by_its_message_sid_and_changes_nothing(
        app, signed_post, redis_conn, clock):
    """Twilio may retry with fields added (a new ApiVersion, say): the form differs, so the
    replay guard cannot tell; the MessageSid can."""
    signed_post("/twilio/sms", _sms("SMsid1"))
    runtime = app.extensions["hotline"]
    session_key = runtime.sessions.key(runtime.caller_hash("+821055550101"))
    session_before = redis_conn.get(session_key)
    retry = dict(_sms("SMsid1", body="1"), ApiVersion="2010-04-01")
    again = signed_post("/twilio/sms", retry)
    assert again.status_code == 200 and "<Message" not in again.get_data(as_text=True)
    key = ratelimit.key(app.extensions["hotline"].config, "sms", runtime.caller_hash("+821055550101"), clock())
    assert int(redis_conn.get(key)) == 1
    assert redis_conn.get(session_key) == session_before  # still at the first question
    reply = signed_post("/twilio/sms", _sms("SMsid2", body="1")).get_data(as_text=True)
    assert "무료 건강 지원이에요" in reply
