"""The directory through the real webhooks: a signed SMS or call finds entries of an
imported CSV; voice key 3 sends the entry by SMS through a real worker and the outbox.

The capabilities are registered here the way create_app registers capabilities, so this
test keeps proving the wiring once create_app names them itself.
"""

from __future__ import annotations

import pathlib
import xml.etree.ElementTree as ET

import pytest
from rq import SimpleWorker

from hotline import jobs
from hotline.directory.capability import search_capability, send_sms_capability
from hotline.directory.importer import CSV_HEADER, read_csv
from hotline.directory.store import store_entries
from hotline.privacy.vault import new_key
from hotline.telephony import OutboxTransport, read_outbox

HERE = pathlib.Path(__file__).resolve().parents[1]  # tests/
CALLER = "+821012345678"
# A directory nobody here has seen: Korean and English place names, one bad row.
UNSEEN = "\n".join([
    ",".join(CSV_HEADER),
    ("한빛 무료 병원,clinic,02-0000-0160,은평구 통일로 5,서울,,KR,03300,37.6020,126.9290,ko,"
    "mon-fri 09:00-17:00,free,일반 진료"),
    ("Harbor Free Clinic,clinic,+1 310-555-0161,1 Harbor Blvd,Torrance,California,US,90501,"
    "33.8358,-118.3406,en;ko,sat 09:00-12:00,free,General care"),
    "Broken Row,clinic,not-a-phone,x,서울,,KR,,,,ko,,free,x",
])


@pytest.fixture()
def app_config(app_config, tmp_path):
    return {**app_config, "SCRIPTS_DIR": str(HERE / "directory_data"),
            "ENCRYPTION_KEY": new_key(), "DATA_DIR": str(tmp_path)}


@pytest.fixture()
def hotline(app, redis_conn):
    state = app.extensions["hotline"]
    state.capabilities.register("directory_search", search_capability)
    state.capabilities.register("send_sms", send_sms_capability)
    read = read_csv(UNSEEN, "unseen.csv")
    assert [r.line for r in read.rejected] == [4]
    store_entries(redis_conn, app.config.get("KEY_PREFIX") or "hotline:", read.entries)
    return state


def texts(response) -> str:
    assert response.status_code == 200
    return "\n".join(m.text or "" for m in ET.fromstring(response.data).iter("Message"))


def said(response) -> str:
    assert response.status_code == 200
    return " ".join("".join(s.itertext()) for s in ET.fromstring(response.data).iter("Say"))


def test_sms_finds_an_entry_of_the_imported_file_by_its_district(hotline, signed_post):
    def send(body: str, n: int) -> str:
        return texts(signed_post("/twilio/sms", {"From": CALLER, "Body": body,
                                                 "MessageSid": f"SM{n:032d}"}))

    assert "1 병원 찾기" in send("병원", 1)
    send("1", 2)
    reply = send("은평구", 3)
    assert reply.splitlines()[0] == "한빛 무료 병원 02-0000-0160, 은평구 통일로 5, 월-금 9-17"
    english = send("torrance", 4)  # a new place name instead of a key
    assert english.splitlines()[0].startswith("Harbor Free Clinic +1 310-555-0161")


def test_voice_finds_by_speech_and_sends_the_entry_by_sms(hotline, signed_post, app,
                                                          tmp_path):
    from hotline import job_context as context

    params = {"CallSid": "CA" + "1" * 32, "From": CALLER, "To": "+15005550006",
              "CallStatus": "in-progress", "Direction": "inbound"}
    signed_post("/twilio/voice", params)
    signed_post("/twilio/voice/gather", {**params, "Digits": "1"})
    heard = said(signed_post("/twilio/voice/gather",
                             {**params, "SpeechResult": "Torrance", "Confidence": "0.8"}))
    assert "Harbor Free Clinic. 전화 +1 310-555-0161." in heard
    confirmed = said(signed_post("/twilio/voice/gather", {**params, "Digits": "3"}))
    assert confirmed.startswith("문자로 보냈어요.")
    context.configure(app.extensions["hotline"].config, transport=OutboxTransport(str(tmp_path), "+15005550006"))
    try:
        SimpleWorker([jobs.DEFAULT], connection=hotline.redis).work(burst=True)
    finally:
        context.configure({})
    (message,) = read_outbox(str(tmp_path))
    assert message["to"] == CALLER
    assert message["body"].startswith("Harbor Free Clinic +1 310-555-0161, 1 Harbor Blvd")


def test_the_korean_voice_reads_a_latin_name_with_the_english_voice(hotline, signed_post):
    params = {"CallSid": "CA" + "2" * 32, "From": CALLER, "To": "+15005550006",
              "CallStatus": "in-progress", "Direction": "inbound"}
    signed_post("/twilio/voice", params)
    signed_post("/twilio/voice/gather", {**params, "Digits": "1"})
    response = signed_post("/twilio/voice/gather",
                           {**params, "SpeechResult": "Torrance", "Confidence": "0.8"})
    says = list(ET.fromstring(response.data).iter("Say"))
    found = [s for s in says if "Harbor Free Clinic" in "".join(s.itertext())]
    assert found, [ET.tostring(s, encoding="unicode") for s in says]
    say = found[0]
    assert say.get("voice") == "Polly.Seoyeon" and say.get("language") == "ko-KR"
    (name,) = [el for el in say if el.tag == "lang" and el.text == "Harbor Free Clinic"]
    assert name.get("{http://www.w3.org/XML/1998/namespace}lang", name.get("xml:lang")) \
        == "en-US"
    assert "전화 +1 310-555-0161" in (name.tail or "")  # the number in the Korean voice
    # The Korean words around it carry no <lang>: only the name switches voice.
    assert all(el.text and el.text.isascii() for el in say if el.tag == "lang")
