"""Urgent words: found despite spacing, case and common misspellings; ordinary texts are not."""

import pytest

from hotline.engine.triage import (
    DEFAULT_URGENT_WORDS,
    find_urgent,
    first_words,
    is_urgent,
    parse_urgent_words,
)


@pytest.mark.parametrize(
    "text, word",
    [
        ("응급", "응급"),
        ("긴급이에요", "긴급"),
        ("살려 주세요", "살려주세요"),
        ("살려주새요", "살려주세요"),  # ㅔ/ㅐ mixed up
        ("제발 도와 주세요", "도와주세요"),
        ("숨을못쉬겠어요", "숨을 못 쉬겠어요"),
        ("숨을 못쉬겟어요", "숨을 못 쉬겠어요"),  # ㅆ/ㅅ
        ("죽고 십어요", "죽고 싶어요"),
        ("응급실 어디예요", "응급"),
        ("EMERGNCY", "emergency"),
        ("emergancy!!", "emergency"),
        ("Emerg ency", "emergency"),
        ("please HELP  ME", "help me"),
        ("helpme", "help me"),
        ("I cant breathe", "can't breathe"),
        ("救命啊", "救命"),
        ("Помогите!", "помогите"),
        ("помагите", "помогите"),  # а/о
        ("пожалуйста, срочно", "срочно"),
        # Latin and Cyrillic words among Korean ones (the Korean alone holds none)
        ("제발 emergency 에요", "emergency"),
        ("숨이 차요 cannot 어 breathe", "cannot breathe"),
        ("엄마가 помогите", "помогите"),
    ],
)
def test_urgent_words_are_found(text, word):
    found = find_urgent(text)
    assert found is not None, text
    assert found.word == word


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "긴 글 죄송합니다",  # one edit from 긴급, but short words must match exactly
        "배고파 죽겠어요",
        "병원이 어디 있어요?",
        "다음 주에 상담 받고 싶어요",
        "쉼터 주소 알려주세요",  # one jamo from 살려주세요, but a different first syllable
        "I need a clinic in Seoul",
        "the new building will emerge soon",
        "help mom find a doctor",
        "hello me again",
        "he helped me last week",
        "nos ayudaron",
        "спасибо, вы мне помогли",
        "我想看医生",
        "1",
    ],
)
def test_ordinary_texts_are_not_urgent(text):
    assert find_urgent(text) is None


def test_staff_lists_replace_the_defaults():
    lists = {"en": ("bleeding",)}
    assert is_urgent("I am BLEEDING", lists)
    assert not is_urgent("emergency", lists)
    assert find_urgent("bleding a lot", lists) is not None  # 8 letters: one typo forgiven


def test_every_word_is_found_alone_however_short_and_a_menu_digit_is_never_urgent():
    """A text too short for any word is not scanned: the shortest word still counts."""
    for language, words in DEFAULT_URGENT_WORDS.items():
        for word in words:
            assert find_urgent(word) is not None, (language, word)
    one = {"zh": ("死",), "ko": ("살려주세요",)}  # staff may add a word of one character
    assert find_urgent("死", one) is not None and find_urgent("살려주새요", one) is not None
    for digit in "0123456789":
        assert find_urgent(digit) is None and find_urgent(digit, one) is None


def test_short_latin_words_match_whole_words_only():
    lists = {"en": ("sos",)}
    assert is_urgent("SOS please", lists)
    assert not is_urgent("kiss oscar", lists)  # 'sos' across two words
    assert not is_urgent("sosa street", lists)


def test_parse_urgent_words_reports_problems():
    lists, problems = parse_urgent_words({"ko": ["응급", " "], "en": "help me", "ru": 5})
    assert lists == {"ko": ("응급",), "en": ("help me",)}
    assert problems == ["urgent_words in 'ru' must be a list"]
    assert parse_urgent_words(None) == (DEFAULT_URGENT_WORDS, [])
    assert parse_urgent_words(["x"])[1]


def test_first_words_cuts_at_a_word():
    assert first_words("숨을   못 쉬겠어요") == "숨을 못 쉬겠어요"
    cut = first_words("one two three four five six seven eight nine ten eleven", limit=20)
    assert cut == "one two three four…"


def test_the_one_scan_for_word_starts_never_hides_a_word():
    """find_urgent skips the per-word look when no Hangul/Han word's start is in the text:
    on 4,000 texts made of pieces of the words (typos, spacing, mixed letters) it finds
    what looking at every word finds."""
    import random
    import unicodedata

    from hotline.engine import triage

    lists = {**DEFAULT_URGENT_WORDS, "zh": ("死", *DEFAULT_URGENT_WORDS["zh"])}
    key = tuple(sorted((k, tuple(v)) for k, v in lists.items()))

    def every_word(text: str) -> str | None:
        tokens = [unicodedata.normalize("NFD", t) for t in triage._tokens(text)]
        letters = "".join(tokens)
        for word in triage._compiled(key):
            if (triage._in_words(tokens, word) if word.parts
                    else triage._anywhere(letters, word)):
                return word.text
        return None

    pieces = [w for words in lists.values() for w in words]
    pieces += ["서울", "병원", "1", "0", " ", "새", "세", "어", "를", "help", "me", "срочн", "救",
               "주세요", "살려", "숨", "못", "쉬", "x"]
    rng = random.Random(7)
    found = 0
    for _ in range(4000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(1, 4)))
        if rng.random() < 0.5 and len(text) > 2:  # a typo: one letter dropped
            cut = rng.randrange(len(text))
            text = text[:cut] + text[cut + 1:]
        match = find_urgent(text, lists)
        assert (match.word if match else None) == every_word(text), text
        found += match is not None
    assert 1000 < found < 3900  # both kinds of text were tried
