"""Whatever a caller (or anyone holding a valid signature) sends, every /twilio route answers
200 with TwiML whose root is <Response>, and nothing fails inside: no ERROR log line, no
traceback. Routes come from the app's url map, so a new one is fuzzed without editing this.

Parameters: Body, Digits, SpeechResult, From, To, CallStatus, DialCallStatus, unknown
extra fields, a field sent twice, wrong types (letters for digits, words for numbers),
huge values; the query string the app put in its own URLs (request, case, step, lang,
leg, t) with real and made-up values. Example counts stay modest: the suite must be fast.
"""

from __future__ import annotations

import itertools
import logging
import re
import xml.etree.ElementTree as ET
from urllib.parse import urlencode

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from twilio.request_validator import RequestValidator
from werkzeug.datastructures import MultiDict

from hotline import create_app
from hotline.callbacks import queue as callbacks
from hotline.conversation.capabilities import CapabilityContext
from hotline.people import rota, volunteers
from hotline.privacy.vault import new_key
from hotline.urgent import cases as urgent
from tests.capabilities import urgent_capability

CALLER, KIM = "+821012345678", "+821011110001"
HUGE = st.text(min_size=1, max_size=3).map(lambda s: (s * 4000)[:8_000])
WEIRD = st.sampled_from(["", " ", "\x00", "\x07\x1b[2J", "😀🆘", "١٢٣", "*#", "0" * 40,
                         "\ufeff", "\ufffe", "<Response/>", "]]>", "&amp;", "%00", "NaN",
                         "-1", "1e309", "None", "[]", "{}", "true", "\r\n", "ACK", "NEXT",
                         "DONE 1001", "ACK ACD", "STOP", "살려주세요", "응급"])
TEXT = st.one_of(st.text(max_size=80), WEIRD, HUGE)
NUMBERS = st.one_of(
    st.sampled_from([CALLER, KIM, "+12025550123", "+8613912345678", "+79161234567",
                     "01012345678", "anonymous", "+", "client:alice", "sip:1@x",
                     "+15005550006", "+15005550007", ""]),
    st.from_regex(r"\+?[0-9]{0,20}", fullmatch=True),
    TEXT,
)
STATUSES = st.one_of(st.sampled_from(["queued", "ringing", "in-progress", "completed", "busy",
                                      "failed", "no-answer", "canceled", "delivered"]), TEXT)


def twilio_routes() -> list[str]:
    app = create_app({"TESTING": True, "REDIS_URL": "redis://127.0.0.1:1/0"})
    return sorted(r.rule for r in app.url_map.iter_rules() if r.rule.startswith("/twilio/"))


ROUTES = twilio_routes()
_sids = itertools.count(1)


@pytest.fixture()
def app_config(app_config, tmp_path):
    return {**app_config, "ENCRYPTION_KEY": new_key(), "DATA_DIR": str(tmp_path),
            "FLASH_NUMBER": "+15005550007"}


@pytest.fixture()
def known(app, redis_conn, clock):
    """A request taken by Kim and an open urgent case, so ids in URLs can be real ones."""
    config = app.extensions["hotline"].config
    kim = volunteers.add(redis_conn, config, "Kim", KIM, ("ko",))
    rota.import_rota(redis_conn, config, "timezone: UTC\nlevels:\n  - name: one\n    shifts:\n"
                     "      - {volunteer: Kim, days: [mon, tue, wed, thu, fri, sat, sun], "
                     "from: '00:00', to: '24:00'}\n", "rota.yaml", 0.0,
                     rota.resolver(redis_conn, config))
    callbacks.create(redis_conn, config, CALLER, language="ko", topic="clinic",
                     now=clock() - 60)
    req = callbacks.take_next(redis_conn, config, ["ko"], kim.id, clock())
    ctx = CapabilityContext(redis_conn, config, "+821099998888",
                            urgent.caller_hash(config, "+821099998888"), "voice", "ko",
                            call_sid="CAfuzz", now=clock())
    code = urgent_capability(ctx, {"language": "ko", "reason": "menu"})["code"]
    return {"request": req.id, "case": code}


def query_strategy(known_ids):
    value = st.one_of(st.sampled_from(sorted(known_ids.values())), st.text(max_size=12),
                      st.sampled_from(["1", "0", "-1", "99999999", "ko", "en", "zz", "x" * 500,
                                       "volunteer", "%", "&", "="]))
    names = st.sampled_from(["request", "case", "step", "lang", "leg", "t", "other"])
    return st.dictionaries(names, value, max_size=5)


def form_strategy():
    fixed = st.fixed_dictionaries({}, optional={
        "From": NUMBERS, "To": NUMBERS, "Body": TEXT, "Digits": st.one_of(
            TEXT, st.text("0123456789*#", max_size=30)),
        "SpeechResult": TEXT, "Confidence": TEXT, "CallStatus": STATUSES,
        "DialCallStatus": STATUSES, "DialCallDuration": TEXT, "MessageStatus": STATUSES,
        "NumMedia": TEXT, "AccountSid": TEXT, "Direction": TEXT, "CallSid": TEXT,
    })
    extra = st.dictionaries(st.text(min_size=1, max_size=20).filter(lambda k: k.strip()),
                            TEXT, max_size=3)
    return st.tuples(fixed, extra, st.booleans())


@settings(max_examples=120, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture,
                                 HealthCheck.too_slow, HealthCheck.data_too_large])
@given(data=st.data())
@pytest.mark.slow
def test_any_request_to_any_twilio_route_gets_200_and_twiml(app, client, known, caplog, data):
    route = data.draw(st.sampled_from(ROUTES), label="route")
    query = data.draw(query_strategy(known), label="query")
    fields, extra, twice = data.draw(form_strategy(), label="form")
    params = MultiDict({**extra, **fields})
    if data.draw(st.booleans(), label="fresh sids"):  # a new message or call, not a retry
        params["MessageSid"] = f"SM{next(_sids):032d}"
        params.setdefault("CallSid", f"CA{next(_sids):032d}")
    if twice and fields:  # the same field sent twice, with another value
        name = min(fields)
        params.add(name, data.draw(TEXT, label="second value"))
    path = route + (f"?{urlencode(query)}" if query else "")
    url = app.config["PUBLIC_URL"] + path
    signature = RequestValidator(app.config["TWILIO_AUTH_TOKEN"]).compute_signature(
        url, params)
    caplog.clear()
    with caplog.at_level(logging.INFO):
        response = client.post(path, data=params, headers={"X-Twilio-Signature": signature})
    assert response.status_code == 200, (path, response.status_code)
    assert response.mimetype == "text/xml"
    assert ET.fromstring(response.data).tag == "Response"
    # Odd input is a normal outcome, never a failure answered by the fallback.
    failures = [r for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info]
    assert not failures, caplog.text[-3000:]
    assert "Traceback" not in caplog.text


def test_fuzzing_covers_every_twilio_route():
    assert len(ROUTES) >= 11
    assert all(re.fullmatch(r"/twilio/[a-z/]+", route) for route in ROUTES)
