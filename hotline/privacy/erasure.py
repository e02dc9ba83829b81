"""Erasure: DELETE from a caller, or `hotline forget +NUMBER` by staff, removes at once
every trace of a number the hotline keeps.

That is: the session; callback requests, open or closed (their encrypted number, queue
place, lease, retry and call jobs, idempotency keys, missed-call key); urgent cases
(encrypted number, held texts, first words, caller HMAC, paging and relay jobs; an open
case is closed and its paging stops); rate-limit counters; directory SMS waiting to be
sent (and their jobs); the answers kept for Twilio's retries that are about the caller
(hotline/replay.py: a bridged call's <Dial> holds the number); and, without Twilio, the
outbox (see `_outbox_entry`). What stays: the daily counts (no number in them), an
urgent case's code and timeline (times and steps only), and an opt-out, kept as the
HMAC alone so a STOP is never forgotten.
"""

from __future__ import annotations

import logging
import re
from dataclasses import asdict, dataclass
from typing import Any

import phonenumbers
import redis

from hotline import jobs, replay, stats
from hotline.callbacks import queue as callbacks
from hotline.numbers import to_e164
from hotline.privacy import optout
from hotline.privacy.vault import NumberVault, caller_hash, log_id
from hotline.telephony import rewrite_outbox
from hotline.urgent import cases as urgent

log = logging.getLogger("hotline.privacy.erasure")

# Fields of an urgent case that are about the caller; the rest are counts and timings.
CASE_CALLER_FIELDS = ("first_words", "caller", "country", "reason")


@dataclass
class Erased:
    """What one erasure removed (counts only)."""

    sessions: int = 0
    callbacks: int = 0
    cases: int = 0
    jobs: int = 0
    keys: int = 0  # rate limits, dedupe and missed-call keys
    directory_sms: int = 0
    replay_answers: int = 0  # answers kept for Twilio's retries
    outbox_lines: int = 0  # outbox lines to the caller, dropped
    outbox_redacted: int = 0  # outbox lines to others, the caller's words taken out
    opted_out: bool = False  # the opt-out is kept (as the HMAC alone)

    def to_dict(self) -> dict[str, Any]:
        """The counts as plain data (for --json)."""
        return asdict(self)


def _hashes(config: dict[str, Any], number: str) -> set[str]:
    return {caller_hash(config, number)}


def forget(conn: redis.Redis, config: dict[str, Any], number: str, now: float) -> Erased:
    """Erase everything kept about `number` (as Twilio sends it, or any dialable form)."""
    e164 = to_e164(number) or number.strip()
    hashes = _hashes(config, number) | _hashes(config, e164)
    prefix = str(config.get("KEY_PREFIX") or "hotline:")
    done = Erased(opted_out=optout.is_opted_out(conn, config, e164))
    done.sessions = int(conn.delete(*[f"{prefix}session:{h}" for h in hashes]))
    job_prefixes: list[str] = []
    job_ids: list[str] = []
    done.callbacks = _erase_callbacks(conn, config, hashes, now, job_prefixes, job_ids)
    codes = _erase_cases(conn, config, hashes, now, job_prefixes)
    done.cases = len(codes)
    done.keys = _erase_keys(conn, prefix, hashes)
    done.directory_sms = _erase_directory_sms(conn, config, prefix, e164, job_ids)
    done.jobs = jobs.delete_jobs(conn, job_prefixes, job_ids)
    done.replay_answers = replay.forget(conn, config, hashes)
    if not (config.get("TWILIO_ACCOUNT_SID") and config.get("TWILIO_AUTH_TOKEN")):
        done.outbox_lines, done.outbox_redacted = rewrite_outbox(
            str(config.get("DATA_DIR") or "instance"),
            lambda entry: _outbox_entry(entry, e164, codes))
    log.info("erased everything kept about a caller", extra={
        "caller": log_id(str(config.get("SECRET_KEY") or ""), e164),
        **{k: v for k, v in done.to_dict().items() if v}})
    return done


def _erase_callbacks(conn: redis.Redis, config: dict[str, Any], hashes: set[str], now: float,
                     job_prefixes: list[str], job_ids: list[str]) -> int:
    """Delete every callback request of the caller, with its number, place and jobs."""
    k = callbacks.keys(config)
    rids = [rid.decode() for rid in conn.zrange(k.index, 0, -1)]  # type: ignore[union-attr]
    pipe = conn.pipeline()
    for rid in rids:
        pipe.hget(k.req(rid), "caller")
    mine = {rid for rid, caller in zip(rids, pipe.execute()) if caller
            and caller.decode() in hashes}
    for h in hashes:
        held = conn.get(k.open(h))
        if held:
            mine.add(held.decode())  # type: ignore[union-attr]
    opened = 0
    for rid in sorted(mine):
        req = callbacks.get(conn, config, rid)
        pipe = conn.pipeline()
        if req is not None:
            pipe.zrem(k.queue(req.language), rid)
            if req.idem:
                pipe.delete(f"{k.prefix}cb:idem:{req.idem}")
            opened += req.status in callbacks.OPEN
        pipe.zrem(k.leases, rid)
        pipe.zrem(k.index, rid)
        pipe.delete(k.req(rid), k.number(rid))
        pipe.execute()
        job_prefixes += [f"call-{rid}-", f"requeue-{rid}-"]
        job_ids += [f"autoclose-{rid}", f"tried-{rid}"]
    conn.delete(*[k.open(h) for h in hashes], *[f"{k.prefix}cb:missed:{h}" for h in hashes])
    if opened:
        stats.count(conn, config, now, {"callback_closed:erased": opened})
    return len(mine)


def _erase_cases(conn: redis.Redis, config: dict[str, Any], hashes: set[str], now: float,
                 job_prefixes: list[str]) -> set[str]:
    """Close the caller's urgent cases and strip them to counts and timings; return
    their codes."""
    keys = urgent.Keys(config)
    codes = [c.decode() for c in conn.zrange(keys.index, 0, -1)]  # type: ignore[union-attr]
    pipe = conn.pipeline()
    for code in codes:
        pipe.hget(keys.case(code), "caller")
    mine = {code for code, caller in zip(codes, pipe.execute()) if caller
            and caller.decode() in hashes}
    for h in hashes:
        held = conn.get(keys.caller(h))
        if held:
            mine.add(held.decode())  # type: ignore[union-attr]
    for code in sorted(mine):
        urgent.close(conn, config, code, now, outcome="erased")  # paging stops
        pipe = conn.pipeline()
        pipe.hdel(keys.case(code), *CASE_CALLER_FIELDS)
        pipe.delete(keys.number(code), keys.held(code))
        pipe.execute()
        job_prefixes.append(f"urgent-{code}-")
    conn.delete(*[keys.caller(h) for h in hashes])
    if mine:  # the Twilio MessageSid/CallSid keys that point at these cases
        sids = [key for key in conn.scan_iter(match=f"{keys.prefix}sid:*", count=500)
                if _text(conn.get(key)) in mine]
        if sids:
            conn.delete(*sids)
    return mine


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value or "")


def _erase_keys(conn: redis.Redis, prefix: str, hashes: set[str]) -> int:
    """Delete the caller's rate-limit counters (every channel and minute)."""
    found = [key for h in hashes
             for key in conn.scan_iter(match=f"{prefix}rate:*:{h}:*", count=500)]
    return int(conn.delete(*found)) if found else 0


def _erase_directory_sms(conn: redis.Redis, config: dict[str, Any], prefix: str, e164: str,
                         job_ids: list[str]) -> int:
    """Delete directory SMS still waiting to go to the caller, and their jobs."""
    vault = NumberVault(config.get("ENCRYPTION_KEY") or "")
    erased = 0
    for key in conn.scan_iter(match=f"{prefix}dir:sms:*", count=500):
        token = conn.hget(key, "to")
        if token and vault.decrypt(token) == e164:
            conn.delete(key)
            job_ids.append(f"dirsms-{key.decode().rsplit(':', 1)[-1]}")
            erased += 1
    return erased


ERASED = "(erased)"  # what stands in an outbox line for what came from an erased caller
_DIGIT_RUN = re.compile(r"\+?\d[\d\s().-]{5,}\d")


def _outbox_entry(entry: dict[str, Any], e164: str, codes: set[str]) -> dict[str, Any] | None:
    """An outbox line as it stays after the caller's erasure (None: it goes).

    The outbox is the demo's and the tests' phone network, and its record of what went
    out. A line sent to the caller goes whole: its address is their number. A line sent
    to anyone else (a volunteer's page, a text passed on, a bridged call) stays, so an
    operator still sees that it went, to whom and when; but what came from the caller
    is replaced by "(erased)": their words in a page or a passed-on text of one of their
    urgent cases, and their number in any form anywhere in the line. The line's fields
    and their names do not change.
    """
    if entry.get("to") == e164:
        return None
    national = _national(e164)
    for field in ("body", "twiml", "url"):
        text = entry.get(field)
        if isinstance(text, str):
            entry[field] = _without_caller(text, national, codes)
    return entry


def _national(e164: str) -> str:
    try:
        return str(phonenumbers.parse(e164).national_number)
    except phonenumbers.NumberParseException:
        return e164.lstrip("+")


def _without_caller(text: str, national: str, codes: set[str]) -> str:
    """`text` with the caller's number (any form ending in its national digits) and, in a
    text that names one of their case `codes` (a page or a passed-on text), all but the code
    replaced by ERASED: the page's wording is a staff-edited phrase, so no pattern of it is
    assumed."""
    for code in codes:  # a page (its wording is the staff's phrase) or a passed-on text
        if re.search(rf"(?<!\w){re.escape(code)}(?!\w)", text):
            text = f"{code}: {ERASED}"
    if len(national) < 7:
        return text
    return _DIGIT_RUN.sub(lambda m: ERASED if re.sub(r"\D", "", m.group()).endswith(national)
                          else m.group(), text)
