"""An opted-out caller who asks for a directory result by text hears the truth.

The number sent STOP, so no text can go to it: the call must not say "문자로 보냈어요".
It says the text was not sent and how to get texts again (START), in the script's words.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from hotline import jobs
from hotline.directory.importer import CSV_HEADER, read_csv
from hotline.directory.store import store_entries
from hotline.privacy.vault import new_key

CALLER = "+821012345670"
DIRECTORY = "\n".join([
    ",".join(CSV_HEADER),
    ("한빛 무료 병원,clinic,02-0000-0160,은평구 통일로 5,서울,,KR,03300,37.6020,126.9290,ko,"
     "mon-fri 09:00-17:00,free,일반 진료"),
])


@pytest.fixture()
def app_config(app_config, tmp_path):
    return {**app_config, "ENCRYPTION_KEY": new_key(), "DATA_DIR": str(tmp_path)}


@pytest.fixture()
def directory(app, redis_conn):
    store_entries(redis_conn, app.config.get("KEY_PREFIX") or "hotline:",
                  read_csv(DIRECTORY, "d.csv").entries)


def _said(response) -> str:
    assert response.status_code == 200
    return " ".join(s.text or "" for s in ET.fromstring(response.data).iter("Say"))


def _ask_for_a_text(signed_post, sid: str) -> str:
    params = {"CallSid": sid, "From": CALLER, "To": "+15005550006",
              "CallStatus": "in-progress", "Direction": "inbound"}
    signed_post("/twilio/voice", params)
    signed_post("/twilio/voice/gather", {**params, "Digits": "2"})  # find a clinic
    heard = _said(signed_post("/twilio/voice/gather", {**params, "Digits": "1"}))  # Seoul
    assert "한빛 무료 병원" in heard
    return _said(signed_post("/twilio/voice/gather", {**params, "Digits": "3"}))  # by text


def test_an_opted_out_caller_hears_the_text_was_not_sent_and_how_to_start_again(
        app, signed_post, redis_conn, directory):
    signed_post("/twilio/sms", {"From": CALLER, "To": "+15005550006", "Body": "STOP",
                                "MessageSid": "SM" + "7" * 32})
    heard = _ask_for_a_text(signed_post, "CA" + "7" * 32)
    assert "보냈어요" not in heard.split("못했어요")[0]
    assert "보내지 못했어요" in heard and "시작" in heard
    script = app.extensions["hotline"].scripts.entry()
    assert heard.startswith(script.phrase("sms_opted_out", "ko"))  # the staff's words
    assert jobs.queue(redis_conn, jobs.DEFAULT).count == 0  # nothing queued to send


def test_a_caller_who_did_not_opt_out_still_gets_the_text(app, signed_post, redis_conn,
                                                          directory):
    heard = _ask_for_a_text(signed_post, "CA" + "8" * 32)
    assert heard.startswith("문자로 보냈어요.")
    assert jobs.queue(redis_conn, jobs.DEFAULT).count == 1
