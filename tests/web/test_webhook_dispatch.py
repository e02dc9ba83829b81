"""Twilio's webhooks are answered in front of Flask (web/webhook_dispatch.py) exactly as
the Flask views behind it answer them: the same TwiML, status and headers, 403 without a
valid signature, 200 and the fallback when Redis is down, one answer per delivery; and a
menu step costs one read and one write round trip to Redis."""

from __future__ import annotations

import re
import socket
import xml.etree.ElementTree as ET
from urllib.parse import urlencode

import pytest
from twilio.request_validator import RequestValidator

from hotline import create_app
from hotline.web.webhook_dispatch import EXTENSION

CALLER = "+821055507777"
HOTLINE = "+15005550006"
DOWN = "redis://127.0.0.1:1/0"  # nothing listens there
PATHS = ("dispatch", "flask")


def use(app, path: str) -> None:
    """Answer webhooks through the dispatch in front of Flask, or through Flask alone."""
    app.extensions[EXTENSION].enabled = path == "dispatch"


def post(app, path, params, *, token=None, headers=None, **kwargs):
    url = app.config["PUBLIC_URL"] + path
    signature = RequestValidator(token or app.config["TWILIO_AUTH_TOKEN"]).compute_signature(
        url, params)
    return app.test_client().post(path, data=params,
                                  headers={"X-Twilio-Signature": signature, **(headers or {})},
                                  **kwargs)


def sms(n: int, body: str, sender: str = CALLER) -> tuple[str, dict[str, str]]:
    return "/twilio/sms", {"From": sender, "To": HOTLINE, "Body": body,
                           "MessageSid": f"SM{n:032d}", "NumMedia": "0"}


def call(params: dict[str, str] | None = None) -> dict[str, str]:
    return {"From": CALLER, "To": HOTLINE, "CallSid": "CA" + "7" * 32,
            "CallStatus": "in-progress", "Direction": "inbound", **(params or {})}


def twiml(reply) -> ET.Element:
    assert reply.status_code == 200, reply.status_code
    assert reply.headers["Content-Type"] == "text/xml; charset=utf-8"
    root = ET.fromstring(reply.data)
    assert root.tag == "Response"
    return root


def conversation(app) -> list[tuple[int, dict[str, str], str]]:
    """An SMS conversation, a call with its Gathers and the call's status callback:
    (status, headers, body with the Gather's fresh token made constant) per step."""
    steps = [sms(1, "안녕하세요"), sms(2, "1"), sms(3, "1"), sms(4, "0"), sms(5, "2"),
             sms(6, "강남구"), sms(7, "0"), sms(7, "0")]  # the last: Twilio's retry
    out = []
    for path, params in steps:
        out.append(post(app, path, params))
    gather = "/twilio/voice/gather"
    reply = post(app, "/twilio/voice", call())
    out.append(reply)
    for digits in ("1", "0", "2"):
        action = ET.fromstring(reply.data).find("Gather").get("action")
        path = gather + action.split(gather, 1)[1]
        reply = post(app, path, call({"Digits": digits}))
        out.append(reply)
    out.append(post(app, "/twilio/status", call({"CallStatus": "completed",
                                                 "CallDuration": "40"})))
    for reply in out:
        twiml(reply)
    return [(r.status_code, dict(r.headers), re.sub(r"\?t=[\w-]+", "?t=T", r.get_data(True)))
            for r in out]


def test_both_paths_answer_a_whole_conversation_alike(app, redis_conn):
    through = {}
    for path in PATHS:
        redis_conn.flushdb()
        use(app, path)
        through[path] = conversation(app)
    assert through["dispatch"] == through["flask"]
    bodies = [body for _, _, body in through["dispatch"]]
    assert "무엇을 도와드릴까요?" in bodies[0] and "<Gather" in bodies[8]
    assert bodies[7] == bodies[6]  # a retried delivery gets the first answer again


def test_the_dispatch_answers_the_webhooks_itself(app, monkeypatch):
    dispatch = app.extensions[EXTENSION]

    def flask(environ, start_response):
        raise AssertionError(f"{environ['PATH_INFO']} went through Flask")

    monkeypatch.setattr(dispatch, "inner", flask)
    for path, params in (sms(1, "안녕하세요"), ("/twilio/voice", call()),
                         ("/twilio/voice/gather", call({"Digits": "1"})),
                         ("/twilio/status", call({"CallStatus": "completed"}))):
        twiml(post(app, path, params))


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("webhook", ["/twilio/sms", "/twilio/voice", "/twilio/voice/gather",
                                     "/twilio/status"])
def test_a_bad_or_missing_signature_gets_403_and_touches_nothing(app, redis_conn, path,
                                                                  webhook):
    use(app, path)
    params = dict(sms(1, "살려주세요")[1], CallSid="CA" + "1" * 32)
    forged = post(app, webhook, params, token="not-the-auth-token")
    unsigned = app.test_client().post(webhook, data=params)
    other_url = app.test_client().post(webhook, data=params, headers={
        "X-Twilio-Signature": RequestValidator(app.config["TWILIO_AUTH_TOKEN"])
        .compute_signature("https://elsewhere.example" + webhook, params)})
    for reply in (forged, unsigned, other_url):
        assert reply.status_code == 403
        assert b"<Response" not in reply.data
        assert reply.headers["X-Frame-Options"] == "DENY"
    assert [k for k in redis_conn.scan_iter() if b"scripts" not in k] == []


@pytest.mark.parametrize("path", PATHS)
def test_redis_down_a_signed_webhook_gets_200_and_the_fallback(app_config, path):
    app = create_app(dict(app_config, REDIS_URL=DOWN))
    use(app, path)
    said = " ".join(el.text or "" for el in twiml(post(app, *sms(1, "안녕하세요"))).iter())
    assert "119" in said
    for webhook, params in (("/twilio/voice", call()),
                            ("/twilio/voice/gather", call({"Digits": "1"}))):
        root = twiml(post(app, webhook, params))
        assert "119" in " ".join(s.text or "" for s in root.iter("Say"))
        assert root.find("Hangup") is not None
    status = twiml(post(app, "/twilio/status", call({"CallStatus": "completed"})))
    assert list(status) == []  # nobody listens to a status callback: empty
    forged = post(app, *sms(2, "안녕하세요"), token="not-the-auth-token")
    assert forged.status_code == 403  # even while Redis is down


@pytest.mark.parametrize("path", PATHS)
def test_a_status_callback_that_changes_nothing_leaves_nothing_in_redis(app, redis_conn, path):
    """With missed calls off (the default), a call's or a message's status callback files
    nothing: it is answered empty without a replay key, a kept answer or a trace of the
    caller in Redis (the replay guard is for deliveries that do something)."""
    use(app, path)
    before = set(redis_conn.scan_iter())
    for params in (call({"CallStatus": "completed", "CallDuration": "2"}),
                   call({"CallStatus": "completed", "CallDuration": "40"}),
                   {"MessageSid": "SM" + "3" * 32, "MessageStatus": "delivered",
                    "From": HOTLINE, "To": CALLER}):
        assert list(twiml(post(app, "/twilio/status", params))) == []
        assert list(twiml(post(app, "/twilio/status", params))) == []  # Twilio's retry
    assert set(redis_conn.scan_iter()) == before


@pytest.mark.parametrize("path", PATHS)
def test_the_same_headers_through_both_paths(app, path):
    use(app, path)
    reply = post(app, *sms(1, "안녕하세요"))
    assert reply.headers["Cache-Control"] == "no-store"
    assert reply.headers["Strict-Transport-Security"].startswith("max-age=")  # https URL
    assert "default-src 'self'" in reply.headers["Content-Security-Policy"]
    assert reply.headers["X-Content-Type-Options"] == "nosniff"
    assert reply.headers["Referrer-Policy"] == "no-referrer"
    assert "Set-Cookie" not in reply.headers
    assert int(reply.headers["Content-Length"]) == len(reply.data)


def test_a_form_the_dispatch_leaves_to_flask_is_still_answered(app):
    """A multipart body (or one not UTF-8, or chunked) goes to the Flask view, same checks."""
    path, params = sms(1, "안녕하세요")
    reply = post(app, path, params, content_type="multipart/form-data")
    assert "무엇을 도와드릴까요?" in reply.get_data(True)
    forged = post(app, path, params, token="nope", content_type="multipart/form-data")
    assert forged.status_code == 403


def test_a_ring_on_the_flash_number_is_rejected_busy_through_the_dispatch(app_config):
    app = create_app(dict(app_config, FLASH_NUMBER="+15005550009"))
    root = twiml(post(app, "/twilio/voice", call({"To": "+15005550009"})))
    assert root.find("Reject").get("reason") == "busy"


class RoundTrips:
    """Counts what is sent to Redis, one count per round trip (a pipeline is one send):
    every command goes out with one socket send, through redis-py or a kept connection."""

    def __init__(self, monkeypatch):
        self.count = 0
        send = socket.socket.sendall

        def counted(sock, data, *args):
            self.count += 1
            return send(sock, data, *args)

        monkeypatch.setattr(socket.socket, "sendall", counted)

    def of(self, app, path, params) -> int:
        self.count = 0
        twiml(post(app, path, params))
        return self.count


def test_a_menu_step_is_one_read_and_one_write(app, monkeypatch):
    post(app, *sms(1, "안녕하세요"))  # the first request also checks the script version
    trips = RoundTrips(monkeypatch)
    assert trips.of(app, *sms(2, "1")) == 2  # the claim with its reads; the answer kept
    assert trips.of(app, *sms(3, "0")) == 2
    assert trips.of(app, "/twilio/voice", call()) == 2  # counted against the limit in the read
    assert trips.of(app, "/twilio/voice/gather", call({"Digits": "1"})) == 2
    # the call's end: with missed calls off (the default) nothing to claim or keep
    assert trips.of(app, "/twilio/status", call({"CallStatus": "completed",
                                                 "CallDuration": "3"})) == 0


@pytest.mark.parametrize("path", PATHS)
def test_with_missed_calls_on_a_key_press_is_still_one_read_and_one_write(
        app_config, redis_conn, monkeypatch, path):
    """The mark that the caller pressed a key (MISSED_CALL_ON_MAIN: a short call with a key
    pressed is no missed call) goes out with the step's write, not in a round trip of its
    own; the call's short end then files no call back request."""
    from hotline.callbacks import queue as callbacks

    app = create_app(dict(app_config, MISSED_CALL_ON_MAIN=True, MISSED_CALL_SECONDS=5))
    use(app, path)
    runtime = app.extensions[EXTENSION].runtime
    post(app, "/twilio/voice", call())
    trips = RoundTrips(monkeypatch)
    assert trips.of(app, "/twilio/voice/gather", call({"Digits": "1"})) == 2
    twiml(post(app, "/twilio/status", call({"CallStatus": "completed", "CallDuration": "4"})))
    assert callbacks.all_requests(runtime.redis, runtime.config) == []
    # without a key pressed, the same short call is a missed call (the mark is what counts)
    other = {"CallSid": "CA" + "8" * 32}
    post(app, "/twilio/voice", call(other))
    twiml(post(app, "/twilio/status", call({**other, "CallStatus": "completed",
                                            "CallDuration": "4"})))
    assert [r.topic for r in callbacks.all_requests(runtime.redis, runtime.config)] == [
        "missed_call"]


def test_a_directory_search_step_is_one_read_and_one_write(app, redis_conn, monkeypatch):
    """The directory's version comes with the step's first read: a search in the
    in-process index costs no round trip of its own, and a staff change is seen at once."""
    import pathlib

    from hotline import keys as hotline_keys
    from hotline.directory.importer import import_file

    sample = pathlib.Path(__file__).parents[2] / "ivr_scripts" / "directory.sample.csv"
    prefix = hotline_keys.prefix(app.extensions[EXTENSION].runtime.config)
    import_file(redis_conn, prefix, str(sample))
    for n, body in enumerate(["안녕하세요", "2", "강남구", "0", "2"], start=1):
        post(app, *sms(n, body))  # the first search builds the in-process index
    trips = RoundTrips(monkeypatch)
    found = trips.of(app, *sms(6, "강남구"))
    assert found == 2
    reply = post(app, *sms(7, "0"))
    post(app, *sms(8, "2"))
    before = post(app, *sms(9, "강남구")).get_data(as_text=True)
    assert "서울 무료 진료소" in before
    # Staff take the clinic out: the next search no longer shows it, with no restart.
    emptied = "\n".join(line for line in sample.read_text(encoding="utf-8").splitlines()
                         if not line.startswith("서울 무료 진료소,")) + "\n"
    csv = pathlib.Path(app.instance_path) / "one.csv"
    csv.parent.mkdir(parents=True, exist_ok=True)
    csv.write_text(emptied, encoding="utf-8")
    import_file(redis_conn, prefix, str(csv), replace=True)
    post(app, *sms(10, "0"))
    post(app, *sms(11, "2"))
    after = post(app, *sms(12, "강남구")).get_data(as_text=True)
    assert "서울 무료 진료소" not in after and reply.status_code == 200


def test_the_one_hmac_signature_is_the_twilio_librarys():
    from werkzeug.datastructures import MultiDict

    from hotline.web.webhook_dispatch import _parse
    from hotline.web.webhook_guard import expected_signature

    def parsed(pairs):  # the dispatch's own Form, as a posted body gives it
        return _parse(urlencode(pairs).encode())

    token, url = "a-token", "https://hotline.example.org/twilio/sms?t=x"
    for pairs in ([], [("Body", "안녕 & <b>"), ("From", "+8210")],
                  [("A", "2"), ("A", "1"), ("A", "2"), ("B", ""), ("a", "x")]):
        expected = RequestValidator(token).compute_signature(url, MultiDict(pairs))
        # the dispatch's own Form signs as the MultiDict does, by our HMAC and the library's
        assert expected_signature(token, url, MultiDict(pairs)) == expected
        assert expected_signature(token, url, parsed(pairs)) == expected
        assert RequestValidator(token).compute_signature(url, parsed(pairs)) == expected


def test_the_dispatchs_form_reads_as_a_multidict():
    """What the webhook path reads of a form: the first value, every value, the names."""
    from werkzeug.datastructures import MultiDict

    from hotline.web.webhook_dispatch import _parse

    pairs = [("A", "2"), ("B", ""), ("A", "1"), ("From", "+8210")]
    form, multi = _parse(urlencode(pairs).encode()), MultiDict(pairs)
    for name in ("A", "B", "From", "Missing"):
        assert form.get(name) == multi.get(name)
        assert form.get(name, "-") == multi.get(name, "-")
        assert form.getlist(name) == multi.getlist(name)
        assert (name in form) == (name in multi)
    assert list(form) == list(multi) and len(form) == len(multi)
    assert list(form.lists()) == list(multi.lists())
    form.getlist("A").append("changed")  # a copy, as MultiDict's
    assert form.getlist("A") == ["2", "1"]


def test_the_dispatch_reads_a_form_exactly_as_flask_does():
    """The dispatch parses url-encoded bodies itself (parse_qsl, werkzeug's way); every
    odd body reads the same as through Flask's request.form: escapes, '+', blanks,
    repeated names, broken escapes, bytes that are not UTF-8 once decoded."""
    import random

    from flask import Flask, request

    from hotline.web.webhook_dispatch import _parse

    flask_app = Flask(__name__)
    pieces = ["a", "b", "=", "&", "+", "%2B", "%ZZ", "%e2%82%ac", "%", "%f", "%ff", "%c3",
              "%EC%95%88", "x y", "%00", "&&", "==", ";", "From", "Body"]
    rng = random.Random(16)
    for _ in range(3000):
        body = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 14))).encode()
        with flask_app.test_request_context(
                "/", method="POST", data=body,
                content_type="application/x-www-form-urlencoded"):
            expected = list(request.form.lists())
        parsed = _parse(body)
        assert parsed is not None and list(parsed.lists()) == expected, body
