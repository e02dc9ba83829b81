"""Opt-out through the real webhooks and a real worker: STOP stops every SMS until START,
HELP answers, the transport refuses an opted-out number, pages to volunteers still go."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest
from rq import SimpleWorker
from twilio.base.exceptions import TwilioRestException

from hotline import job_context as context
from hotline import jobs, stats
from hotline.conversation.caller_words import PHRASES as REPLY_PHRASES
from hotline.engine.loader import load_script as _load_script
from hotline.job_context import OptOutGuard
from hotline.people import volunteers
from hotline.privacy import optout
from hotline.privacy.vault import new_key, number_hash
from hotline.telephony import OptedOut, OutboxTransport, read_outbox
from tests.conftest import SCRIPTS_DIR

# What callers get for each caller word: the scripts' phrases (ivr_scripts/main.yaml).
REPLIES = {kind: _load_script(f"{SCRIPTS_DIR}/main.yaml").phrases[name]
           for kind, name in REPLY_PHRASES.items()}

CALLER = "+821012345678"
HOTLINE = "+15005550006"
MINJI = "+821011110001"


@pytest.fixture()
def app_config(app_config, tmp_path):
    return {**app_config, "ENCRYPTION_KEY": new_key(), "DATA_DIR": str(tmp_path),
            "HOTLINE_NUMBER": HOTLINE}


@pytest.fixture()
def hotline(app, clock):
    context.configure(app.extensions["hotline"].config, clock=clock)
    yield app.extensions["hotline"]
    context.configure({})


def texts(signed_post, body, sid, number=CALLER):
    """Send an SMS; return the texts of the <Message>s that came back."""
    response = signed_post("/twilio/sms", {"From": number, "To": HOTLINE, "Body": body,
                                           "MessageSid": sid})
    assert response.status_code == 200
    return [m.findtext("Body") or m.text or "" for m in ET.fromstring(response.data)
            .iter("Message")]


def work(conn):
    SimpleWorker(list(jobs.QUEUES), connection=conn).work(burst=True)


def test_stop_silences_every_reply_until_start(hotline, signed_post):
    assert texts(signed_post, "안녕하세요", "SM1")  # the menu answers
    assert texts(signed_post, "STOP", "SM2") == []  # Twilio itself confirms its own words
    assert optout.is_opted_out(hotline.redis, hotline.config, CALLER)
    assert texts(signed_post, "1", "SM3") == []
    assert texts(signed_post, "안녕하세요", "SM4") == []
    assert texts(signed_post, "yes", "SM5") == []  # YES is Twilio's opt-in word
    assert not optout.is_opted_out(hotline.redis, hotline.config, CALLER)
    assert texts(signed_post, "안녕하세요", "SM6")  # the menu answers again


@pytest.mark.parametrize("stop, start, language", [
    ("중지", "시작", "ko"), ("停止", "开始", "zh"), ("стоп", "старт", "ru")])
def test_the_scripts_own_words_are_confirmed_in_their_language(hotline, signed_post, stop,
                                                               start, language):
    assert texts(signed_post, stop, "SM1") == [REPLIES["stop"][language]]
    assert texts(signed_post, "2", "SM2") == []
    assert texts(signed_post, start, "SM3") == [REPLIES["start"][language]]
    assert texts(signed_post, "2", "SM4") != []


@pytest.mark.parametrize("word", ["STOP", "unsubscribe", "Cancel", "END", "quit"])
def test_every_twilio_stop_word_opts_out(hotline, signed_post, word):
    texts(signed_post, word, "SM1")
    assert optout.is_opted_out(hotline.redis, hotline.config, CALLER)


def test_yes_and_start_answer_the_menu_when_the_caller_never_opted_out(hotline, signed_post):
    texts(signed_post, "안녕하세요", "SM1")
    texts(signed_post, "4", "SM2")  # call back
    asked = texts(signed_post, "2", "SM3")  # health: the breathing question, yes or no
    assert any("숨쉬기" in t for t in asked)
    answered = " ".join(texts(signed_post, "yes", "SM4"))
    assert "119" in answered and "전화" in answered  # "yes" reached the urgent node


def test_help_answers_in_the_callers_language(hotline, signed_post):
    assert texts(signed_post, "HELP", "SM1") == [REPLIES["help"]["en"]]
    texts(signed_post, "안녕하세요", "SM2")  # a Korean conversation
    assert texts(signed_post, "help", "SM3") == [REPLIES["help"]["ko"]]
    assert texts(signed_post, "도움말", "SM4") == [REPLIES["help"]["ko"]]
    assert not optout.is_opted_out(hotline.redis, hotline.config, CALLER)


def test_an_opt_out_is_kept_as_the_hmac_only_and_counted_once(hotline, signed_post, clock):
    texts(signed_post, "STOP", "SM1")
    texts(signed_post, "STOP", "SM2")
    members = hotline.redis.smembers(hotline.config.key_prefix + "optout")
    assert members == {number_hash(hotline.config.secret_key, CALLER).encode()}
    assert hotline.redis.ttl(hotline.config.key_prefix + "optout") == -1  # never expires
    (day,) = stats.read_days(hotline.redis, hotline.config, clock(), days=1)
    assert day.get("opt_out") == 1


def test_an_urgent_text_from_an_opted_out_number_still_pages_a_person(hotline, signed_post):
    from hotline.people import rota
    from hotline.urgent import cases as urgent

    kim = volunteers.add(hotline.redis, hotline.config, "Kim", MINJI, ("ko",))
    rota.import_rota(hotline.redis, hotline.config,
                     "timezone: Asia/Seoul\nlevels:\n  - name: primary\n    shifts:\n"
                     "      - {volunteer: Kim, days: [mon, tue, wed, thu, fri, sat, sun], "
                     "from: '00:00', to: '24:00'}\n", "rota.yaml", hotline.clock(),
                     rota.resolver(hotline.redis, hotline.config))
    texts(signed_post, "STOP", "SM1")
    assert texts(signed_post, "살려주세요", "SM2") == []  # no SMS to the caller
    case = urgent.open_case_of(hotline.redis, hotline.config, CALLER)
    assert case is not None
    work(hotline.redis)
    pages = [e for e in read_outbox(hotline.config.data_dir) if e["to"] == kim.phone]
    assert pages and case.code in pages[0]["body"]


def test_the_transport_refuses_an_opted_out_number_but_not_a_volunteer(hotline, tmp_path):
    conn, config = hotline.redis, hotline.config
    volunteers.add(conn, config, "Kim", MINJI, ("ko",))
    optout.opt_out(conn, config, CALLER, 0)
    optout.opt_out(conn, config, MINJI, 0)  # a volunteer's number that also sent STOP once
    guard = OptOutGuard(OutboxTransport(str(tmp_path)), conn, config)
    with pytest.raises(OptedOut):
        guard.send_sms(CALLER, "x")
    guard.send_sms(MINJI, "URGENT K7Q ko: '…' reply ACK K7Q")  # pages are not affected
    guard.call(CALLER, twiml="<Response/>")  # a call back is not an SMS
    assert [(e["kind"], e["to"]) for e in read_outbox(str(tmp_path))] == [
        ("sms", MINJI), ("call", CALLER)]


def test_a_directory_text_queued_for_an_opted_out_caller_is_not_sent(hotline):
    from hotline.conversation.capabilities import CapabilityContext
    from tests.capabilities import send_sms_capability

    conn, config = hotline.redis, hotline.config
    ctx = CapabilityContext(conn, config, CALLER, "h", "voice", "ko", call_sid="CA1")
    assert send_sms_capability(ctx, {"body": "서울 무료 진료소 02-0000-0104"})["queued"]
    optout.opt_out(conn, config, CALLER, 0)
    work(conn)
    assert read_outbox(config.data_dir) == []
    assert not list(conn.scan_iter(match=config.key_prefix + "dir:sms:*"))  # forgotten


class Unsubscribed:
    """A transport that answers like Twilio for a number that replied STOP to Twilio."""

    def send_sms(self, to, body, *, status_callback=None):
        raise TwilioRestException(400, "https://api.twilio.com/Messages.json",
                                  f"Attempt to send to unsubscribed recipient {to}", 21610)

    def call(self, to, *, twiml=None, url=None, status_callback=None):
        raise TwilioRestException(400, "https://api.twilio.com/Calls.json",
                                  f"The 'To' number {to} is not a valid phone number.", 21211)


def test_twilios_unsubscribed_error_records_the_opt_out_and_no_error_names_the_number(hotline):
    conn, config = hotline.redis, hotline.config
    guard = OptOutGuard(Unsubscribed(), conn, config)
    with pytest.raises(OptedOut) as refused:
        guard.send_sms(CALLER, "x")
    assert CALLER not in str(refused.value)
    assert optout.is_opted_out(conn, config, CALLER)
    with pytest.raises(TwilioRestException) as failed:
        guard.call(CALLER, twiml="<Response/>")
    assert failed.value.code == 21211 and failed.value.status == 400
    assert CALLER not in str(failed.value) and CALLER[1:] not in failed.value.msg


def test_a_voice_call_from_an_opted_out_number_is_answered_as_usual(hotline, signed_post):
    texts(signed_post, "STOP", "SM1")
    response = signed_post("/twilio/voice", {"From": CALLER, "To": HOTLINE, "CallSid": "CA1"})
    assert response.status_code == 200 and b"<Gather" in response.data
