"""Hangul in Latin letters (Revised Romanization, without the sound-change rules).

Good enough to match names: 김해 -> gimhae, 해운대 -> haeundae, 타코마 -> takoma, so a
place a directory file names only in Korean is found when a caller types it in Latin
letters, and the other way round.
"""

from __future__ import annotations

_INITIALS = ("g", "kk", "n", "d", "tt", "r", "m", "b", "pp", "s", "ss", "", "j", "jj", "ch",
             "k", "t", "p", "h")
_MEDIALS = ("a", "ae", "ya", "yae", "eo", "e", "yeo", "ye", "o", "wa", "wae", "oe", "yo", "u",
            "wo", "we", "wi", "yu", "eu", "ui", "i")
_FINALS = ("", "k", "k", "k", "n", "n", "n", "t", "l", "k", "m", "l", "l", "l", "p", "l", "m",
           "p", "p", "t", "t", "ng", "t", "t", "k", "t", "p", "t")
_FIRST, _LAST = 0xAC00, 0xD7A3


def has_hangul(text: str) -> bool:
    """True when the text holds a Hangul syllable."""
    return any(_FIRST <= ord(ch) <= _LAST for ch in text)


def romanize(text: str) -> str:
    """Hangul syllables in Latin letters; anything else is kept as it is."""
    out: list[str] = []
    previous_final = ""
    for ch in text:
        code = ord(ch) - _FIRST
        if not 0 <= code <= _LAST - _FIRST:
            out.append(ch)
            previous_final = ""
            continue
        initial, medial, final = code // 588, (code % 588) // 28, code % 28
        start = _INITIALS[initial]
        if start == "r" and previous_final == "l":
            start = "l"  # ㄹㄹ is written ll: 울릉 -> ulleung
        out.append(start + _MEDIALS[medial] + _FINALS[final])
        previous_final = _FINALS[final]
    return "".join(out)
