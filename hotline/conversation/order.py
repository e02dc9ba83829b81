"""The order every inbound text and call passes, written once, as a decision over facts.

    signature -> replay guard -> volunteer commands, caller words (STOP/START/HELP/DELETE)
    and urgent detection -> rate limit -> an open urgent case -> the menu

What matters most comes before the rate limit, so a flood never swallows it: a caller
word, an urgent word (any language of the script), the urgent key at a menu and a
triage "yes" are never limited, and neither is anything a volunteer sends. Over the
limit a caller gets one short notice per window with the local emergency number, then
nothing (a text); a call over the limit always hears that notice before the hang-up.

No Flask, Twilio or Redis here: the pipeline gathers the facts (conversation/pipeline.py), this
module says what to do with them, tests read it as a table (tests/test_order.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


class Route(str, Enum):
    """Where one inbound text or call goes."""

    FORBIDDEN = "forbidden"  # not signed by Twilio: 403, nothing read or written
    REPEAT = "repeat"  # a delivery handled already (Twilio retried): nothing done again
    VOLUNTEER = "volunteer"  # a volunteer's text: their commands (never rate-limited)
    CALLER_WORD = "caller_word"  # STOP, START, HELP or DELETE: carried out at once
    URGENT = "urgent"  # the urgent path (an open case: the text goes to its volunteer)
    NOTICE = "notice"  # over the rate limit: the one short notice with the emergency number
    SILENT = "silent"  # over the rate limit and told already this window: no answer
    RELAY = "relay"  # a text while the caller has an urgent case: to its volunteer
    MENU = "menu"  # the menu engine's next step


@dataclass(slots=True)  # made on every webhook: see conversation/__init__.py
class Facts:
    """What is known about one inbound text or call when it arrives (plain values)."""

    channel: str  # "sms" or "voice"
    signed: bool = True  # a valid X-Twilio-Signature
    repeated: bool = False  # this delivery (MessageSid, or the same form) was handled
    volunteer: bool = False  # sent from a registered volunteer's number
    caller_word: str | None = None  # "stop", "start", "help" or "delete" (START: opted out)
    urgent: bool = False  # urgent words, the urgent key, or "yes" to a triage question
    count: int = 0  # this window's texts (or calls) from the number, this one included
    limit: int = 0  # how many fit in a window (0 or less: no limit)
    noticed: bool = False  # the caller was told about the limit in this window already
    case: bool = False  # the caller has an urgent case (a text: relayed while it is open)


def over_limit(facts: Facts) -> bool:
    """True when this text or call is over its caller's rate limit (volunteers never are)."""
    return 0 < facts.limit < facts.count and not facts.volunteer


def decide(facts: Facts) -> Route:
    """Say where an inbound text or call goes. The order of the checks is the contract."""
    if not facts.signed:
        return Route.FORBIDDEN
    if facts.repeated:
        return Route.REPEAT
    if facts.volunteer and facts.channel == "sms":
        return Route.VOLUNTEER
    if facts.caller_word and facts.channel == "sms":
        return Route.CALLER_WORD
    if facts.urgent:
        return Route.RELAY if facts.case and facts.channel == "sms" else Route.URGENT
    if over_limit(facts):
        # A call always hears the notice: a busy signal tells a caller in danger nothing.
        return Route.SILENT if facts.noticed and facts.channel == "sms" else Route.NOTICE
    if facts.case and facts.channel == "sms":
        return Route.RELAY
    return Route.MENU


def needs_urgent_check(facts: Facts) -> bool:
    """Whether knowing `urgent` can change the route: only over the limit. Elsewhere an
    urgent text goes where any text goes (the menu step, or the open case's volunteer),
    and the menu step finds the urgent path itself: no second look on the normal path."""
    return facts.signed and not facts.repeated and over_limit(facts)
