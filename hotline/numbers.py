"""Phone numbers: parse and normalise with phonenumbers; country from the number."""

from __future__ import annotations

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
    if not raw or len(raw) > 40:
        return None
    try:
        parsed = phonenumbers.parse(raw.strip(), region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(parsed):
        return None
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def country_of(raw: str) -> str:
    """Return the ISO country code of a number ('KR'), or '' when it cannot be told."""
    if not raw or len(raw) > 40:
        return ""
    try:
        parsed = phonenumbers.parse(raw.strip(), None)
    except phonenumbers.NumberParseException:
        return ""
    return phonenumbers.region_code_for_number(parsed) or ""


def emergency_for(raw: str) -> str:
    """Return the local emergency number for the caller's country (112 when unknown)."""
    return emergency_number(country_of(raw))


def mask(raw: str) -> str:
    """Show a number the way volunteers see it: '+82 10-****-78'."""
    e164 = to_e164(raw) or ""
    if not e164:
        return "****"
    parsed = phonenumbers.parse(e164, None)
    national = str(parsed.national_number)
    head = national[:2] if len(national) > 6 else national[:1]
    return f"+{parsed.country_code} {head}-****-{national[-2:]}"
