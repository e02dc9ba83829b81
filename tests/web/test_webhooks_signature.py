"""Every /twilio/* request needs a valid Twilio signature made for PUBLIC_URL + path."""

import logging
import re
import xml.etree.ElementTree as ET

import pytest
from twilio.request_validator import RequestValidator

from hotline import create_app

SMS = {"From": "+821012345678", "To": "+15005550006", "Body": "안녕하세요",
       "MessageSid": "SM0001"}


def test_unsigned_request_is_refused(client):
    response = client.post("/twilio/sms", data=SMS)
    assert response.status_code == 403


def test_signature_with_the_wrong_token_is_refused(signed_post):
    assert signed_post("/twilio/sms", SMS, token="not-the-token").status_code == 403


def test_a_changed_parameter_breaks_the_signature(app, client):
    url = app.config["PUBLIC_URL"] + "/twilio/sms"
    signature = RequestValidator(app.config["TWILIO_AUTH_TOKEN"]).compute_signature(url, SMS)
    tampered = dict(SMS, Body="다른 내용")
    response = client.post("/twilio/sms", data=tampered,
                           headers={"X-Twilio-Signature": signature})
    assert response.status_code == 403


def test_a_signature_made_for_another_path_is_refused(app, signed_post):
    other = app.config["PUBLIC_URL"] + "/twilio/voice"
    assert signed_post("/twilio/sms", SMS, signed_for=other).status_code == 403


def test_the_host_header_does_not_matter_only_public_url(signed_post):
    response = signed_post("/twilio/sms", SMS, base_url="http://10.0.0.7:8000")
    assert response.status_code == 200
    assert ET.fromstring(response.data).tag == "Response"


def test_a_signature_made_for_the_internal_host_is_refused(signed_post):
    # Behind a proxy Flask sees the internal URL; trusting it would let anyone sign for it.
    response = signed_post("/twilio/sms", SMS, signed_for="http://localhost/twilio/sms")
    assert response.status_code == 403


def test_query_string_is_part_of_the_signed_url(app, signed_post):
    path = "/twilio/status?leg=a"
    assert signed_post(path, {"CallSid": "CA1", "CallStatus": "completed"}).status_code == 200
    bare = app.config["PUBLIC_URL"] + "/twilio/status"
    assert signed_post(path, {"CallSid": "CA1"}, signed_for=bare).status_code == 403


def twilio_paths():
    """Every route under /twilio/ the app has (a new one is covered without editing this)."""
    app = create_app({"TESTING": True, "REDIS_URL": "redis://127.0.0.1:1/0"})
    paths = sorted({re.sub(r"<[^>]+>", "x", rule.rule) for rule in app.url_map.iter_rules()
                    if rule.rule.startswith("/twilio/")})
    assert len(paths) >= 11, paths  # voice, gather, sms, status, calls/*, urgent/*
    return paths


TWILIO_PATHS = twilio_paths()
# What any of these webhooks may carry: a call, a gather, a message, a status callback.
PARAMS = {"From": "+821012345678", "To": "+15005550006", "CallSid": "CA0001",
          "MessageSid": "SM0002", "Body": "1", "Digits": "1", "CallStatus": "completed",
          "DialCallStatus": "no-answer", "AccountSid": "AC0001"}


@pytest.mark.parametrize("path", TWILIO_PATHS)
def test_every_twilio_route_checks_the_signature(app, client, signed_post, path):
    query = path + "?request=R1&case=ABCD&step=1&lang=ko&leg=volunteer"
    assert client.post(query, data=PARAMS).status_code == 403, "unsigned"
    assert signed_post(query, PARAMS, token="wrong-token").status_code == 403, "wrong token"
    url = app.config["PUBLIC_URL"] + query
    signature = RequestValidator(app.config["TWILIO_AUTH_TOKEN"]).compute_signature(url, PARAMS)
    changed = client.post(query, data=dict(PARAMS, Digits="2"),
                          headers={"X-Twilio-Signature": signature})
    assert changed.status_code == 403, "a changed parameter"
    other = next(p for p in TWILIO_PATHS if p != path)
    replayed = signed_post(query, PARAMS, signed_for=app.config["PUBLIC_URL"] + other)
    assert replayed.status_code == 403, "a signature made for another path"
    good = signed_post(query, PARAMS)
    assert good.status_code == 200
    assert ET.fromstring(good.data).tag == "Response"


def test_the_twilio_routes_include_status_whisper_dial_and_flash():
    for path in ("/twilio/status", "/twilio/calls/status", "/twilio/urgent/whisper",
                 "/twilio/urgent/accept", "/twilio/urgent/dialed", "/twilio/calls/connect",
                 "/twilio/calls/flash", "/twilio/voice/gather"):
        assert path in TWILIO_PATHS


def test_behind_a_proxy_with_a_path_prefix_the_public_url_is_what_counts(app_config):
    app = create_app({**app_config, "PUBLIC_URL": "https://example.org/hotline/"})
    url = "https://example.org/hotline/twilio/sms"
    signature = RequestValidator(app.config["TWILIO_AUTH_TOKEN"]).compute_signature(url, SMS)
    # The proxy strips /hotline and forwards to an internal address, with forged headers.
    headers = {"X-Twilio-Signature": signature, "X-Forwarded-Host": "evil.example",
               "X-Forwarded-Proto": "http"}
    client = app.test_client()
    ok = client.post("/twilio/sms", data=SMS, headers=headers, base_url="http://10.0.0.7:8000")
    assert ok.status_code == 200
    forged_url = "http://evil.example/twilio/sms"
    forged = RequestValidator(app.config["TWILIO_AUTH_TOKEN"]).compute_signature(forged_url, SMS)
    refused = client.post("/twilio/sms", data=SMS, base_url="http://10.0.0.7:8000",
                          headers={**headers, "X-Twilio-Signature": forged})
    assert refused.status_code == 403


def test_refusal_is_logged_without_the_number(client, caplog):
    with caplog.at_level(logging.WARNING):
        client.post("/twilio/sms", data=SMS)
    assert "/twilio/sms" in caplog.text
    assert "1012345678" not in caplog.text


def test_status_callback_gets_an_empty_response(signed_post):
    response = signed_post("/twilio/status", {"CallSid": "CA1", "CallStatus": "completed"})
    assert response.status_code == 200
    root = ET.fromstring(response.data)
    assert root.tag == "Response" and len(root) == 0
