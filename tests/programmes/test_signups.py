"""Joining a session: seats, the next session or a waiting list when full, one's own
sign-ups, and what is kept (sealed, until the last session plus the margin)."""

from __future__ import annotations

import threading

from hotline.engine.actions import Say
from hotline.engine.inputs import Outcome
from hotline.engine.loader import load_scripts
from hotline.engine.model import Context
from hotline.engine.segments import count_segments
from hotline.engine.session import Session
from hotline.keys import DAY, PROGRAMME_MARGIN_DAYS
from hotline.programmes import signups, store
from tests.conftest import SCRIPTS_DIR
from tests.redis_scan import entries

A, B, C = "+821012340001", "+821012340002", "+821012340003"


def test_a_full_session_offers_the_next_with_a_seat_then_a_waiting_list(hotline):
    runtime, ask = hotline
    for number in (A, B):
        assert ask(number, "join", programme="counselling", session="jan-11")["status"] == "joined"
    full = ask(C, "join", programme="counselling", session="jan-11")
    assert full["status"] == "full"
    assert full["next"] | {"full": False} == {"id": "jan-18", "month": "1", "day": "18",
                                              "time": "14:00", "full": False}
    sessions = ask(C, "sessions", programme="counselling")["sessions"]
    assert [(s["id"], s["full"]) for s in sessions] == [("jan-11", True), ("jan-18", False)]
    waiting = ask(C, "join", programme="counselling", session="jan-11", wait=True)
    assert waiting["status"] == "waiting" and waiting["position"] == 1
    assert signups.taken(runtime.redis, runtime.config, "counselling", "jan-11") == 2


def test_a_caller_joins_a_programme_once_and_cancels_only_their_own(hotline):
    _, ask = hotline
    ask(A, "join", programme="counselling", session="jan-18")
    again = ask(A, "join", programme="counselling", session="jan-11")
    assert again["status"] == "already" and again["session"]["day"] == "18"
    (mine,) = ask(A, "mine")["signups"]
    assert mine["name"]["ko"] == "무료 상담" and mine["status"] == "seat"
    assert ask(B, "cancel", signup=mine["id"])["cancelled"] is False  # not B's to cancel
    assert ask(A, "cancel", signup=mine["id"])["cancelled"] is True
    assert ask(A, "mine")["signups"] == []


def test_seats_are_never_given_twice_when_callers_join_at_once(hotline):
    runtime, ask = hotline
    results = []
    threads = [threading.Thread(target=lambda n=n: results.append(
        ask(f"+8210123450{n:02d}", "join", programme="counselling", session="jan-11")))
        for n in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(r["status"] for r in results).count("joined") == 2
    assert signups.taken(runtime.redis, runtime.config, "counselling", "jan-11") == 2


def test_the_number_is_kept_sealed_and_only_until_the_last_session_plus_the_margin(hotline,
                                                                                  clock):
    runtime, ask = hotline
    joined = ask(A, "join", programme="counselling", session="jan-11")
    assert joined["until"] == {"month": 1, "day": 25}  # Jan 18 + 7 days
    stored = entries(runtime.redis)
    assert not [k for k, v in stored.items() if "1012340001" in k or "1012340001" in v]
    programme = store.get(runtime.redis, runtime.config, "counselling")
    left = programme.last_ts() + PROGRAMME_MARGIN_DAYS * DAY - clock()
    for key in runtime.redis.scan_iter(match="hotline:prog:*"):
        if key not in (b"hotline:prog:all", b"hotline:prog:counts:counselling"):  # counts only
            assert abs(runtime.redis.ttl(key) - left) < 5, key


def test_the_confirmation_fits_one_sms_in_every_language_with_the_longest_date():
    script = load_scripts(SCRIPTS_DIR)["main"]
    node = script.nodes["join_programme"]
    data = {"action": "join", "status": "joined",
            "session": {"id": "x", "month": 12, "day": 31, "time": "23:30"},
            "until": {"month": 12, "day": 31}}
    for language in script.languages:
        session = Session(script="main", node=node.id, language=language, channel="sms")
        step = node.answer(Context(script, session, 0.0), Outcome("programme", data))
        (say,) = [a for a in step.actions if isinstance(a, Say)]
        assert "12" in say.text and "31" in say.text
        assert count_segments(say.text).segments == 1, (language, say.text)
