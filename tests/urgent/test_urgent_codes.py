"""Case codes: short while few are in use, longer rather than none when a surge fills them.

A case keeps its code for 30 days; the 3-character space (letter, digit, letter) holds
1,805 codes. Before, the 1,806th case of a month found no free code and the urgent caller
got the fallback instead of a person.
"""

from __future__ import annotations

import itertools

from hotline.config import load_config
from hotline.engine.segments import count_segments
from hotline.privacy.vault import new_key
from hotline.urgent import cases as urgent


def _config() -> dict:
    return load_config({"KEY_PREFIX": "hotline:", "SECRET_KEY": "codes-secret", "ENCRYPTION_KEY": new_key()}, environ={})


def test_a_case_gets_a_three_character_code_while_they_are_free(redis_conn):
    case, new = urgent.open_case(redis_conn, _config(), "+821055550001", sid="SM1",
                                 language="ko", channel="sms", first_words="살려주세요",
                                 reason="words", now=1_800_000_000.0)
    assert new and len(case.code) == 3
    assert case.code[0] in urgent.CODE_LETTERS and case.code[1] in urgent.CODE_DIGITS


def test_when_every_short_code_is_taken_the_case_still_opens_with_a_longer_one(redis_conn):
    config = _config()
    keys = urgent.Keys(config)
    pipe = redis_conn.pipeline()
    for a, d, b in itertools.product(urgent.CODE_LETTERS, urgent.CODE_DIGITS,
                                     urgent.CODE_LETTERS):
        pipe.hset(keys.case(a + d + b), mapping={"code": a + d + b, "state": "closed"})
    pipe.execute()
    case, new = urgent.open_case(redis_conn, config, "+821055550002", sid="SM2",
                                 language="ko", channel="sms", first_words="숨을 못 쉬겠어요",
                                 reason="words", now=1_800_000_000.0)
    assert new and len(case.code) == 4
    assert urgent.get(redis_conn, config, case.code).state == urgent.State.PAGING
    page = urgent.page_text(case.code, "ko", "숨을 못 쉬겠어요 가슴이 아파요", "words")
    assert f"ACK {case.code}" in page and count_segments(page).segments == 1
