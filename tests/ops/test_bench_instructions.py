"""bench/instructions.py's arithmetic: each figure is the difference of a long and a short
run of the same kind, so what comes before the webhooks cancels out (valgrind itself is
not run here: CI does not install it)."""

import os
import sys

BENCH = os.path.join(os.path.dirname(__file__), "..", "..", "bench")
sys.path.insert(0, os.path.abspath(BENCH))

import instructions


def test_each_figure_is_a_webhooks_own_cost_whatever_comes_before_it():
    cost = {"": 1_000_000, "floor": 300_000, "signature": 930_000, "seal": 940_000}
    before = {"": 5_000_000_000, "floor": 5_200_000_000, "signature": 5_100_000_000,
              "seal": 4_900_000_000}  # setup and warm-up: not the same in every kind of run
    runs = []

    def count(requests: int, mix: str, without: str) -> int:
        runs.append((requests, without))
        return before[without] + requests * cost[without]

    found = instructions.figures(count, 100, 600, "core", ["signature", "seal"], floor=True)
    assert found["instructions_per_webhook"] == 1_000_000
    assert found["floor_instructions_per_webhook"] == 300_000
    assert found["parts"] == {"signature": 70_000, "seal": 60_000}
    assert found["webhooks"] == 500 and len(runs) == 8  # a short and a long run of each


def test_without_phonenumbers_no_module_parses_a_number(monkeypatch):
    import phonenumbers

    from hotline import numbers
    from hotline.config import Settings
    from hotline.privacy import vault

    parsed = []
    real_parse = phonenumbers.parse
    monkeypatch.setattr(phonenumbers, "parse", lambda *a, **k: parsed.append(a) or real_parse(*a, **k))
    monkeypatch.setattr(numbers, "phonenumbers", phonenumbers)  # put back after the test
    number = "+821097531864"  # in no cache yet: asked for by this test only
    instructions._without("phonenumbers")()
    try:
        assert numbers.to_e164(number) == number  # the claim's look-up of volunteers
        assert numbers.country_of(number) == "KR"  # a new conversation's country
        assert vault.caller_hash(Settings(secret_key="k"), number) == vault.number_hash(
            "k", number)
        assert parsed == []  # counted without phonenumbers: nothing parsed it
    finally:  # what was worked out without phonenumbers is not kept for other tests
        for cached in (numbers.to_e164, numbers.country_of, numbers._parsed,
                       vault._normalised_hash):
            cached.cache_clear()
