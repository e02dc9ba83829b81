"""Random bytes drawn a batch at a time (hotline/entropy.py): never handed out twice.

A seal's nonce reused under a key breaks AES-GCM; a Gather token reused lets the replay
guard take a new press for a retry of an old one. The pool is per thread and empty in a
forked child (gunicorn workers and RQ work horses are forked from a parent that drew).
"""

from __future__ import annotations

import base64
import re
import secrets

from hotline import entropy
from tests.concurrent_draws import drawn_everywhere


def test_draws_are_never_shared_by_threads_or_forked_children():
    # 16 bytes a draw: 600 a thread is more than two pools each
    everything = drawn_everywhere(lambda: entropy.draw(16), parent=100, threads=4,
                                  per_thread=600, children=2, per_child=100)
    assert len(everything) == 2 * 100 + 4 * 600 + 2 * 100
    assert len(set(everything)) == len(everything)
    assert all(len(drawn) == 16 for drawn in everything)


def test_a_draw_larger_than_a_batch_is_whole_and_fresh():
    first = entropy.draw(entropy.AT_ONCE + 5)
    second = entropy.draw(entropy.AT_ONCE + 5)
    assert len(first) == len(second) == entropy.AT_ONCE + 5
    assert first != second


def test_a_token_has_the_shape_of_secrets_token_urlsafe():
    tokens = [entropy.token(6) for _ in range(500)]
    assert all(len(t) == len(secrets.token_urlsafe(6)) == 8 for t in tokens)
    assert all(re.fullmatch(r"[A-Za-z0-9_-]+", t) for t in tokens)
    assert all(len(base64.urlsafe_b64decode(t + "=" * (-len(t) % 4))) == 6 for t in tokens)
    assert len(set(tokens)) == len(tokens)
