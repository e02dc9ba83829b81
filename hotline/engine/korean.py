"""Korean that agrees with the values filled into a text: particles and ordinals.

A text cannot know whether {code} ends in a consonant (K6M은) or a vowel (K7Q는), so
staff write both forms the usual Korean way, `{code}은(는)`, `{time}(으)로`, and the
right one is picked from the sound the value ends with once it is filled in. A value
ending in a Latin letter or a digit is judged by its Korean reading (M 엠, 6 육).
"N번째" (1번째) becomes the spoken ordinal (첫 번째, 두 번째, ...).
"""

from __future__ import annotations

import re

# Digits and Latin letters whose Korean reading ends in a consonant (영 일 삼 육 칠 팔;
# 엘 엠 엔 알), and those of them ending in ㄹ (일 칠 팔; 엘 알), which take 로 not 으로.
_FINAL = set("013678LMNR")
_FINAL_RIEUL = set("178LR")
_HANGUL_FIRST, _HANGUL_LAST = 0xAC00, 0xD7A3
_RIEUL = 8  # the index of ㄹ among the final consonants

# Written pairs: consonant form, vowel form (either order in the text).
_PAIRS = (("은", "는"), ("이", "가"), ("을", "를"), ("과", "와"), ("이에요", "예요"),
          ("이라고", "라고"), ("이나", "나"))
_PAIR = re.compile("|".join(
    f"(?P<p{i}>{re.escape(a)}\\({re.escape(b)}\\)|{re.escape(b)}\\({re.escape(a)}\\))"
    for i, (a, b) in enumerate(_PAIRS)) + r"|(?P<ro>\(으\)로)")

# A particle written straight after a {placeholder} (K6M은 but K7Q는): the linter warns.
_BARE = re.compile(r"\{(\w+)\}(은|는|이|가|을|를|과|와|으로|로|이에요|예요)(?=[\s.,!?:)]|$)")

_ORDINAL = re.compile(r"(?<![\d])(\d+)\s?번째")
_ONES = ("", "한", "두", "세", "네", "다섯", "여섯", "일곱", "여덟", "아홉")
_TENS = ("", "열", "스물", "서른", "마흔", "쉰", "예순", "일흔", "여든", "아흔")


def final_consonant(text: str) -> tuple[bool, bool] | None:
    """Whether `text`'s last sound is a consonant, and whether that consonant is ㄹ.

    None when it cannot tell (no letter or digit at the end)."""
    stripped = text.rstrip(" )'\"·.,")
    if not stripped:
        return None
    last = stripped[-1]
    code = ord(last)
    if _HANGUL_FIRST <= code <= _HANGUL_LAST:
        final = (code - _HANGUL_FIRST) % 28
        return final != 0, final == _RIEUL
    upper = last.upper()
    if upper.isascii() and upper.isalnum():
        return upper in _FINAL, upper in _FINAL_RIEUL
    return None


def _choose(before: str, match: re.Match[str]) -> str:
    sound = final_consonant(before)
    if match.group("ro") is not None:
        if sound is None:
            return "(으)로"
        consonant, rieul = sound
        return "으로" if consonant and not rieul else "로"
    for i, (with_final, without) in enumerate(_PAIRS):
        if match.group(f"p{i}") is not None:
            if sound is None:
                return match.group(0)
            return with_final if sound[0] else without
    return match.group(0)


def agree(text: str) -> str:
    """Resolve `은(는)`-style pairs and `(으)로` against the sound just before each."""
    out: list[str] = []
    last = 0
    for match in _PAIR.finditer(text):
        out.append(text[last:match.start()])
        out.append(_choose("".join(out), match))
        last = match.end()
    out.append(text[last:])
    return ordinals("".join(out))


def ordinal(n: int) -> str:
    """The spoken Korean ordinal before 번째: 1 → 첫, 2 → 두, 20 → 스무, 21 → 스물한."""
    if n == 1:
        return "첫"
    if n == 20:
        return "스무"
    if not 0 < n < 100:
        return str(n)
    return _TENS[n // 10] + _ONES[n % 10]


def ordinals(text: str) -> str:
    """Write "N번째" as the spoken ordinal: "1번째예요" → "첫 번째예요"."""
    return _ORDINAL.sub(lambda m: f"{ordinal(int(m.group(1)))} 번째"
                        if 0 < int(m.group(1)) < 100 else m.group(0), text)


def bare_particles(text: str) -> list[tuple[str, str]]:
    """The particles written straight after a placeholder, as (what is written, name)."""
    return [(m.group(0), m.group(1)) for m in _BARE.finditer(text)]


def both_forms(name: str) -> str:
    """How to write a particle after {name} so that it agrees: the pairs to choose from."""
    return ", ".join(f"{{{name}}}{a}({b})" for a, b in _PAIRS[:4]) + f", {{{name}}}(으)로"
