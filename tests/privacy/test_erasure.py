"""DELETE from a caller (and its Korean, Chinese, Russian words) or `hotline forget` by
staff erases every trace of the number at once; an opt-out survives it."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import pytest
from click.testing import CliRunner
from rq import SimpleWorker

from hotline import job_context as context
from hotline import jobs, stats
from hotline.callbacks import queue as callbacks
from hotline.cli import main
from hotline.conversation.caller_words import PHRASES as REPLY_PHRASES
from hotline.conversation.capabilities import CapabilityContext
from hotline.engine.loader import load_script as _load_script
from hotline.people import rota, volunteers
from hotline.privacy import optout
from hotline.privacy.vault import new_key, number_hash
from hotline.telephony import read_outbox
from hotline.urgent import cases as urgent
from tests.capabilities import send_sms_capability
from tests.conftest import SCRIPTS_DIR
from tests.redis_scan import holding

# What callers get for each caller word: the scripts' phrases (ivr_scripts/main.yaml).
REPLIES = {kind: _load_script(f"{SCRIPTS_DIR}/main.yaml").phrases[name]
           for kind, name in REPLY_PHRASES.items()}

CALLER = "+821012345678"
HOTLINE = "+15005550006"
MINJI = "+821011110001"
ROTA = ("timezone: Asia/Seoul\nlevels:\n  - name: primary\n    shifts:\n"
        "      - {volunteer: 민지, days: [mon, tue, wed, thu, fri, sat, sun], "
        "from: '00:00', to: '24:00'}\n")


@pytest.fixture()
def app_config(app_config, tmp_path):
    return {**app_config, "ENCRYPTION_KEY": new_key(), "DATA_DIR": str(tmp_path),
            "HOTLINE_NUMBER": HOTLINE}


@pytest.fixture()
def hotline(app, clock):
    runtime = app.extensions["hotline"]
    volunteers.add(runtime.redis, runtime.config, "민지", MINJI, ("ko",))
    rota.import_rota(runtime.redis, runtime.config, ROTA, "rota.yaml", clock(),
                     rota.resolver(runtime.redis, runtime.config))
    context.configure(app.extensions["hotline"].config, clock=clock)
    yield runtime
    context.configure({})


def texts(signed_post, body, sid, number=CALLER):
    response = signed_post("/twilio/sms", {"From": number, "To": HOTLINE, "Body": body,
                                           "MessageSid": sid})
    assert response.status_code == 200
    return [m.text or "" for m in ET.fromstring(response.data).iter("Message")]


def work(conn):
    SimpleWorker(list(jobs.QUEUES), connection=conn).work(burst=True)


def leave_traces(hotline, signed_post):
    """A caller with everything at once: a taken callback request with its call job, an
    urgent case being paged with a held text, a directory SMS waiting for its job."""
    conn, config = hotline.redis, hotline.config
    texts(signed_post, "안녕하세요", "SM1")
    texts(signed_post, "4", "SM2")
    assert "요청을 받았어요" in " ".join(texts(signed_post, "1", "SM3"))
    reply = texts(signed_post, "다음", "SM4", number=MINJI)  # the volunteer takes it
    assert reply[0].startswith("요청 ")
    texts(signed_post, "살려주세요 숨을 못 쉬겠어요", "SM5")
    texts(signed_post, "문이 잠겨 있어요", "SM6")  # held for whoever acknowledges
    ctx = CapabilityContext(conn, config, CALLER, "-", "voice", "ko", call_sid="CA9")
    assert send_sms_capability(ctx, {"body": "서울 무료 진료소 02-0000-0104"})["queued"]
    case = urgent.open_case_of(conn, config, CALLER)
    assert case is not None and callbacks.open_request(conn, config, CALLER) is not None
    return case


def test_delete_erases_every_trace_at_once_and_confirms_in_korean(hotline, signed_post,
                                                                  clock):
    conn, config = hotline.redis, hotline.config
    case = leave_traces(hotline, signed_post)
    secret = config.secret_key
    digest = number_hash(secret, CALLER)
    assert holding(conn, digest), "the traces to erase are not there"
    job_ids = [key.decode() for key in conn.scan_iter(match="rq:job:*")]
    assert any(j.startswith("rq:job:call-") for j in job_ids)
    assert any(j.startswith(f"rq:job:urgent-{case.code}-") for j in job_ids)
    assert any(j.startswith("rq:job:dirsms-") for j in job_ids)

    assert texts(signed_post, "삭제", "SM7") == [REPLIES["delete"]["ko"]]

    assert holding(conn, digest) == []  # no key or value names the caller's HMAC
    left = conn.hgetall(urgent.Keys(config).case(case.code))
    assert left[b"state"] == b"closed" and b"first_words" not in left and b"caller" not in left
    assert not conn.exists(urgent.Keys(config).number(case.code))
    assert not conn.exists(urgent.Keys(config).held(case.code))
    assert callbacks.all_requests(conn, config) == []
    assert conn.zcard(callbacks.keys(config).queue("ko")) == 0
    remaining = [key.decode() for key in conn.scan_iter(match="rq:job:*")]
    assert not [j for j in remaining if j.startswith(("rq:job:call-", "rq:job:urgent-",
                                                      "rq:job:dirsms-"))], remaining
    assert not list(conn.scan_iter(match=config.key_prefix + "dir:sms:*"))
    assert not list(conn.scan_iter(match=config.key_prefix + f"rate:*:{digest}:*"))
    work(conn)  # nothing is left to page, call or text
    assert read_outbox(config.data_dir) == []
    (day,) = stats.read_days(conn, config, clock(), days=1)
    assert day.get("callback_created") == 1 and day.get("urgent_created") == 1  # counts stay
    # The caller starts afresh: a new text is a new conversation.
    assert "무엇을 도와드릴까요?" in " ".join(texts(signed_post, "안녕하세요", "SM8"))


@pytest.mark.parametrize("word, language", [("删除", "zh"), ("удалить", "ru"),
                                            ("DELETE", "en"), ("지워 주세요", "ko")])
def test_delete_in_each_language_confirms_in_that_language(hotline, signed_post, word,
                                                           language):
    texts(signed_post, "Hello", "SM1")  # an English conversation
    assert texts(signed_post, word, "SM2") == [REPLIES["delete"][language]]
    assert holding(hotline.redis, number_hash(hotline.config.secret_key, CALLER)) == []


def test_an_opt_out_survives_erasure_as_the_hmac_alone(hotline, signed_post):
    conn, config = hotline.redis, hotline.config
    leave_traces(hotline, signed_post)
    texts(signed_post, "STOP", "SM7")
    assert texts(signed_post, "삭제", "SM8") == []  # opted out: no text, not even this one
    digest = number_hash(config.secret_key, CALLER)
    assert holding(conn, digest) == [config.key_prefix + "optout"]
    assert optout.is_opted_out(conn, config, CALLER)
    assert texts(signed_post, "안녕하세요", "SM9") == []  # still no SMS


def test_hotline_forget_erases_a_number_given_in_any_form(hotline, signed_post, redis_url):
    conn, config = hotline.redis, hotline.config
    leave_traces(hotline, signed_post)
    work(conn)  # the directory SMS and the page go out
    assert [e for e in read_outbox(config.data_dir) if e["to"] == CALLER]
    env = {"HOTLINE_REDIS_URL": redis_url, "HOTLINE_SECRET_KEY": config.secret_key,
           "HOTLINE_ENCRYPTION_KEY": config.encryption_key,
           "HOTLINE_DATA_DIR": config.data_dir}
    done = CliRunner(env=env).invoke(main, ["forget", "+82 10-1234-5678", "--json"])
    assert done.exit_code == 0, done.output
    counts = json.loads(done.output)
    assert counts["callbacks"] == 1 and counts["cases"] == 1 and counts["sessions"] == 1
    assert counts["outbox_lines"] >= 1 and counts["opted_out"] is False
    assert CALLER not in done.output and "1234" not in done.output
    assert holding(conn, number_hash(config.secret_key, CALLER)) == []
    assert [e for e in read_outbox(config.data_dir) if e["to"] == CALLER] == []
    assert [e for e in read_outbox(config.data_dir) if e["to"] == MINJI]  # pages stay
    text = CliRunner(env=env).invoke(main, ["forget", "+82 10-1234-5678"])
    assert text.exit_code == 0 and "erased everything kept about +82 10-****-**78" in text.output


@pytest.mark.parametrize("number", ["hello", "123", ""])
def test_hotline_forget_refuses_what_is_not_a_number(number, redis_url):
    result = CliRunner().invoke(main, ["forget", number], env={"HOTLINE_REDIS_URL": redis_url})
    assert result.exit_code == 1
    assert "not a phone number" in result.output and "Traceback" not in result.output
