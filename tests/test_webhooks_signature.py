"""Every /twilio/* request needs a valid Twilio signature made for PUBLIC_URL + path."""

import logging
import xml.etree.ElementTree as ET

from twilio.request_validator import RequestValidator

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


def test_every_twilio_route_checks_the_signature(client):
    for path in ("/twilio/voice", "/twilio/voice/gather", "/twilio/sms", "/twilio/status"):
        assert client.post(path, data=SMS).status_code == 403, path


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
