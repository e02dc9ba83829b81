"""Caller keywords: STOP / START / HELP (the opt-out rules) and DELETE, in every language.

Scripts may carry a top-level `caller_words:` that maps each kind (stop, start, help,
delete) to `{language: [words]}`; a kind or language left out keeps its defaults below,
and staff words are added to them (Twilio acts on its English words whatever the script
says, so those can never be taken away). A keyword counts only when it is the whole
message, ignoring case, width, spaces and punctuation around it ("Stop." is STOP,
"don't stop" is not), which is also how Twilio reads its own words.

    caller_words:
      delete: {ko: [삭제, 지워 주세요], zh: [删除], ru: [удалить]}
      stop: {ko: [중지, 그만]}
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from typing import Any

KINDS = ("stop", "start", "help", "delete")

WordLists = dict[str, dict[str, tuple[str, ...]]]  # kind -> language -> words

# Twilio's own words (it opts a number out or in on these, single-word messages only),
# then the plain words of the hotline's languages. No word here may be an urgent word:
# "도움" or "помощь" alone could be a cry for help, so HELP uses words for "instructions".
DEFAULT_CALLER_WORDS: WordLists = {
    "stop": {
        "en": ("stop", "stopall", "unsubscribe", "cancel", "end", "quit", "revoke", "optout"),
        "ko": ("중지", "그만", "수신거부", "수신 거부"),
        "zh": ("停止", "退订", "td"),
        "ru": ("стоп", "отписаться"),
    },
    "start": {
        "en": ("start", "yes", "unstop"),
        "ko": ("시작", "다시 받기"),
        "zh": ("开始",),
        "ru": ("старт",),
    },
    "help": {
        "en": ("help", "info"),
        "ko": ("도움말", "안내"),
        "zh": ("帮助", "说明"),
        "ru": ("справка", "инфо"),
    },
    "delete": {
        "en": ("delete", "erase"),
        "ko": ("삭제", "지워 주세요", "기록 삭제"),
        "zh": ("删除",),
        "ru": ("удалить", "удалите"),
    },
}

# Twilio's single-word opt-out and opt-in words: Twilio itself answers them (and blocks
# any reply of ours to a number that just opted out), so the hotline sends no text back.
TWILIO_HANDLED = frozenset({*DEFAULT_CALLER_WORDS["stop"]["en"],
                            *DEFAULT_CALLER_WORDS["start"]["en"]})


@dataclass(frozen=True)
class CallerWord:
    """A caller keyword found: which kind, the word as written, and its language."""

    kind: str
    word: str
    language: str

    @property
    def twilio_handled(self) -> bool:
        """True for Twilio's own English STOP/START words (Twilio replies to those)."""
        return self.kind in ("stop", "start") and self.word in TWILIO_HANDLED


def normalize(text: str) -> str:
    """Fold width and case, drop punctuation and spaces: '  STOP! ' -> 'stop'."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    return "".join(ch for ch in folded if unicodedata.category(ch)[0] in "LN")


def parse_caller_words(value: Any) -> tuple[WordLists, list[str]]:
    """Read a script's `caller_words`; return the lists (defaults plus staff words) and
    any problems found."""
    lists: WordLists = {kind: dict(by_lang) for kind, by_lang in DEFAULT_CALLER_WORDS.items()}
    if value is None:
        return lists, []
    if not isinstance(value, dict):
        return lists, ["caller_words must map stop, start, help and delete to word lists"]
    problems: list[str] = []
    for kind, by_language in value.items():
        if kind not in KINDS:
            problems.append(f"caller_words: unknown kind '{kind}' (known: {', '.join(KINDS)})")
            continue
        if not isinstance(by_language, dict):
            problems.append(f"caller_words {kind} must map a language to a list of words")
            continue
        for language, words in by_language.items():
            if isinstance(words, str):
                words = [words]
            if not isinstance(words, list):
                problems.append(f"caller_words {kind} in '{language}' must be a list")
                continue
            kept = tuple(str(w).strip() for w in words if str(w).strip())
            problems += [f"caller word '{w}' ({kind}, {language}) has no letters"
                         for w in kept if not normalize(w)]
            old = lists[kind].get(str(language), ())
            lists[kind][str(language)] = tuple(dict.fromkeys((*old, *kept)))
    seen: dict[str, str] = {}
    for kind in KINDS:
        for words in lists[kind].values():
            for word in words:
                key = normalize(word)
                if key and seen.setdefault(key, kind) != kind:
                    problems.append(f"caller word '{word}' is both {seen[key]} and {kind}")
    return lists, problems


# Word lists parsed once per script, and indexed once per list, by the identity of what
# they came from (a loaded script never changes); checked with `is`, since ids are reused.
_LISTS: dict[int, tuple[dict[str, Any], WordLists]] = {}
_INDEXES: dict[int, tuple[WordLists, dict[str, CallerWord]]] = {}
_CACHE_SIZE = 64


def script_caller_words(extra: dict[str, Any]) -> WordLists:
    """Return the caller keyword lists of a script (its `caller_words` plus the defaults)."""
    lists, _ = parse_caller_words(extra.get("caller_words"))
    return lists


def words_of(extra: dict[str, Any]) -> WordLists:
    """Like script_caller_words, parsed once per script (cached by its `extra` mapping)."""
    cached = _LISTS.get(id(extra))
    if cached is not None and cached[0] is extra:
        return cached[1]
    lists = script_caller_words(extra)
    if len(_LISTS) >= _CACHE_SIZE:
        _LISTS.clear()
    _LISTS[id(extra)] = (extra, lists)
    return lists


def _index(lists: WordLists) -> dict[str, CallerWord]:
    """Normalized word -> the keyword it is (the first kind that has it wins)."""
    cached = _INDEXES.get(id(lists))
    if cached is not None and cached[0] is lists:
        return cached[1]
    index: dict[str, CallerWord] = {}
    for kind in KINDS:
        for language, words in lists[kind].items():
            for word in words:
                index.setdefault(normalize(word), CallerWord(kind, word, language))
    index.pop("", None)
    if len(_INDEXES) >= _CACHE_SIZE:
        _INDEXES.clear()
    _INDEXES[id(lists)] = (lists, index)
    return index


def find_caller_word(text: str, lists: WordLists | None = None) -> CallerWord | None:
    """Return the caller keyword that `text` is (the whole message), or None."""
    said = normalize(text or "") if len(text or "") <= 80 else ""
    if not said:
        return None
    return _index(lists or DEFAULT_CALLER_WORDS).get(said)


def check_script(script: Any) -> list[tuple[str, str, int, bool]]:
    """Problems of a script's caller words: (node, message, line, is_error).

    Bad `caller_words` entries are errors, and so is a menu keyword that is a STOP or
    DELETE word: the caller who sends it is opted out or erased and never reaches the
    option (Twilio opts out on its English STOP words too). A menu keyword that is a HELP
    word only warns. START words are fine: they count only from a number that opted out.
    (Labels are not checked: callers answer a menu with its keys.)
    """
    lists, problems = parse_caller_words(script.extra.get("caller_words"))
    found: list[tuple[str, str, int, bool]] = [("caller_words", p, 0, True) for p in problems]
    for node in script.nodes.values():
        for option in getattr(node, "options", ()):
            for said in (w for ws in option.keywords.values() for w in ws):
                word = find_caller_word(said, lists)
                if word is None or word.kind == "start":
                    continue
                message = (f"option {option.key} keyword '{said}' is the caller keyword "
                           f"{word.kind.upper()} ('{word.word}'): a caller who sends it never "
                           "reaches this option; use another word")
                found.append((node.id, message, option.line, word.kind != "help"))
    return found
