"""Outbound transport: the outbox file, and the real twilio Client against a local stand-in."""

import json
from datetime import datetime

import pytest
from click.testing import CliRunner
from twilio.base.exceptions import TwilioRestException

from hotline.config import load_config
from hotline.telephony import OutboxTransport, TwilioTransport, read_outbox, transport_for
from tests.twilio_api_stub import TwilioApiStub

NOW = 1_800_000_000.0
SID = "AC" + "0" * 32


@pytest.fixture()
def stub():
    server = TwilioApiStub().start()
    yield server
    server.stop()


def test_the_outbox_gets_one_json_line_per_sms_or_call(tmp_path):
    outbox = OutboxTransport(str(tmp_path), "+15005550006", clock=lambda: NOW)
    outbox.send_sms("+821012345678", "다시 전화 드릴게요.")
    outbox.call("+821099998888", twiml="<Response><Say>안녕</Say></Response>",
                status_callback="https://h.example/twilio/calls/status")
    outbox.call("+821099998888", url="https://h.example/twiml")
    lines = (tmp_path / "outbox.jsonl").read_text(encoding="utf-8").splitlines()
    entries = [json.loads(line) for line in lines]
    assert [e["kind"] for e in entries] == ["sms", "call", "call"]
    assert entries[0]["to"] == "+821012345678" and entries[0]["body"] == "다시 전화 드릴게요."
    assert "안녕" in entries[1]["twiml"] and "url" not in entries[1]
    assert entries[2]["url"] == "https://h.example/twiml" and "twiml" not in entries[2]
    assert datetime.fromisoformat(entries[0]["at"]).timestamp() == NOW
    assert read_outbox(str(tmp_path)) == entries


def test_a_call_needs_exactly_one_of_twiml_or_url(tmp_path):
    outbox = OutboxTransport(str(tmp_path))
    with pytest.raises(ValueError):
        outbox.call("+821012345678")
    with pytest.raises(ValueError):
        outbox.call("+821012345678", twiml="<Response/>", url="https://x.example")
    assert read_outbox(str(tmp_path)) == []


def test_without_credentials_the_outbox_is_used(tmp_path):
    config = load_config({"DATA_DIR": str(tmp_path), "TWILIO_AUTH_TOKEN": "token-for-signatures-only"}, environ={})
    assert isinstance(transport_for(config), OutboxTransport)


def test_the_twilio_client_sends_sms_and_calls_through_the_api(stub):
    config = load_config({"TWILIO_ACCOUNT_SID": SID, "TWILIO_AUTH_TOKEN": "tok",
              "HOTLINE_NUMBER": "+15005550006"}, environ={})
    transport = transport_for(config, http_client=stub.http_client())
    assert isinstance(transport, TwilioTransport)
    sms_sid = transport.send_sms("+821012345678", "안녕하세요",
                                 status_callback="https://h.example/twilio/status")
    call_sid = transport.call("+821099998888", twiml="<Response><Say>hi</Say></Response>",
                              status_callback="https://h.example/twilio/calls/status?request=1")
    assert sms_sid.startswith("SM") and call_sid.startswith("CA")
    message, call = stub.requests
    assert message["what"] == "Messages"
    assert message["form"]["To"] == "+821012345678" and message["form"]["Body"] == "안녕하세요"
    assert message["form"]["From"] == "+15005550006"
    assert message["form"]["StatusCallback"] == "https://h.example/twilio/status"
    assert call["what"] == "Calls" and call["form"]["Twiml"].startswith("<Response>")
    assert call["form"]["From"] == "+15005550006"
    assert call["form"]["StatusCallback"].endswith("request=1")


def test_a_refusal_from_the_api_is_a_twilio_rest_exception(stub):
    client_config = load_config({"TWILIO_ACCOUNT_SID": SID, "TWILIO_AUTH_TOKEN": "tok",
                     "HOTLINE_NUMBER": "+15005550006"}, environ={})
    transport = transport_for(client_config, http_client=stub.http_client())
    with pytest.raises(TwilioRestException) as refused:
        transport.send_sms("+15005550009", "hello")
    assert refused.value.code == 21610 and refused.value.status == 400


def test_hotline_outbox_prints_the_entries(tmp_path, monkeypatch):
    from hotline.cli.outbox import outbox as command

    monkeypatch.setenv("HOTLINE_DATA_DIR", str(tmp_path))
    runner = CliRunner()
    assert "empty" in runner.invoke(command, []).output
    OutboxTransport(str(tmp_path), clock=lambda: NOW).send_sms("+821012345678", "문자")
    result = runner.invoke(command, ["--json"])
    assert result.exit_code == 0
    assert json.loads(result.output)[0]["body"] == "문자"
    assert "sms" in runner.invoke(command, []).output
