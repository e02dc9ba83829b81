"""One answer per delivery: Twilio's retries get the first answer again and change nothing.

Twilio retries webhooks and delivers status callbacks at least once. A delivery identical
to one already answered (same path, query string and form) gets the stored answer again
and changes nothing; a twin that arrives while the first is still running waits briefly
for its answer, else gets an empty answer. Answers are kept sealed (AES-GCM,
NumberVault.seal; a <Dial> may hold a caller's number) for REPLAY_TTL, under an HMAC
of the request, and listed under each caller they are about, so erasure finds them
(hotline/replay.py). Menu
Gathers carry a fresh token in their action URL (channels/voice.py), so the same key
pressed at two different questions is two deliveries, not one.

No Flask here: the request comes in as plain values (path, query string, form fields).
The claim is a SET NX of PENDING; the pipeline makes it inside its first reads
(conversation/arrival.py), other routes through claim(). The answer is kept with the
writes it is the outcome of (the caller's session, the day's counters) in one round
trip: keep() (one Lua command).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

import orjson
import redis

from hotline import macs, replay, stats
from hotline.config import Settings
from hotline.lua import lua
from hotline.privacy.vault import NumberVault, vault_for

log = logging.getLogger(__name__)

REPLAY_TTL = replay.REPLAY_TTL  # seconds an answer is kept for a retried delivery
PENDING = b"-"  # the claim while the first delivery is being answered
WAIT_FOR_FIRST = 2.0  # seconds a twin waits for the first delivery's answer


@dataclass(frozen=True)
class Writes:
    """Redis writes an answer is the outcome of, sent in the same round trip as the answer.

    `sets`: (key, value, ttl) to SET EX; `counts`: the day's counters to add (stats) at `at`.
    Kept together with the answer or lost together, and one round trip less.
    """

    sets: tuple[tuple[str, str | bytes, int], ...] = ()
    counts: Mapping[str, int] = field(default_factory=dict)
    at: float = 0.0


def delivery_key(config: Settings, path: str, query: str,
                 fields: Iterable[tuple[str, str]]) -> str:
    """The key of one delivery's answer: an HMAC of its path, query string and form.

    The material is the compact JSON of [path, query, sorted fields] (orjson: a fifteenth
    of the standard library's time for it). Until 2026-12-07 it was json.dumps's spaced
    form, so a retry of a delivery first answered before that upgrade and retried after
    it is taken for a new delivery (within REPLAY_TTL of the upgrade, once)."""
    material = orjson.dumps([path, query, sorted(fields)])
    digest = macs.digest(str(config.secret_key).encode(), material, "sha256").hex()[:40]
    return replay.answer_key(config, digest)


def claim(conn: redis.Redis, key: str) -> tuple[bool, bytes | str | None]:
    """Claim a delivery; returns (claimed, what is stored under it when not claimed)."""
    if conn.set(key, PENDING, nx=True, ex=REPLAY_TTL):
        return True, None
    return False, conn.get(key)


def _vault(config: Settings) -> NumberVault | None:
    key = config.encryption_key
    return vault_for(key) if key else None


def stored_answer(conn: redis.Redis, config: Settings, key: str,
                  stored: bytes | str | None, *,
                  sleep: Callable[[float], None] = time.sleep) -> str | None:
    """The answer kept for a repeated delivery, waiting briefly while the first still runs.

    None: nothing to give again (the first failed, or is still running): answer empty.
    """
    deadline = time.monotonic() + WAIT_FOR_FIRST
    while stored == PENDING and time.monotonic() < deadline:
        sleep(0.05)
        stored = conn.get(key)
    vault = _vault(config)
    body = vault.decrypt(stored) if vault and stored and stored != PENDING else None
    log.info("repeated delivery, %s", "answered as before" if body else "answered empty")
    return body


def release(conn: redis.Redis, key: str) -> None:
    """This delivery failed (answered with the fallback): let a retry be handled afresh."""
    try:
        conn.delete(key)
    except Exception as exc:  # noqa: BLE001  the claim expires by itself
        log.warning("claim not released (%s)", type(exc).__name__)


# The writes and the kept answer in one command (EVALSHA): redis-py's Python around each
# command of a pipeline cost more than the Lua. The same writes as a pipeline of SET EX,
# HINCRBY + EXPIRE (stats.add_counts), SET XX EX + SADD/EXPIRE (replay.keep) or DEL.
KEEP = """
-- KEYS: the sets' keys..., the day's counters (when ARGV[2] > 0), the claim (unless
--       ARGV[3] is ''), the lists of the callers the answer is about...
-- ARGV: sets n, counters m, 'keep' | 'drop' | '', answer ttl, counters ttl, sealed answer,
--       then (value, ttl) per set, then (name, amount) per counter
local n, m = tonumber(ARGV[1]), tonumber(ARGV[2])
local a, k = 7, n + 1
for i = 1, n do
  redis.call('SET', KEYS[i], ARGV[a], 'EX', ARGV[a + 1])
  a = a + 2
end
if m > 0 then
  for _ = 1, m do
    redis.call('HINCRBY', KEYS[k], ARGV[a], ARGV[a + 1])
    a = a + 2
  end
  redis.call('EXPIRE', KEYS[k], ARGV[5])
  k = k + 1
end
if ARGV[3] == 'keep' then
  redis.call('SET', KEYS[k], ARGV[6], 'XX', 'EX', ARGV[4])
  for i = k + 1, #KEYS do
    redis.call('SADD', KEYS[i], KEYS[k])
    redis.call('EXPIRE', KEYS[i], ARGV[4])
  end
elseif ARGV[3] == 'drop' then
  redis.call('DEL', KEYS[k])
end
return 1
"""


def keep(conn: redis.Redis, config: Settings, key: str | None, answer: str | None,
         sender: str, writes: Writes = Writes()) -> None:
    """Make the writes and keep the answer of a first delivery, encrypted, for its retries.

    `key`: the delivery's claim (None: nothing claimed, or released); `answer`: the TwiML
    sent (None: not to be kept, the claim is dropped). One round trip; a failure is
    logged, the answer goes out anyway. Its reply is waited for: the caller's next step
    may be read on another connection at once, and must find these writes made.
    """
    if key is None and not writes.sets and not writes.counts:
        return
    vault = _vault(config)
    try:
        keys: list[str] = [name for name, _, _ in writes.sets]
        values: list[str | bytes | int] = []
        for _, value, ttl in writes.sets:
            values += (value, ttl)
        if writes.counts:
            keys.append(stats.day_key(config, writes.at))
            for name, amount in writes.counts.items():
                values += (name, amount)
        sealed, mode = "", ""
        if key is not None and answer is not None and vault is not None:
            sealed, mode = vault.seal(answer), "keep"
            keys.append(key)
            keys += [replay.index_key(config, caller)
                     for caller in replay.about(config, sender, answer)]
        elif key is not None:
            mode = "drop"
            keys.append(key)
        lua(conn, KEEP)(keys, [len(writes.sets), len(writes.counts), mode, replay.REPLAY_TTL,
                               stats.TTL, sealed, *values])
    except Exception as exc:  # noqa: BLE001  the answer goes out anyway
        log.warning("answer not kept for retries (%s)", type(exc).__name__)
