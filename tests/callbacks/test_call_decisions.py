"""The decisions behind the bridged-call and urgent-call webhooks, as data: plain values in,
a plain decision out (no Flask, no Twilio, no Redis), then the steps rendered as TwiML.
The callback queue tells what became of a linked request through callbacks/follow.py."""

import ast
import pathlib
import xml.etree.ElementTree as ET
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from hotline.callbacks import bridge, follow
from hotline.callbacks import queue as callbacks
from hotline.callbacks.bridge import DialEnd, Pressed
from hotline.callbacks.queue import Priority, Request, Status
from hotline.channels.calls import AskKey, HangUp, Reject, Speak, twiml
from hotline.config import load_config
from hotline.engine.actions import Dial, DialNumber
from hotline.engine.loader import load_script
from hotline.privacy.vault import new_key
from hotline.scripts import volunteer_texts
from hotline.urgent import calls as urgent_calls
from hotline.urgent import cases as urgent
from hotline.urgent.calls import Accept, DialOver

NOW = 1_800_000_000.0  # 2027-01-15 08:00 UTC, 17:00 in Seoul
ROOT = pathlib.Path(__file__).resolve().parents[2]
# What the calls say: the phrases, languages and voices of the entry script (no Redis).
WORDS = volunteer_texts.of_script(load_script(str(ROOT / "ivr_scripts" / "main.yaml")))


def request(status=Status.CALLING, connected=False, attempts=0, priority=Priority.NORMAL,
            tz="Asia/Seoul"):
    return Request(id="1001", caller="h", masked="+82 10-****-**78", language="ko",
                   topic="counselling", priority=priority, status=status, created=NOW - 3600,
                   score=0.0, attempts=attempts, connected=connected, tz=tz)


# --- the bridged call back ------------------------------------------------------------


@pytest.mark.parametrize(("req", "digits", "kept", "decided"), [
    (request(), "1", True, Pressed.DIAL),
    (request(connected=True), "1", True, Pressed.DIAL),  # 1 pressed again: dialled again
    (request(), "1", False, Pressed.EXPIRED),  # nothing left to dial: closed as expired
    (request(), "2", True, Pressed.BACK),
    (request(), "", True, Pressed.BACK),  # the Gather timed out
    (request(connected=True), "", True, Pressed.GONE),  # already connected: stays taken
    (request(status=Status.WAITING), "1", True, Pressed.GONE),  # lease ran out meanwhile
    (request(status=Status.DONE), "1", True, Pressed.GONE),
    (None, "1", True, Pressed.GONE),
])
def test_a_key_at_the_whisper_dials_returns_or_does_nothing(req, digits, kept, decided):
    assert bridge.pressed(req, digits, number_kept=kept) is decided


@pytest.mark.parametrize(("req", "status", "decided"), [
    (request(connected=True), "completed", DialEnd.ANSWERED),
    (request(connected=True), "busy", DialEnd.MISSED),
    (request(connected=True), "no-answer", DialEnd.MISSED),
    (request(connected=True), "failed", DialEnd.MISSED),
    (request(connected=True), "", DialEnd.MISSED),
    (request(status=Status.LATER), "completed", DialEnd.STALE),  # a repeated report
    (request(status=Status.DONE), "no-answer", DialEnd.STALE),
    (None, "completed", DialEnd.STALE),
])
def test_the_callers_leg_ending_is_answered_missed_or_stale(req, status, decided):
    assert bridge.dial_ended(req, status) is decided


@pytest.mark.parametrize(("req", "leg", "status", "back"), [
    (request(), "volunteer", "no-answer", True),
    (request(), "volunteer", "completed", True),  # hung up at the whisper
    (request(), "volunteer", "canceled", True),
    (request(), "volunteer", "ringing", False),  # not over yet
    (request(), "caller", "completed", False),
    (request(), "", "completed", False),
    (request(connected=True), "volunteer", "completed", False),  # the bridge was made
    (request(status=Status.WAITING), "volunteer", "completed", False),
    (None, "volunteer", "completed", False),
])
def test_the_volunteers_leg_ending_early_returns_the_request(req, leg, status, back):
    assert bridge.back_in_queue(req, leg, status) is back


def test_an_urgent_caller_is_tried_again_within_minutes_at_any_hour():
    night = datetime(2027, 1, 15, 3, 0, tzinfo=ZoneInfo("Asia/Seoul")).timestamp()
    urgent_req = request(priority=Priority.URGENT)
    assert bridge.retry_at(urgent_req, night) == night + bridge.URGENT_RETRY_AFTER[0]
    assert bridge.retry_at(request(priority=Priority.URGENT, attempts=1), night) == \
        night + bridge.URGENT_RETRY_AFTER[1]


def test_an_ordinary_caller_is_tried_again_in_their_daytime_and_not_after_the_last_try():
    night = datetime(2027, 1, 15, 23, 0, tzinfo=ZoneInfo("Asia/Seoul")).timestamp()
    again = datetime.fromtimestamp(bridge.retry_at(request(), night), ZoneInfo("Asia/Seoul"))
    assert (again.day, again.hour, again.minute) == (16, 9, 0)
    last = request(attempts=bridge.MAX_ATTEMPTS - 1)
    assert bridge.retry_at(last, night) is None
    assert bridge.retry_at(request(attempts=bridge.MAX_ATTEMPTS - 1,
                                   priority=Priority.URGENT), night) is None


def test_a_bridged_call_url_speaks_a_language_we_have_words_for():
    assert WORDS.languages == ("ko", "en", "zh", "ru") and WORDS.default == "ko"
    assert [bridge.language(x, WORDS) for x in ("en", "ko", "ru", "zh", "ja", "", None,
                                                "<x>")] == \
        ["en", "ko", "ru", "zh", "ko", "ko", "ko", "ko"]


# --- the urgent paging call -----------------------------------------------------------


@pytest.mark.parametrize(("digits", "known", "claimed", "decided"), [
    ("1", True, "", Accept.CLAIM),
    ("1", True, "won", Accept.CONNECT),
    ("1", True, "claimed", Accept.CONNECT),  # the same volunteer again (a retry)
    ("1", True, "taken", Accept.TAKEN),
    ("1", True, "closed", Accept.TAKEN),
    ("1", True, "not_paged", Accept.TAKEN),
    ("1", True, "unknown", Accept.TAKEN),
    ("2", True, "", Accept.PASS),  # 2 passes the case on to the next level
    ("3", True, "", Accept.HANG_UP),
    ("2", False, "", Accept.HANG_UP),
    ("", True, "", Accept.HANG_UP),  # voicemail never presses a key
    ("1", False, "", Accept.HANG_UP),  # not a volunteer's phone
])
def test_a_paged_volunteers_key_claims_connects_or_hangs_up(digits, known, claimed, decided):
    assert urgent_calls.accept_choice(digits, known, claimed) is decided


@pytest.mark.parametrize(("state", "decided"), [
    (urgent.State.CLAIMED, DialOver.CLOSE),
    (urgent.State.PAGING, DialOver.NEXT),
    (urgent.State.CALLBACK, DialOver.NEXT),
    (urgent.State.CLOSED, DialOver.NEXT),  # dial_twiml finds nobody to dial for it
    (None, DialOver.NEXT),
])
def test_the_end_of_a_levels_dial_closes_the_case_or_goes_on(state, decided):
    assert urgent_calls.dial_over(state) is decided


def test_an_urgent_call_url_gives_a_clean_code_and_a_whisper_language():
    assert urgent_calls.case_code(" k7q ") == "K7Q"
    assert urgent_calls.case_code("K7Q<Say>x</Say>") == "K7QSAYXS"
    assert [urgent_calls.language(x, WORDS) for x in ("en", "zh", "ja", None)] == \
        ["en", "zh", "ko", "ko"]


def test_the_whisper_asks_for_one_key_and_drops_the_leg_without_it():
    config = load_config({"PUBLIC_URL": "https://hotline.example/"}, environ={})
    ask, hang_up = urgent_calls.whisper_steps(WORDS, config, "K7Q", "en")
    assert isinstance(ask, AskKey) and isinstance(hang_up, HangUp)
    assert ask.action == "https://hotline.example/twilio/urgent/accept?case=K7Q&lang=en"
    assert ask.said[0].text == "Urgent case K 7 Q. Press 1 to take it, 2 to pass it on."
    assert {s.voice for s in ask.said} == {"Polly.Joanna"}


# --- the steps as TwiML ----------------------------------------------------------------


def test_call_steps_render_as_twiml_in_order():
    ko = ("Polly.Seoyeon", "ko-KR")
    root = ET.fromstring(twiml((
        AskKey((Speak("하나", *ko), Speak("둘", *ko)), "https://h/act", 8),
        Speak("연결\x07합니다.", *ko),
        Dial((DialNumber("+821012345678"),), "+15005550006", 30, "/dialed"),
        HangUp()), "https://h"))
    assert [c.tag for c in root] == ["Gather", "Say", "Dial", "Hangup"]
    gather, say, dial, _ = root
    assert gather.attrib == {"input": "dtmf", "numDigits": "1", "timeout": "8",
                             "method": "POST", "action": "https://h/act"}
    assert [s.text for s in gather] == ["하나", "둘"]
    assert (say.text, say.get("voice"), say.get("language")) == ("연결합니다.", *ko)
    assert (dial.get("callerId"), dial.get("timeout"), dial.get("action")) == \
        ("+15005550006", "30", "https://h/dialed")
    assert dial.find("Number").text == "+821012345678"
    assert ET.fromstring(twiml((Reject(),))).find("Reject").get("reason") == "busy"
    assert list(ET.fromstring(twiml(()))) == []


# --- the tie between the queue and urgent cases ---------------------------------------


def test_the_callback_package_never_imports_the_urgent_one():
    for path in (ROOT / "hotline" / "callbacks").glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            names = ([a.name for a in node.names] if isinstance(node, ast.Import)
                     else [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            assert not [n for n in names if n.startswith("hotline.urgent")], path.name


@pytest.fixture()
def config():
    return load_config({"KEY_PREFIX": "t:", "SECRET_KEY": "secret", "ENCRYPTION_KEY": new_key()}, environ={})


def test_closing_a_linked_request_tells_the_followers_plain_values(redis_conn, config,
                                                                   monkeypatch):
    heard = []
    monkeypatch.setattr(follow, "_followers", [lambda conn, cfg, event: heard.append(event)])
    linked = callbacks.create(redis_conn, config, "+821012345678", language="ko",
                              topic="urgent", now=NOW).request
    plain = callbacks.create(redis_conn, config, "+821012345679", language="ko",
                             topic="counselling", now=NOW).request
    callbacks.link_case(redis_conn, config, linked.id, "K7Q")
    callbacks.close(redis_conn, config, plain.id, Status.DONE, NOW + 5)
    callbacks.close(redis_conn, config, linked.id, Status.WRONG_NUMBER, NOW + 9)
    assert heard == [follow.Closed(linked.id, "K7Q", "wrong_number", NOW + 9)]


def test_the_urgent_domain_follows_its_call_backs_once_imported(redis_conn, config):
    import hotline.urgent  # noqa: F401  (imported above too: following is idempotent)
    from hotline.urgent.followup import follow_callback

    assert follow._followers.count(follow_callback) == 1
    case, _ = urgent.open_case(redis_conn, config, "+821012345678", sid="SM1", language="ko",
                               channel="sms", first_words="", reason="words", now=NOW)
    follow.tell(redis_conn, config, follow.CallEnded("1001", case.code, "busy", NOW + 1))
    follow.tell(redis_conn, config, follow.Closed("1001", case.code, "done", NOW + 2))
    assert urgent.get(redis_conn, config, case.code).state == urgent.State.CLOSED
    assert urgent.number_of(redis_conn, config, case.code) is None
    steps = urgent.timeline(redis_conn, config, case.code)[-2:]
    assert [(s["step"], s.get("status"), s.get("outcome"), s.get("request")) for s in steps] \
        == [("call_outcome", "busy", None, "1001"), ("closed", None, "callback 1001 done", None)]
