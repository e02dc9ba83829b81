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

Each domain erases its own part (hotline.privacy.domain.Keeper: `erase_caller`); the list
is handed in (hotline.domains.KEEPERS), so this module knows no domain's keys.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

import phonenumbers
import redis

from hotline import jobs
from hotline.config import Settings
from hotline.numbers import to_e164
from hotline.privacy import optout
from hotline.privacy.domain import Caller, Keeper
from hotline.privacy.vault import caller_hash, log_id
from hotline.telephony import rewrite_outbox

log = logging.getLogger("hotline.privacy.erasure")


@dataclass
class Erased:
    """What one erasure removed (counts only)."""

    sessions: int = 0
    callbacks: int = 0
    cases: int = 0
    jobs: int = 0
    keys: int = 0  # rate limits, dedupe and missed-call keys
    directory_sms: int = 0
    programme_signups: int = 0  # sign-ups to programmes, with their sealed numbers
    replay_answers: int = 0  # answers kept for Twilio's retries
    outbox_lines: int = 0  # outbox lines to the caller, dropped
    outbox_redacted: int = 0  # outbox lines to others, the caller's words taken out
    opted_out: bool = False  # the opt-out is kept (as the HMAC alone)

    def to_dict(self) -> dict[str, Any]:
        """The counts as plain data (for --json)."""
        return asdict(self)


def _hashes(config: Settings, number: str) -> set[str]:
    return {caller_hash(config, number)}


def forget(conn: redis.Redis, config: Settings, number: str, now: float,
           keepers: Sequence[Keeper]) -> Erased:
    """Erase everything kept about `number` (as Twilio sends it, or any dialable form):
    each of `keepers` (hotline.domains.KEEPERS) erases its own part."""
    e164 = to_e164(number) or number.strip()
    caller = Caller(e164, frozenset(_hashes(config, number) | _hashes(config, e164)))
    done = Erased(opted_out=optout.is_opted_out(conn, config, e164))
    job_prefixes: list[str] = []
    job_ids: list[str] = []
    codes: set[str] = set()
    for keeper in keepers:
        part = keeper.erase_caller(conn, config, caller, now)
        for name, count in part.counts.items():  # the names are Erased's fields
            setattr(done, name, getattr(done, name) + count)
        job_prefixes += part.job_prefixes
        job_ids += part.job_ids
        codes |= part.mentions
    done.jobs = jobs.delete_jobs(conn, job_prefixes, job_ids)
    if not (config.twilio_account_sid and config.twilio_auth_token):
        done.outbox_lines, done.outbox_redacted = rewrite_outbox(
            str(config.data_dir or "instance"),
            lambda entry: _outbox_entry(entry, e164, codes))
    log.info("erased everything kept about a caller", extra={
        "caller": log_id(str(config.secret_key or ""), e164),
        **{k: v for k, v in done.to_dict().items() if v}})
    return done


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
