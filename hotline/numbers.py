"""Phone numbers: parse and normalise with phonenumbers; country from the number."""

from __future__ import annotations

import re
from functools import lru_cache

import phonenumbers

from hotline.engine.emergency import emergency_number


@lru_cache(maxsize=64)
def to_e164(raw: str, region: str | None = None) -> str | None:
    """Return the number in E.164 (+821012345678), or None if it is not a valid number.

    One text's handling asks this of its sender's number in several modules (volunteer,
    opt-out, urgent case, session); the answers of the last few numbers are kept in this
    process's memory, never stored or logged, so it is parsed once.
    """
    parsed = _parsed(raw, region)
    if parsed is None or not phonenumbers.is_valid_number(parsed):
        return None
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


@lru_cache(maxsize=64)  # as to_e164: asked several times of one text's sender
def country_of(raw: str) -> str:
    """Return the ISO country code of a number ('KR'), or '' when it cannot be told."""
    parsed = _parsed(raw, None)
    return (phonenumbers.region_code_for_number(parsed) or "") if parsed is not None else ""


@lru_cache(maxsize=64)
def _parsed(raw: str, region: str | None) -> phonenumbers.PhoneNumber | None:
    """The number parsed once for to_e164 and country_of (a new caller's first text asks
    both). Only read, never changed: phonenumbers' objects are mutable."""
    if not raw or len(raw) > 40:
        return None
    try:
        return phonenumbers.parse(raw.strip(), region)
    except phonenumbers.NumberParseException:
        return None


def emergency_for(raw: str) -> str:
    """Return the local emergency number for the caller's country (112 when unknown)."""
    return emergency_number(country_of(raw))


@lru_cache(maxsize=64)  # as to_e164: a call back's request masks its caller's number
def mask(raw: str) -> str:
    """Show a number the way volunteers see it, in its country's own grouping with the
    middle hidden: the country code, the first group and the last two digits stay
    ('+82 10-****-**78', '+1 202-***-**43', '+86 138 **** **78', '+7 912 ***-**-89')."""
    e164 = to_e164(raw) or ""
    if not e164:
        return "****"
    parsed = phonenumbers.parse(e164, None)
    shown = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
    code, _, rest = shown.partition(" ")
    first = re.match(r"\(?\d+\)?[ -]?", rest)
    head = first.group(0) if first and first.end() < len(rest) else ""
    tail = rest[len(head):]
    digits = sum(c.isdigit() for c in tail)
    hidden, out = max(0, digits - 2), []
    for ch in tail:
        if ch.isdigit() and hidden:
            out.append("*")
            hidden -= 1
        else:
            out.append(ch)
    return f"{code} {head}{''.join(out)}"
