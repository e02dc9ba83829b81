"""Urgent words: staff-editable lists per language, matched despite spacing, case and typos.

Scripts may carry a top-level `urgent_words: {ko: [...], en: [...]}`; without it the
defaults below apply. Words in Latin or Cyrillic letters match whole words (a run of
the caller's words, spaces ignored); Hangul and Han words match anywhere, because
callers space them freely ("살려 주세요"). Typos are forgiven by edit distance on
letters (Hangul split into jamo, so 세/새 is one edit), and only for longer words:
a short word must match exactly, or '긴급' would fire on '긴 글'.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from rapidfuzz.distance import OSA

DEFAULT_URGENT_WORDS: dict[str, tuple[str, ...]] = {
    "ko": ("응급", "긴급", "살려주세요", "도와주세요", "숨을 못 쉬겠어요", "숨이 안 쉬어져요",
           "죽고 싶어요", "자살", "피를 토해요"),
    "en": ("emergency", "help me", "suicide", "can't breathe", "cannot breathe"),
    "zh": ("救命", "紧急", "急救", "想死"),
    "ru": ("помогите", "срочно", "спасите", "не могу дышать"),
}

WordLists = dict[str, tuple[str, ...]]


@dataclass(frozen=True)
class UrgentMatch:
    """An urgent word found in a text: the word as staff wrote it and its language."""

    word: str
    language: str


def _is_spaced(ch: str) -> bool:
    """True for letters of scripts written with spaces between words (Latin, Cyrillic)."""
    return ch.isascii() or 0x0400 <= ord(ch) <= 0x04FF


def _fold(text: str) -> str:
    """Fold width and case; keep letters and digits, turn everything else into spaces."""
    folded = unicodedata.normalize("NFKC", text).casefold().replace("’", "'")
    return "".join(ch if unicodedata.category(ch)[0] in "LN" else " "
                   for ch in folded.replace("'", ""))


def _tokens(text: str) -> list[str]:
    """Split folded text into words, also where Latin/Cyrillic meets another script."""
    out: list[str] = []
    for chunk in _fold(text).split():
        current = chunk[0]
        for ch in chunk[1:]:
            if _is_spaced(ch) != _is_spaced(current[-1]):
                out.append(current)
                current = ch
            else:
                current += ch
        out.append(current)
    return out


def _letters(text: str) -> str:
    """Return text as comparable letters: no spaces, Hangul split into jamo (NFD)."""
    return unicodedata.normalize("NFD", "".join(_tokens(text)))


def _allowed_edits(word: str) -> int:
    """Typos forgiven for a word of this many letters (jamo for Hangul)."""
    size = len(word)
    if size < 7:
        return 0
    return 1 if size < 12 else 2


@dataclass(frozen=True)
class _Word:
    text: str
    language: str
    letters: str
    parts: int  # how many words it has (Latin/Cyrillic), 0 for anywhere-matching words
    edits: int


def _compile(word: str, language: str) -> _Word | None:
    letters = _letters(word)
    if not letters:
        return None
    spaced = all(_is_spaced(ch) for ch in letters)
    parts = len(_tokens(word)) if spaced else 0
    return _Word(word, language, letters, parts, _allowed_edits(letters))


@lru_cache(maxsize=64)
def _shortest(lists: tuple[tuple[str, tuple[str, ...]], ...]) -> int:
    """The fewest letters any word of the lists can be found in (its typos allowed)."""
    return min((len(w.letters) - w.edits for w in _compiled(lists)), default=0)


@lru_cache(maxsize=64)
def _compiled(lists: tuple[tuple[str, tuple[str, ...]], ...]) -> tuple[_Word, ...]:
    words = (_compile(w, lang) for lang, items in lists for w in items)
    return tuple(w for w in words if w is not None)


@lru_cache(maxsize=64)
def _heads(lists: tuple[tuple[str, tuple[str, ...]], ...]) -> re.Pattern[str] | None:
    """The starts of the lists' Hangul/Han words, as one pattern (None: no such word).

    Such a word is only ever found where its start is (_anywhere: the word itself, or a
    typo of it after its unchanged start), so a text without any of the starts holds
    none of these words: one scan instead of one look per word."""
    heads = {w.letters[:_fixed_start(w.letters)] for w in _compiled(lists) if not w.parts}
    return re.compile("|".join(map(re.escape, sorted(heads)))) if heads else None


def _fixed_start(letters: str) -> int:
    """Letters at the start a typo may not touch: a Hangul syllable's first two jamo.

    Typos callers make are in vowels, final consonants and spacing; a different start
    is usually a different word ('알려주세요' is not '살려주세요').
    """
    return 2 if letters and 0x1100 <= ord(letters[0]) <= 0x11FF else 1


def _near(candidate: str, word: _Word) -> bool:
    if candidate == word.letters:
        return True
    if not word.edits or abs(len(candidate) - len(word.letters)) > word.edits:
        return False
    fixed = _fixed_start(word.letters)
    if candidate[:fixed] != word.letters[:fixed]:
        return False
    return OSA.distance(candidate, word.letters, score_cutoff=word.edits) <= word.edits


def _in_words(tokens: list[str], word: _Word) -> bool:
    """A run of the caller's Latin/Cyrillic words that spells the word (spaces ignored)."""
    widest = word.parts + 1
    for start in range(len(tokens)):
        joined = ""
        for token in tokens[start:start + widest]:
            joined += token
            if _near(joined, word):
                return True
            if len(joined) > len(word.letters) + word.edits:
                break
    return False


def _anywhere(letters: str, word: _Word) -> bool:
    """The word anywhere in the caller's letters (Hangul/Han), within its typo allowance."""
    if word.letters in letters:
        return True
    if not word.edits:
        return False
    size = len(word.letters)
    head = word.letters[:_fixed_start(word.letters)]  # _near() needs it unchanged: jump to it
    start = letters.find(head)
    while start != -1:
        for length in range(size - word.edits, size + word.edits + 1):
            if start + length > len(letters):
                break
            if _near(letters[start:start + length], word):
                return True
        start = letters.find(head, start + 1)
    return False


def find_urgent(text: str, lists: WordLists | None = None) -> UrgentMatch | None:
    """Return the first urgent word found in text (any language of the lists), if any."""
    if not text or not text.strip():
        return None
    lists = DEFAULT_URGENT_WORDS if lists is None else lists
    key = tuple(sorted((k, tuple(v)) for k, v in lists.items()))
    words = _compiled(key)
    tokens = [unicodedata.normalize("NFD", t) for t in _tokens(text)]
    letters = "".join(tokens)
    if len(letters) < _shortest(key):  # "1", "네": too short to hold any word, typos and all
        return None
    # A word in Latin or Cyrillic letters is only ever found in the caller's Latin or
    # Cyrillic words (any other letter in a run costs an edit each): none, none to try.
    spaced = any(_is_spaced(token[0]) for token in tokens)
    heads = _heads(key)
    if heads is None or heads.search(letters) is None:
        if not spaced:
            return None
        words = tuple(w for w in words if w.parts)  # only the Latin/Cyrillic words may be in it
    for word in words:
        if word.parts:
            found = spaced and _in_words(tokens, word)
        else:
            found = _anywhere(letters, word)
        if found:
            return UrgentMatch(word.text, word.language)
    return None


def is_urgent(text: str, lists: WordLists | None = None) -> bool:
    """True when text contains an urgent word."""
    return find_urgent(text, lists) is not None


def parse_urgent_words(value: Any) -> tuple[WordLists, list[str]]:
    """Read a script's `urgent_words` mapping; return the lists and any problems found."""
    if value is None:
        return dict(DEFAULT_URGENT_WORDS), []
    if not isinstance(value, dict):
        return dict(DEFAULT_URGENT_WORDS), ["urgent_words must map a language to a list of words"]
    lists: WordLists = {}
    problems: list[str] = []
    for language, words in value.items():
        if isinstance(words, str):
            words = [words]
        if not isinstance(words, list):
            problems.append(f"urgent_words in '{language}' must be a list")
            continue
        kept = tuple(str(w).strip() for w in words if str(w).strip())
        for word in kept:
            if not _letters(word):
                problems.append(f"urgent word '{word}' ({language}) has no letters")
        lists[str(language)] = kept
    return lists, problems


def script_urgent_words(extra: dict[str, Any]) -> WordLists:
    """Return the urgent word lists of a script (its `urgent_words`, else the defaults)."""
    lists, _ = parse_urgent_words(extra.get("urgent_words"))
    return lists


def first_words(text: str, limit: int = 40) -> str:
    """Return the start of a text, cut at a word boundary, for a page to a volunteer."""
    clean = " ".join(text.split())
    if len(clean) <= limit:
        return clean
    cut = clean[:limit].rsplit(" ", 1)[0] if " " in clean[:limit] else clean[:limit]
    return cut.rstrip() + "…"
