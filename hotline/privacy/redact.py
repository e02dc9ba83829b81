"""What volunteers see of a caller's own words: no phone numbers, no hidden characters.

A caller may type a number into their text ("제 번호 010-1234-5605"), and a text may
carry control characters, NUL or bidi overrides that hide or reorder what a volunteer
reads. Every place that passes a caller's words on (pages, relayed texts, web pages)
calls for_volunteers(); strip_controls() and mask_numbers() are its two halves.
"""

from __future__ import annotations

import re
import unicodedata

import phonenumbers

from hotline.numbers import mask

# Regions whose national formats are tried, in this order: where callers live.
REGIONS = ("KR", "US", "CN", "RU")
MIN_RUN_DIGITS = 7  # a run of this many digits (with separators) is taken for a number
KEEP_DIGITS = 2  # last digits left visible in a masked run, as numbers.mask() does

# Digits with at most three separators (space, - . / ( )) between them, optionally after +.
_RUN = re.compile(r"\+?\(?\d(?:[ \-./()]{0,3}\d)+")
# Dates are long digit runs too; they stay readable.
_DATE = re.compile(r"\d{4}[-./]\d{1,2}[-./]\d{1,2}|\d{1,2}[-./]\d{1,2}[-./]\d{4}")

_AS_SPACE = frozenset("\t\r\v\f\x1c\x1d\x1e\x1f\x85")  # whitespace controls
_AS_NEWLINE = frozenset("\u2028\u2029")  # line and paragraph separators


def strip_controls(text: str) -> str:
    """Remove control characters (C0, C1, NUL) and invisible format characters (bidi
    overrides and isolates, LRM/RLM, ALM, zero-width ones): a newline stays; tabs and
    other whitespace controls become a space."""
    out = []
    for ch in text:
        if ch == "\n":
            out.append(ch)
        elif ch in _AS_SPACE:
            out.append(" ")
        elif ch in _AS_NEWLINE:
            out.append("\n")
        elif unicodedata.category(ch) in ("Cc", "Cf", "Cs"):
            continue  # Cf holds U+202A-202E, U+2066-2069, U+200E/F, U+061C, U+200B, U+FEFF
        else:
            out.append(ch)
    return "".join(out)


def _masked(piece: str) -> str:
    digits = [c for c in piece if c.isdigit()]
    if len(digits) < MIN_RUN_DIGITS:
        return piece
    return "****-" + "".join(digits[-KEEP_DIGITS:])


def _mask_run(match: re.Match[str]) -> str:
    """Mask a digit run. Spaced groups join into one number only while each group is short
    (010 1234 5605, 912 345 67 89), so a postal code or a date beside another number is
    not read as part of it; a date stays."""
    parts = re.split(r"( +)", match.group(0))
    groups, spaces = parts[0::2], parts[1::2]
    out: list[str] = []
    i = 0
    while i < len(groups):
        j = i
        if _short(groups[i]):
            while j + 1 < len(groups) and _short(groups[j + 1]):
                j += 1
        piece = "".join(g + s for g, s in zip(groups[i:j], spaces[i:j], strict=True)) + groups[j]
        out.append(piece if _DATE.fullmatch(piece) else _masked(piece))
        if j < len(spaces):
            out.append(spaces[j])
        i = j + 1
    return "".join(out)


def _short(group: str) -> bool:
    return sum(c.isdigit() for c in group) <= 4


def _mask_valid(text: str, region: str) -> str:
    found = list(phonenumbers.PhoneNumberMatcher(text, region))
    for match in reversed(found):  # from the end, so earlier offsets stay right
        e164 = phonenumbers.format_number(match.number, phonenumbers.PhoneNumberFormat.E164)
        text = text[:match.start] + mask(e164) + text[match.end:]
    return text


def mask_numbers(text: str) -> str:
    """Mask what looks like a phone number in a caller's words: a valid number of Korea,
    the US, China or Russia as '+82 10-****-**05'; any other run of 7 or more digits (with
    separators, not a date) as '****-05'. Codes, times and postal codes stay."""
    if sum(c.isdigit() for c in text) < MIN_RUN_DIGITS:
        return text  # too few digits for any number: the common case, kept cheap
    for region in REGIONS:
        text = _mask_valid(text, region)
    return _RUN.sub(_mask_run, text)


def for_volunteers(text: str) -> str:
    """A caller's words as volunteers may see them: control and bidi characters removed,
    phone numbers masked."""
    return mask_numbers(strip_controls(text))
