"""What the SMS webhook does with a caller's STOP, START, HELP or DELETE (before the menu).

The words come from the script (`caller_words:`, see engine/caller_words.py). STOP opts
the number out of every SMS until START; HELP answers with one short text; DELETE erases
everything kept about the number (erasure.forget) and confirms it. Replies (the scripts'
phrases caller_help, caller_stop, caller_start, caller_deleted) are one SMS segment,
plain and neutral, in the word's language (an English word: the caller's
language so far). Twilio answers its own English STOP/START words itself and blocks any
reply to a number that just opted out, so those get no text from the hotline.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import redis

from hotline.engine.caller_words import CallerWord, find_caller_word, words_of
from hotline.engine.model import Script
from hotline.privacy import erasure, optout
from hotline.privacy.vault import log_id
from hotline.scripts import volunteer_texts

log = logging.getLogger("hotline.keywords")

# Each kind's reply: a phrase of the live scripts (ivr_scripts/main.yaml), written in
# every language of the caller words, one SMS segment, linted like every phrase.
PHRASES = {"help": "caller_help", "stop": "caller_stop", "start": "caller_start",
           "delete": "caller_deleted"}


@dataclass(frozen=True)
class Handled:
    """A caller keyword was handled: which one, and the text to send back ('' for none)."""

    kind: str
    reply: str


def language_for(word: CallerWord, session_language: str | None,
                 written: Callable[[str], bool] = lambda code: True) -> str:
    """The reply's language: the word's own, or for an English word the caller's so far
    (`written(code)`: whether the reply is written in that language)."""
    if word.language != "en":
        return word.language if written(word.language) else "ko"
    if session_language and written(session_language):
        return session_language
    return "en"


def handle(conn: redis.Redis, config: dict[str, Any], script: Script, caller: str, body: str,
           now: float, session_language: Callable[[], str | None] = lambda: None,
           *, opted_out: bool) -> Handled | None:
    """Carry out a caller keyword in `body`; None when the text is not one (the menu gets it).

    START words ("yes" among them) count only from a number that opted out: otherwise
    they answer the menu. `session_language()` is asked only when a keyword matched;
    `opted_out`: whether the number sent STOP (read by the webhook with its first reads).
    """
    word = find(script, body, opted_out=opted_out)
    return None if word is None else carry_out(conn, config, word, caller, now,
                                               session_language, opted_out=opted_out)


def find(script: Script, body: str, *, opted_out: bool) -> CallerWord | None:
    """The caller keyword `body` is, if any (START words only from a number that opted
    out). Pure: the inbound order asks it before the rate limit (conversation/order.py)."""
    word = find_caller_word(body, words_of(script.extra))
    if word is None or (word.kind == "start" and not opted_out):
        return None
    return word


def carry_out(conn: redis.Redis, config: dict[str, Any], word: CallerWord, caller: str,
              now: float, session_language: Callable[[], str | None] = lambda: None,
              *, opted_out: bool) -> Handled:
    """Carry out a caller keyword found by find(); return it with its reply."""
    who = log_id(str(config.get("SECRET_KEY") or ""), caller)
    name = PHRASES[word.kind]
    language = language_for(word, session_language() if word.language == "en" else None,
                            lambda code: volunteer_texts.has(conn, config, name, code))
    reply = volunteer_texts.text(conn, config, name, language)
    if word.kind == "stop":
        optout.opt_out(conn, config, caller, now)
        log.info("caller opted out of SMS", extra={"caller": who})
        return Handled("stop", "" if word.twilio_handled else reply)
    if word.kind == "start":
        optout.opt_in(conn, config, caller)
        log.info("caller opted in to SMS again", extra={"caller": who})
        return Handled("start", "" if word.twilio_handled else reply)
    if word.kind == "delete":
        erasure.forget(conn, config, caller, now)
        return Handled("delete", "" if opted_out else reply)
    log.info("caller asked for help", extra={"caller": who})
    return Handled("help", reply)
