"""Between an answer rendered and an answer sent: its jobs, its writes, a replica.

The pipeline (pipeline.py) decides what to answer and what goes with it; the web layer
renders the answer, then settles it here: the jobs the answer starts are enqueued, the
answer is kept for Twilio's retries together with its writes (one round trip,
replay_guard.keep), and a replica is asked to hold what the caller is about to be told
(redisdb.confirm_replicated).
"""

from __future__ import annotations

import redis

from hotline import jobs
from hotline.config import Settings
from hotline.conversation import replay_guard
from hotline.conversation.pipeline import Answer
from hotline.redisdb import confirm_replicated


def settle(conn: redis.Redis, config: Settings, answer: Answer, body: str,
           sender: str) -> None:
    """After the answer is rendered (as `body`), before it goes out: enqueue its jobs, keep
    it with its writes for Twilio's retries (one round trip), then wait for a replica to
    hold what the caller is about to be told (redisdb.confirm_replicated).

    Jobs that cannot be enqueued raise, with the claim released: the caller gets the
    fallback with the emergency number, and Twilio's retry is handled afresh.
    """
    if answer.jobs:
        try:
            jobs.submit_all(conn, answer.jobs)
        except Exception:
            if answer.claim is not None:
                replay_guard.release(conn, answer.claim)
            raise
    replay_guard.keep(conn, config, answer.claim, body, sender, answer.writes)
    for what, ref in answer.confirm:  # one WAIT covers every write made before it
        if confirm_replicated(conn, config, what, ref):
            break
