"""Random bytes drawn a batch at a time (hotline/entropy.py): never handed out twice.

A seal's nonce reused under a key breaks AES-GCM; a Gather token reused lets the replay
guard take a new press for a retry of an old one. The pool is per thread and empty in a
forked child (gunicorn workers and RQ work horses are forked from a parent that drew).
"""

from __future__ import annotations

import base64
import multiprocessing
import re
import secrets
import threading

from hotline import entropy


def test_draws_are_never_shared_by_threads_or_forked_children():
    mine = [entropy.draw(16) for _ in range(100)]  # a pool drawn, partly used
    threads: list[list[bytes]] = [[] for _ in range(4)]

    def draw_in(found: list[bytes]) -> None:
        found += [entropy.draw(16) for _ in range(600)]  # more than one pool each

    workers = [threading.Thread(target=draw_in, args=(found,)) for found in threads]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    context = multiprocessing.get_context("fork")
    queue = context.Queue()

    def child() -> None:
        queue.put([entropy.draw(16) for _ in range(100)])

    children = [context.Process(target=child) for _ in range(2)]
    for process in children:
        process.start()
    theirs = [queue.get(timeout=30) for _ in children]
    for process in children:
        process.join(10)
    mine += [entropy.draw(16) for _ in range(100)]  # the parent goes on after the fork
    everything = mine + [d for found in threads for d in found] + [d for t in theirs for d in t]
    assert len(everything) == 200 + 4 * 600 + 2 * 100
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
