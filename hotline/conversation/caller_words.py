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

import redis

from hotline.config import Settings
from hotline.engine.caller_words import CallerWord, find_caller_word, words_of
from hotline.engine.model import Script
from hotline.privacy import optout
from hotline.privacy.vault import log_id
from hotline.redisdb import confirm_replicated
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


def find(script: Script, body: str, *, opted_out: bool) -> CallerWord | None:
    """The caller keyword `body` is, if any (START words only from a number that opted
    out). Pure: the inbound order asks it before the rate limit (conversation/order.py)."""
    word = find_caller_word(body, words_of(script.extra))
    if word is None or (word.kind == "start" and not opted_out):
        return None
    return word


# Erases a number everywhere: (conn, config, number, now) -> whatever it reports.
Forget = Callable[[redis.Redis, Settings, str, float], object]


def carry_out(conn: redis.Redis, config: Settings, word: CallerWord, caller: str,
              now: float, session_language: Callable[[], str | None] = lambda: None,
              *, opted_out: bool, forget: Forget) -> Handled:
    """Carry out a caller keyword found by find(); return it with its reply.

    `forget(conn, config, number, now)` erases everything kept about a number, in every
    domain (hotline.domains.forget, handed in by the composition root)."""
    who = log_id(str(config.secret_key or ""), caller)
    name = PHRASES[word.kind]
    language = language_for(word, session_language() if word.language == "en" else None,
                            lambda code: volunteer_texts.has(conn, config, name, code))
    reply = volunteer_texts.text(conn, config, name, language)
    if word.kind == "stop":
        optout.opt_out(conn, config, caller, now)
        # "No more texts" must hold after a failover too: a text after STOP breaks a promise
        # and can expose the caller to whoever holds the phone.
        confirm_replicated(conn, config, "optout", who)
        log.info("caller opted out of SMS", extra={"caller": who})
        return Handled("stop", "" if word.twilio_handled else reply)
    if word.kind == "start":
        optout.opt_in(conn, config, caller)
        log.info("caller opted in to SMS again", extra={"caller": who})
        return Handled("start", "" if word.twilio_handled else reply)
    if word.kind == "delete":
        forget(conn, config, caller, now)
        # "Everything is erased" must not come back with a promoted replica.
        confirm_replicated(conn, config, "erasure", who)
        return Handled("delete", "" if opted_out else reply)
    log.info("caller asked for help", extra={"caller": who})
    return Handled("help", reply)
