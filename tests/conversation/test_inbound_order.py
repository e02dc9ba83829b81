"""The inbound order: what matters most comes before the rate limit.

    signature -> replay guard -> volunteer commands, caller words and urgent detection
    -> rate limit -> an open urgent case -> the menu

First as a table over plain facts (conversation/order.py), then as a caller notices it:
after a flood of texts, an urgent word, the urgent key, STOP, START and DELETE still do
exactly what they do without the flood, and the flood gets one notice per minute that
names the local emergency number.
"""

from __future__ import annotations

import itertools
import os
import xml.etree.ElementTree as ET

import pytest

from hotline import jobs
from hotline.conversation.order import Facts, Route, decide, needs_urgent_check
from hotline.engine.inputs import Begin, Digits, Text
from hotline.engine.loader import load_script
from hotline.engine.runner import leads_to_urgent
from hotline.engine.session import WAIT_MENU, Session
from hotline.privacy import optout
from hotline.privacy.vault import new_key
from hotline.urgent import cases as urgent

NOW = 1_800_000_000.0
LIMIT = 20
_sids = itertools.count(1)

# --- The order as a table ------------------------------------------------------------

OVER = {"count": LIMIT + 1, "limit": LIMIT}  # the first text over the limit
FAR_OVER = {"count": 50, "limit": LIMIT, "noticed": True}  # over it, and told already


@pytest.mark.parametrize(("facts", "route"), [
    # signature first: nothing else is looked at
    (Facts("sms", signed=False, repeated=True, urgent=True), Route.FORBIDDEN),
    (Facts("voice", signed=False), Route.FORBIDDEN),
    # then the replay guard: a retried delivery does nothing again, urgent or not
    (Facts("sms", repeated=True, urgent=True, caller_word="stop"), Route.REPEAT),
    # volunteers: their commands, never limited
    (Facts("sms", volunteer=True), Route.VOLUNTEER),
    (Facts("sms", volunteer=True, **FAR_OVER), Route.VOLUNTEER),
    # caller words: never limited
    (Facts("sms", caller_word="stop", **FAR_OVER), Route.CALLER_WORD),
    (Facts("sms", caller_word="start", **FAR_OVER), Route.CALLER_WORD),
    (Facts("sms", caller_word="help", **OVER), Route.CALLER_WORD),
    (Facts("sms", caller_word="delete", **FAR_OVER), Route.CALLER_WORD),
    (Facts("sms", caller_word="delete"), Route.CALLER_WORD),
    # urgent (words, the urgent key, a triage "yes"): never limited
    (Facts("sms", urgent=True, **FAR_OVER), Route.URGENT),
    (Facts("sms", urgent=True, **OVER), Route.URGENT),
    (Facts("voice", urgent=True, **FAR_OVER), Route.URGENT),
    (Facts("sms", urgent=True), Route.URGENT),
    # an urgent text on an open case goes to the volunteer on it, flood or not
    (Facts("sms", urgent=True, case=True, **FAR_OVER), Route.RELAY),
    # the rate limit: one notice a window, then silence; a call always hears the notice
    (Facts("sms", **OVER), Route.NOTICE),
    (Facts("sms", **FAR_OVER), Route.SILENT),
    (Facts("sms", case=True, **FAR_OVER), Route.SILENT),
    (Facts("voice", **OVER), Route.NOTICE),
    (Facts("voice", **FAR_OVER), Route.NOTICE),
    (Facts("voice", volunteer=True, **FAR_OVER), Route.MENU),  # a volunteer's call
    # within the limit (or no limit): an open case, else the menu
    (Facts("sms", count=LIMIT, limit=LIMIT), Route.MENU),
    (Facts("sms", count=500, limit=0), Route.MENU),
    (Facts("sms", count=3, limit=LIMIT, case=True), Route.RELAY),
    (Facts("voice", count=1, limit=6), Route.MENU),
    (Facts("voice", case=True), Route.MENU),  # a call's case: the menu's urgent path
])
def test_the_order_of_an_inbound_text_or_call(facts, route):
    assert decide(facts) is route


@pytest.mark.parametrize(("facts", "needed"), [
    (Facts("sms", count=3, limit=LIMIT), False),  # the normal path: no second look
    (Facts("sms", count=3, limit=LIMIT, case=True), False),
    (Facts("sms", **OVER), True),
    (Facts("sms", volunteer=True, **OVER), False),
    (Facts("sms", repeated=True, **OVER), False),
])
def test_urgent_words_are_looked_for_ahead_only_where_they_change_the_route(facts, needed):
    assert needs_urgent_check(facts) is needed


SCRIPT = load_script(os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(__file__))), "ivr_scripts",
                                  "main.yaml"))


def _at(node: str, **kw) -> Session:
    return Session(script=SCRIPT.name, node=node, language="ko", channel="sms",
                   wait=WAIT_MENU, updated=NOW - 5, **kw)


@pytest.mark.parametrize(("session", "event", "urgent_"), [
    (None, Begin("sms", text="살려줘"), True),  # an urgent word in each language
    (_at("main_menu"), Text("살려 주세요"), True),
    (_at("find_clinic"), Text("help me please"), True),
    (_at("main_menu"), Text("救命"), True),
    (_at("main_menu"), Text("помогите"), True),
    (_at("main_menu"), Text("0"), True),  # the urgent key at the main menu
    (None, Begin("sms", text="0"), True),  # ... as a first text
    (_at("main_menu"), Digits("0"), True),
    (_at("main_menu"), Text("급해요"), True),  # the urgent option's keyword
    (_at("ask_breathing"), Text("1"), True),  # "yes" to the triage question
    (_at("ask_breathing"), Text("네"), True),
    (_at("ask_breathing"), Text("2"), False),
    (_at("programmes"), Text("0"), False),  # 0 goes back to the main menu here
    (_at("main_menu"), Text("2"), False),
    (_at("main_menu"), Text("안녕하세요"), False),
    (None, Begin("voice"), False),  # a call has no words yet
])
def test_what_leads_to_the_urgent_path(session, event, urgent_):
    assert leads_to_urgent(SCRIPT, session, event, now=NOW) is urgent_


# --- As a caller notices it: a flood, then what matters --------------------------------

@pytest.fixture()
def app_config(app_config, tmp_path):
    return {**app_config, "RATE_LIMIT_PER_MINUTE": LIMIT, "ENCRYPTION_KEY": new_key(),
            "DATA_DIR": str(tmp_path)}


def _text(signed_post, sender: str, body: str) -> list[str]:
    response = signed_post("/twilio/sms", {"From": sender, "To": "+15005550006", "Body": body,
                                           "MessageSid": f"SM{next(_sids):032d}"})
    assert response.status_code == 200
    return [m.text or "" for m in ET.fromstring(response.data).iter("Message")]


def _state(app, redis_conn, sender: str) -> dict[str, bool]:
    """What a caller, a volunteer or staff would notice about a number."""
    runtime, config = app.extensions["hotline"], app.extensions["hotline"].config
    case = urgent.open_case_of(redis_conn, config, sender)
    paged = case is not None and f"urgent-{case.code}-0" in jobs.queue(
        redis_conn, jobs.URGENT).job_ids
    return {"urgent case": case is not None, "page queued": paged,
            "session kept": redis_conn.exists(
                runtime.sessions.key(runtime.caller_hash(sender))) == 1,
            "opted out": optout.is_opted_out(redis_conn, config, sender)}


PRELUDE = {"START": ["STOP"]}  # START counts only from a number that sent STOP


@pytest.mark.parametrize(("body", "expected"), [
    ("살려줘", {"urgent case": True, "page queued": True, "session kept": True,
               "opted out": False}),
    ("0", {"urgent case": True, "page queued": True, "session kept": True,
           "opted out": False}),
    ("STOP", {"urgent case": False, "page queued": False, "session kept": True,
              "opted out": True}),
    ("DELETE", {"urgent case": False, "page queued": False, "session kept": False,
                "opted out": False}),
    ("START", {"urgent case": False, "page queued": False, "session kept": True,
               "opted out": False}),
])
def test_after_a_flood_of_50_texts_what_matters_still_does_exactly_what_it_does(
        app, signed_post, redis_conn, body, expected):
    outcomes, replies = [], []
    for sender, texts_before in (("+821055550001", 1), ("+821055550002", 50)):
        for earlier in PRELUDE.get(body, []):
            _text(signed_post, sender, earlier)
        for _ in range(texts_before):
            _text(signed_post, sender, "안녕하세요")
        replies.append(_text(signed_post, sender, body))
        outcomes.append(_state(app, redis_conn, sender))
    calm, flooded = outcomes
    assert calm == expected
    assert flooded == expected
    assert bool(replies[0]) == bool(replies[1])  # answered alike (a code may differ)


def test_the_urgent_reply_after_a_flood_is_the_urgent_answer(app, signed_post):
    sender = "+821055550003"
    for _ in range(50):
        _text(signed_post, sender, "안녕하세요")
    (reply,) = _text(signed_post, sender, "살려줘")
    assert "119" in reply and "너무 많이" not in reply


def _notices(replies: list[list[str]]) -> list[str]:
    return [m for reply in replies for m in reply if "너무 많이" in m]


def test_a_flooding_caller_gets_exactly_one_notice_a_minute_naming_the_emergency_number(
        signed_post, clock):
    sender = "+821055550004"
    first = [_text(signed_post, sender, "안녕하세요") for _ in range(50)]
    assert _notices(first) == [first[LIMIT][0]]
    assert "119" in first[LIMIT][0]
    assert all(reply == [] for reply in first[LIMIT + 1:])
    clock.advance(60)
    second = [_text(signed_post, sender, "안녕하세요") for _ in range(30)]
    assert len(_notices(second)) == 1


def test_an_urgent_text_at_the_limit_does_not_use_up_the_notice(signed_post):
    sender = "+821055550005"
    for _ in range(LIMIT):
        _text(signed_post, sender, "안녕하세요")
    urgent_reply = _text(signed_post, sender, "살려줘")  # the 21st: urgent, not limited
    assert not _notices([urgent_reply])
    after = [_text(signed_post, sender, "안녕하세요") for _ in range(5)]
    assert len(_notices(after)) == 1 and "119" in _notices(after)[0]


def test_a_caller_in_the_us_is_told_911(signed_post):
    sender = "+12025550147"
    replies = [_text(signed_post, sender, "hello") for _ in range(LIMIT + 3)]
    (notice,) = [m for reply in replies[LIMIT:] for m in reply]
    assert "911" in notice and "Too many texts" in notice
