"""After SMS and voice conversations, no caller digits or words are anywhere in Redis or logs."""

import logging
import pathlib
import zlib

import pytest

from hotline.directory_import import import_file
from hotline.privacy import new_key

CALLER = "+821012345678"
WORDS = ["배가 많이 아파요", "약이 필요해요", "이 번호로 연락 주세요"]
NEEDLES = ["1012345678", "821012345678", CALLER, "010-1234-5678", *WORDS]


SAMPLE_DIRECTORY = pathlib.Path(__file__).parent.parent / "ivr_scripts" / "directory.sample.csv"


@pytest.fixture()
def app_config(app_config, tmp_path):
    # With an encryption key the directory's "send it by SMS" and call backs really queue.
    return {**app_config, "ENCRYPTION_KEY": new_key(), "DATA_DIR": str(tmp_path)}


def _readable(value):
    """RQ stores a job's arguments zlib-compressed: unpack them so the scan sees inside."""
    try:
        return zlib.decompress(value)
    except zlib.error:
        return value


def dump(redis_conn):
    """Return every key and every value of the test database as one text."""
    parts = []
    for key in redis_conn.scan_iter(count=1000):
        parts.append(key)
        kind = redis_conn.type(key).decode()
        if kind == "string":
            parts.append(redis_conn.get(key))
        elif kind == "hash":
            for field, value in redis_conn.hgetall(key).items():
                parts += [field, _readable(value)]
        elif kind == "list":
            parts += redis_conn.lrange(key, 0, -1)
        elif kind == "set":
            parts += list(redis_conn.smembers(key))
        elif kind == "zset":
            parts += [member for member, _ in redis_conn.zrange(key, 0, -1, withscores=True)]
        elif kind == "stream":
            for _, fields in redis_conn.xrange(key):
                for field, value in fields.items():
                    parts += [field, value]
    return "\n".join(p.decode("utf-8", "replace") for p in parts)


def test_no_caller_number_or_words_in_redis_or_logs(app, signed_post, redis_conn, caplog):
    caplog.set_level(logging.DEBUG)
    sms = {"From": CALLER, "To": "+15005550006"}
    for i, body in enumerate([WORDS[0], "1", WORDS[2], "0"]):
        response = signed_post("/twilio/sms", dict(sms, Body=body, MessageSid=f"SM{i}"))
        assert response.status_code == 200
    call = {"From": CALLER, "To": "+15005550006", "CallSid": "CA1"}
    assert signed_post("/twilio/voice", call).status_code == 200
    for extra in ({"Digits": "1"}, {"SpeechResult": WORDS[1]}, {}, {"Digits": "0"}):
        assert signed_post("/twilio/voice/gather", dict(call, **extra)).status_code == 200

    # The directory by SMS and by voice, with "send it by SMS" (a queued job), and a call back.
    import_file(redis_conn, app.config["KEY_PREFIX"], str(SAMPLE_DIRECTORY))
    for i, body in enumerate(["안녕", "2", "강남구", "0", "4", "1"]):
        response = signed_post("/twilio/sms", dict(sms, Body=body, MessageSid=f"SMd{i}"))
        assert response.status_code == 200
    call = dict(call, CallSid="CA2")
    assert signed_post("/twilio/voice", call).status_code == 200
    for digits in ("2", "1", "3"):  # find a clinic, Seoul, send it by SMS
        assert signed_post("/twilio/voice/gather", dict(call, Digits=digits)).status_code == 200

    stored = dump(redis_conn)
    assert stored, "the conversation left no session at all: the scan would prove nothing"
    assert "dirsms-" in stored and "send_entry_sms" in stored, "no SMS job was queued"
    assert ":cb:req:" in stored, "no call back was requested"
    for needle in NEEDLES:
        assert needle not in stored, needle
        assert needle not in caplog.text, needle
