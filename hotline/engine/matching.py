"""Matching what a caller typed or said against menu options and language names."""

from __future__ import annotations

import functools
import unicodedata

from hotline.engine.model import Language, Option

# Scripts a caller may write in, by language code: (first, last) code points.
_SCRIPT_RANGES: dict[str, tuple[tuple[int, int], ...]] = {
    "ko": ((0xAC00, 0xD7A3), (0x1100, 0x11FF), (0x3130, 0x318F)),
    "ru": ((0x0400, 0x04FF),),
    "zh": ((0x4E00, 0x9FFF), (0x3400, 0x4DBF)),
    "en": ((0x41, 0x5A), (0x61, 0x7A)),
}


def normalize(text: str) -> str:
    """Fold width and case, drop spaces, punctuation and symbols: ' 1. ' -> '1'."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    return "".join(ch for ch in folded if unicodedata.category(ch)[0] in "LN")


# normalize() of a script's own words (keys, labels, keywords, language names), asked on
# every answer: worked out once per process. Never for a caller's words.
_script_word = functools.lru_cache(maxsize=8192)(normalize)


# What one character of a script weighs against Latin letters: a Hangul syllable holds
# two or three letters and a Han character a word, so "Seoul에서 병원" is Korean.
_SCRIPT_WEIGHT = {"ko": 3, "zh": 3, "ru": 1, "en": 1}


_KANA = (0x3040, 0x30FF)  # Japanese kana: Han characters beside them are not Chinese


def detect_language(text: str, available: list[str], default: str) -> str:
    """Guess the language of an SMS from its letters (Hangul, Cyrillic, Han, Latin).

    Any Hangul means Korean (Koreans mix in Han characters and Latin names); Han
    characters count as Chinese only without Hangul or kana.
    """
    counts = dict.fromkeys(_SCRIPT_RANGES, 0)
    kana = False
    for ch in text:
        point = ord(ch)
        kana = kana or _KANA[0] <= point <= _KANA[1]
        for code, ranges in _SCRIPT_RANGES.items():
            if any(lo <= point <= hi for lo, hi in ranges):
                counts[code] += _SCRIPT_WEIGHT[code]
    if counts["ko"] and "ko" in available:
        return "ko"
    if kana:
        counts["zh"] = 0
    for code, count in sorted(counts.items(), key=lambda kv: -kv[1]):
        if count and code in available:
            return code
    return default


def match_option(options: tuple[Option, ...], text: str, language: str) -> Option | None:
    """Return the option a caller meant: its key, its label, or one of its keywords."""
    said = normalize(text)
    if not said:
        return None
    for option in options:
        if said == _script_word(option.key):
            return option
    if said.isdigit():
        return None
    for option in options:
        labels = [_script_word(label) for label in option.label.values()]
        if said in labels:
            return option
    # Keywords: the caller's language first, then any language of the script. A keyword
    # equal to what was said wins; else the longest keyword inside it ('또래 상담가' is the
    # peer-counsellor option even when another option has the keyword '상담').
    languages = [language] + [lang for opt in options for lang in opt.keywords if lang != language]
    for lang in dict.fromkeys(languages):
        best: tuple[int, Option] | None = None
        for option in options:
            for word in option.keywords.get(lang, ()):
                word_n = _script_word(word)
                if not word_n:
                    continue
                if said == word_n:
                    return option
                if len(word_n) >= 2 and word_n in said and (best is None or len(word_n) > best[0]):
                    best = (len(word_n), option)
        if best is not None:
            return best[1]
    return None


def match_language(languages: dict[str, Language], text: str) -> str | None:
    """Return the code of a language named by the caller ('English', '한국어'), if any."""
    said = normalize(text)
    if not said or said.isdigit():
        return None
    for code, lang in languages.items():
        names = {_script_word(lang.name), _script_word(code),
                 *(_script_word(k) for k in lang.keywords)}
        if said in names:
            return code
    return None
