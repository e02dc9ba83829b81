"""What a function hands out when called in this process, in threads and in forked children.

For the draws that must never repeat (hotline/entropy.py's bytes, privacy/vault.py's
nonces): gunicorn workers and RQ work horses are forked from a parent that has drawn,
and each runs several threads.
"""

from __future__ import annotations

import multiprocessing
import threading
from collections.abc import Callable
from typing import Any


def drawn_everywhere(draw: Callable[[], Any], parent: int, threads: int, per_thread: int,
                     children: int, per_child: int) -> list[Any]:
    """`parent` draws here, then `per_thread` in each of `threads` threads, then
    `per_child` in each of `children` forked children, then `parent` here again."""
    found = [draw() for _ in range(parent)]
    drawn: list[list[Any]] = [[] for _ in range(threads)]

    def draw_in(into: list[Any]) -> None:
        into += [draw() for _ in range(per_thread)]

    workers = [threading.Thread(target=draw_in, args=(into,)) for into in drawn]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    context = multiprocessing.get_context("fork")
    queue = context.Queue()

    def child() -> None:
        queue.put([draw() for _ in range(per_child)])

    processes = [context.Process(target=child) for _ in range(children)]
    for process in processes:
        process.start()
    theirs = [queue.get(timeout=30) for _ in processes]
    for process in processes:
        process.join(10)
    found += [draw() for _ in range(parent)]  # the parent goes on after the fork
    return found + [d for into in drawn for d in into] + [d for t in theirs for d in t]
