"""A paged volunteer's leg of an urgent call: the voice page (1 takes the case, 2 passes it
on, and they hear what their key did), and what the end of the Dial means for the case.

The words are the scripts' phrases urgent_voice_* (ivr_scripts/main.yaml), in the
volunteer's language.

web/urgent.py parses Twilio's form and renders what is decided here (channels/calls.py).
The pure decisions (accept_choice, dial_over) take plain values, so they are tested as
data; on_accept / on_dialed apply them to the case. What a call says is the scripts'
phrases (urgent_voice_page, urgent_voice_connecting, urgent_voice_taken, urgent_voice_passed) in the voices of their
`languages:` (hotline.scripts.volunteer_texts).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from enum import Enum
from urllib.parse import urlencode

import redis

from hotline.channels.calls import AskKey, HangUp, Speak, Step
from hotline.config import Settings
from hotline.engine.actions import Dial, DialNumber, Record
from hotline.engine.emergency import emergency_number
from hotline.people import access_log, volunteers
from hotline.scripts import volunteer_texts
from hotline.scripts.volunteer_texts import Phrases
from hotline.urgent import cases as urgent
from hotline.urgent import dial as dialling
from hotline.urgent import intake as urgent_intake

log = logging.getLogger(__name__)

WHISPER_TIMEOUT = 8  # seconds the volunteer has to press 1 or 2


def url(config: Settings, view: str, **params: str) -> str:
    """Return the absolute URL of one of the urgent-call views."""
    base = str(config.public_url or "").rstrip("/")
    return f"{base}/twilio/urgent/{view}?{urlencode(params)}"


def language(asked: str | None, words: Phrases) -> str:
    """The language an urgent-call URL asks for, if the scripts speak it; else their
    default language."""
    return words.spoken(asked or "")


def case_code(asked: str) -> str:
    """The case code in a URL: letters and digits only (it is spoken and put in TwiML)."""
    code = urgent.normal_code(asked)
    return "".join(c for c in code if c.isascii() and c.isalnum())[:8]


def _speak(words: Phrases, text: str, language: str) -> Speak:
    return Speak(text, *words.voice(language))


def whisper_steps(words: Phrases, config: Settings, code: str, asked: str | None
                  ) -> tuple[Step, ...]:
    """A volunteer picked up: 1 takes the case, 2 passes it on (voicemail presses
    neither); no key, and this leg drops while the others keep ringing. `asked`: the
    URL's language."""
    lang = language(asked, words)
    said = words.text("urgent_voice_page", lang, code=" ".join(code))
    return (AskKey((_speak(words, said, lang), _speak(words, said, lang)),
                   url(config, "accept", case=code, lang=lang), WHISPER_TIMEOUT),
            HangUp())


class Accept(str, Enum):
    """What a paged volunteer's key press leads to."""

    HANG_UP = "hang_up"  # no key, another key, or not a volunteer's phone: this leg drops
    CLAIM = "claim"  # 1 from a volunteer: try to claim the case
    PASS = "pass"  # 2 from a volunteer: the next level is paged now; this leg drops
    CONNECT = "connect"  # they have the case: the whisper ends and the legs are bridged
    TAKEN = "taken"  # someone else has it (or it is over): thank them and hang up


def accept_choice(digits: str, volunteer_known: bool, claimed: str = "") -> Accept:
    """Decide a key press; `claimed` is what urgent.claim() answered, once it was tried."""
    if digits not in ("1", "2") or not volunteer_known:
        return Accept.HANG_UP
    if digits == "2":
        return Accept.PASS
    if not claimed:
        return Accept.CLAIM
    return Accept.CONNECT if claimed in ("won", "claimed") else Accept.TAKEN


def on_accept(conn: redis.Redis, config: Settings, code: str, digits: str,
              phone: str, asked: str | None, now: float) -> tuple[Step, ...]:
    """The volunteer at `phone` pressed a key: on 1 claim the case and connect, on 2 pass
    it on; they hear what their key did (`asked`: the URL's language)."""
    person = volunteers.by_phone(conn, config, phone)
    choice = accept_choice(digits, person is not None)
    if choice is Accept.CLAIM and person is not None:
        choice = accept_choice(digits, True, urgent.claim(conn, config, code, person.id, now))
    words = volunteer_texts.live(conn, config)
    lang = language(asked, words)

    def said(name: str) -> Speak:
        return _speak(words, words.text(name, lang), lang)

    if choice is Accept.CONNECT:
        log.info("urgent case %s: accepted by volunteer %s on the call", code,
                 person.id if person else "?")
        if person is not None:
            access_log.record(conn, config, person.name, "case_taken", code, now, "voice")
        return (said("urgent_voice_connecting"),)  # the whisper ends: the legs are bridged
    if choice is Accept.TAKEN:
        return (said("urgent_voice_taken"), HangUp())
    if choice is Accept.PASS and person is not None:
        if urgent.pass_on(conn, config, code, person.id, now) == "passed":
            log.info("urgent case %s: passed on by volunteer %s on the call", code, person.id)
            access_log.record(conn, config, person.name, "case_passed", code, now, "voice")
            return (said("urgent_voice_passed"), HangUp())
        return (said("urgent_voice_taken"), HangUp())
    return (HangUp(),)


class DialOver(str, Enum):
    """What the end of a level's Dial means for the case."""

    CLOSE = "close"  # a volunteer accepted and spoke with the caller: the case is over
    NEXT = "next"  # nobody accepted: dial the next level (after the last: emergency number)


def dial_over(state: urgent.State | None) -> DialOver:
    """Decide the end of a Dial from the case's state (None: no such case)."""
    return DialOver.CLOSE if state == urgent.State.CLAIMED else DialOver.NEXT


@dataclass(frozen=True)
class DialNext:
    """Dial the case's next level, from `step`, in the caller's `language`."""

    code: str
    step: int
    language: str


def on_dialed(conn: redis.Redis, config: Settings, code: str, step: int,
              dial_status: str, seconds: str, asked: str | None, now: float
              ) -> tuple[Step, ...] | DialNext:
    """The Dial ended: record the outcome and hang up, or go on to the next level
    (`asked`: the caller's language in the URL)."""
    case = urgent.get(conn, config, code)
    if dial_over(case.state if case else None) is DialOver.CLOSE:
        urgent.note(conn, config, code, now, "call_outcome", status=dial_status,
                    seconds=seconds)
        # The volunteer accepted and spoke with the caller: the case is over (the number
        # goes); a caller who needs more calls again or texts, and a new case opens.
        urgent.close(conn, config, code, now, outcome=f"call {dial_status or 'ended'}")
        return (HangUp(),)
    if case is not None:
        urgent.note(conn, config, code, now, "not_accepted", status=dial_status)
    return DialNext(code, step, language(asked, volunteer_texts.live(conn, config)))


def next_level(conn: redis.Redis, config: Settings, code: str, language: str, step: int,
               now: float, before: str = "") -> tuple[Step, ...]:
    """The caller's call goes on: say `before`, then ring the first level from `step` with
    anyone available (the engine's Dial, as the first ring is: urgent/dial.py). With
    nobody left, the caller hears the emergency number (the phrase urgent_nobody), the
    case becomes an urgent callback, and the caller may leave a short voice message for
    whoever calls back (the phrase voicemail_invite, then the engine's Record)."""
    words = volunteer_texts.live(conn, config)
    said: tuple[Step, ...] = (Speak(before, *words.voice(language)),) if before else ()
    plan = dialling.first_level(conn, config, code, language, now, step)
    if plan is not None:
        numbers = tuple(DialNumber(n["number"], n["whisper"]) for n in plan["numbers"])
        return said + (Dial(numbers, plan["caller_id"], plan["timeout"], plan["after"]),)
    case = urgent.get(conn, config, code)
    urgent_intake.nobody_answered(conn, config, case, now)
    text = words.text("urgent_nobody", language,
                      emergency=emergency_number(case.country if case else ""))
    invite = words.text("voicemail_invite", language)
    return said + (Speak(text, *words.voice(language)), Speak(invite, *words.voice(language)),
                   Record("urgent", language, case=code), HangUp())
