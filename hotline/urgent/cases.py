"""Urgent cases: a short code, a state, a timeline, and the escalation policy.

A case is opened from a caller's urgent SMS or call (once per MessageSid/CallSid, once
per caller while it is open). Paging runs as RQ jobs on the "urgent" queue
(workers/urgent_jobs.py): level 1 first, the next level after the level's ACK timeout
(scheduled in Redis, so a worker restart does not lose it), through every level `repeat`
more times (the rota's policy), then the last resort: the staff on duty are paged, the
case waits first in the callback queue and shows "nobody answered" on every page. A level
with nobody on call is skipped at once; a volunteer's PASS moves on to the next level now.
The caller's number is kept only Fernet-encrypted, with a TTL, and deleted when the case
closes.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from enum import Enum
from typing import Any

import redis
from rq import Retry

from hotline import jobs, stats
from hotline import keys as hotline_keys
from hotline.callbacks import history
from hotline.config import Settings
from hotline.engine.volunteer_phrases import FALLBACK
from hotline.keys import UrgentKeys
from hotline.lua import OPEN_ONCE, lua
from hotline.numbers import country_of, to_e164
from hotline.people.rota import OnCall
from hotline.privacy.redact import for_volunteers
from hotline.privacy.vault import NumberVault, caller_hash, vault_for

CODE_LETTERS = "ACDEFHJKMNPQRTUVWXY"  # no B/8, G/6, I/L/1, O/0, S/5, Z/2 look-alikes
CODE_DIGITS = "34679"
CASE_TTL = 30 * 86400  # a case and its timeline are kept this long
NUMBER_TTL = 2 * 86400  # the encrypted caller number, at most (deleted on close)
SID_TTL = 86400  # how long a MessageSid/CallSid is remembered against Twilio retries
LAST_RESORT = "staff_on_duty"  # the level name of the last resort on the timeline
HELD_TEXTS = 5  # caller texts kept (encrypted) for the volunteer who will ACK
PAGE = FALLBACK["urgent_page"]  # the page when no phrase is given (English)
CHOSE_MENU = FALLBACK["urgent_chose_menu"]


class State(str, Enum):
    """Where an urgent case stands (not RQ's job status)."""

    PAGING = "paging"  # volunteers are being paged, level by level, until one sends ACK
    CALLBACK = "callback"  # nobody was on call: urgent callback queued, everyone paged
    CLAIMED = "claimed"  # a volunteer sent ACK and is reaching the caller
    CLOSED = "closed"  # over; the caller's number is deleted


OPEN = frozenset({State.PAGING, State.CALLBACK, State.CLAIMED})
UNCLAIMED = frozenset({State.PAGING, State.CALLBACK})


@dataclass(frozen=True)
class Case:
    """An urgent case as stored (never holding the raw number)."""

    code: str
    state: State
    created: float
    language: str
    channel: str
    country: str
    first_words: str
    reason: str
    caller: str  # HMAC of the number
    acked_by: str = ""
    callback: str = ""  # id of the urgent callback request, when one was filed
    unanswered: bool = False  # the policy ran out (or nobody was on call): last resort
    next_step: int = 0  # the escalation step that comes next (PASS runs it at once)

    @classmethod
    def from_hash(cls, data: dict[bytes, bytes]) -> Case:
        """Build a case from its Redis hash."""
        d = {k.decode(): v.decode() for k, v in data.items()}
        return cls(d["code"], State(d["state"]), float(d["created"]), d["language"],
                   d["channel"], d.get("country", ""), d.get("first_words", ""),
                   d.get("reason", ""), d.get("caller", ""), d.get("acked_by", ""),
                   d.get("callback", ""), d.get("unanswered") == "1",
                   int(d.get("next_step") or 0))


def keys(config: Settings) -> UrgentKeys:
    """Return the key names of urgent cases for this configuration."""
    return hotline_keys.of(config).urgent


Keys = keys  # the older name (web/arrival.py and tests use it)


def new_code(size: int = 3) -> str:
    """Return a short code that reads unambiguously on a phone: letter, digit, letter…"""
    return "".join(secrets.choice(CODE_DIGITS if i % 2 else CODE_LETTERS) for i in range(size))


# Codes tried when a case opens, shortest first: 3 characters give 1,805 codes, and a
# case keeps its code for CASE_TTL, so after a surge the short ones run out; then 4
# (9,025) and 5 (171,475) characters, rather than no case and the fallback.
CODE_SIZES = (3, 4, 5)
CANDIDATES_PER_SIZE = 12


def normal_code(text: str) -> str:
    """Return a code as typed by a volunteer ('k7q ') in stored form ('K7Q')."""
    return text.strip().upper()


def _iso(at: float) -> str:
    return datetime.fromtimestamp(at, UTC).isoformat(timespec="seconds")


# Open a case unless this sid or an open case of the caller already has one; reply
# {code, 1 if it existed, the case's hash} (one round trip). A new case's first timeline
# step and its count in the day's figures are written here too.
# KEYS: sid, open, case stem, number stem, index, timeline stem, day figures.
# ARGV: sid, caller, then case fields, the timeline entry, the figures' TTL, then
# candidate codes.
_OPEN = OPEN_ONCE + """
local sid, caller = ARGV[1], ARGV[2]
local found, seen = open_once(sid ~= '' and KEYS[1] or '', KEYS[2], KEYS[3], 'state',
  {paging = true, callback = true, claimed = true})
if seen then return {found, 1, redis.call('HGETALL', KEYS[3] .. found)} end
if found then
  if sid ~= '' then redis.call('SET', KEYS[1], found, 'EX', ARGV[11]) end
  return {found, 1, redis.call('HGETALL', KEYS[3] .. found)}
end
for i = 15, #ARGV do
  local code = ARGV[i]
  local key = KEYS[3] .. code
  if redis.call('EXISTS', key) == 0 then
    redis.call('HSET', key, 'code', code, 'state', 'paging', 'created', ARGV[3],
      'language', ARGV[4], 'channel', ARGV[5], 'country', ARGV[6], 'first_words', ARGV[7],
      'reason', ARGV[8], 'caller', caller)
    redis.call('EXPIRE', key, ARGV[10])
    redis.call('SET', KEYS[4] .. code, ARGV[9], 'EX', ARGV[12])
    redis.call('SET', KEYS[2], code, 'EX', ARGV[10])
    if sid ~= '' then redis.call('SET', KEYS[1], code, 'EX', ARGV[11]) end
    redis.call('ZADD', KEYS[5], ARGV[3], code)
    redis.call('RPUSH', KEYS[6] .. code, ARGV[13])
    redis.call('EXPIRE', KEYS[6] .. code, ARGV[10])
    redis.call('HINCRBY', KEYS[7], 'urgent_created', 1)
    redis.call('EXPIRE', KEYS[7], ARGV[14])
    return {code, 0, redis.call('HGETALL', key)}
  end
end
return false
"""


def open_case(conn: redis.Redis, config: Settings, number: str, *, sid: str,
              language: str, channel: str, first_words: str, reason: str,
              now: float) -> tuple[Case, bool]:
    """Open a case for the caller (or return the one this sid or caller already has).

    Returns the case and True when it is new.
    """
    k = keys(config)
    e164 = to_e164(number) or number
    caller = caller_hash(config, e164)
    vault = _vault(config)
    token = vault.encrypt(e164)
    words = vault.encrypt(first_words) if first_words else ""  # the caller's words, sealed
    created = _entry(now, "created", channel=channel, language=language, reason=reason)
    found = None
    for size in CODE_SIZES:  # a longer code only when the shorter ones are taken
        candidates = [new_code(size) for _ in range(CANDIDATES_PER_SIZE)]
        found = lua(conn, _OPEN)(
            [k.sid(sid), k.caller(caller), k.case_stem, k.number_stem, k.index,
             k.timeline(""), stats.day_key(config, now)],
            [sid, caller, repr(now), language, channel, country_of(e164), words, reason,
             token, CASE_TTL, SID_TTL, NUMBER_TTL, created, stats.TTL, *candidates])
        if found:
            break
    if not found:
        raise RuntimeError("no free case code; too many open cases")
    fields = found[2]
    case = Case.from_hash(dict(zip(fields[::2], fields[1::2], strict=True)))
    return replace(case, first_words=_open_words(config, case.first_words)), not found[1]


def get(conn: redis.Redis, config: Settings, code: str) -> Case | None:
    """Return the case with this code, or None."""
    code = normal_code(code)
    if not code or len(code) > 8:
        return None
    data = conn.hgetall(Keys(config).case(code))
    if not data:
        return None
    case = Case.from_hash(data)  # type: ignore[arg-type]
    return replace(case, first_words=_open_words(config, case.first_words))


SEALED = "gAAAAA"  # how every Fernet token starts


def _vault(config: Settings) -> NumberVault:
    return vault_for(config.encryption_key or "")


def _open_words(config: Settings, stored: str) -> str:
    """The caller's first words as stored: decrypted (empty when no key opens them)."""
    if not stored.startswith(SEALED):
        return stored  # written before the words were sealed
    if not config.encryption_key:
        return ""  # e.g. a command run without the key: the words stay sealed
    return _vault(config).decrypt(stored) or ""


def open_case_of(conn: redis.Redis, config: Settings, number: str) -> Case | None:
    """Return the caller's open case, if any (the webhook relays texts to it)."""
    code = conn.get(Keys(config).caller(caller_hash(config, number)))
    return if_open(get(conn, config, code.decode()) if code else None)  # type: ignore[union-attr]


def if_open(case: Case | None) -> Case | None:
    """Return the case while it is open, else None."""
    return case if case and case.state in OPEN else None


def recent(conn: redis.Redis, config: Settings, limit: int = 200) -> list[Case]:
    """Return the newest cases first (pruning codes whose record expired)."""
    keys = Keys(config)
    raw: list[bytes] = conn.zrevrange(keys.index, 0, limit - 1)  # type: ignore[assignment]
    codes = [c.decode() for c in raw]
    found = [get(conn, config, code) for code in codes]
    gone = [code for code, case in zip(codes, found, strict=True) if case is None]
    if gone:
        conn.zrem(keys.index, *gone)
    return [case for case in found if case is not None]


def number_of(conn: redis.Redis, config: Settings, code: str) -> str | None:
    """Decrypt the caller's number, only at the moment it is needed."""
    token = conn.get(Keys(config).number(code))
    vault = vault_for(config.encryption_key or "")
    return vault.decrypt(token) if token else None


def hold_text(conn: redis.Redis, config: Settings, code: str, text: str) -> None:
    """Keep a caller's text, encrypted and briefly, until a volunteer acknowledges."""
    key = Keys(config).held(code)
    token = vault_for(config.encryption_key or "").encrypt(text)
    pipe = conn.pipeline()
    pipe.rpush(key, token)
    pipe.ltrim(key, -HELD_TEXTS, -1)
    pipe.expire(key, NUMBER_TTL)
    pipe.execute()


def take_held_texts(conn: redis.Redis, config: Settings, code: str) -> list[str]:
    """Return (and forget) the caller's texts held for the volunteer who acknowledged."""
    key = Keys(config).held(code)
    pipe = conn.pipeline()
    pipe.lrange(key, 0, -1)
    pipe.delete(key)
    raw, _ = pipe.execute()
    vault = vault_for(config.encryption_key or "")
    return [text for text in (vault.decrypt(token) for token in raw) if text]


def note(conn: redis.Redis, config: Settings, code: str, now: float, step: str,
         **detail: Any) -> None:
    """Add one step to the case's timeline (created, paged, acked, escalated, ...)."""
    key = Keys(config).timeline(code)
    pipe = conn.pipeline()
    pipe.rpush(key, _entry(now, step, **detail))
    pipe.expire(key, CASE_TTL)
    pipe.execute()


def _entry(now: float, step: str, **detail: Any) -> str:
    """One step of a case's timeline, as kept."""
    return json.dumps({"at": _iso(now), "step": step, **detail}, ensure_ascii=False)


def timeline(conn: redis.Redis, config: Settings, code: str) -> list[dict[str, Any]]:
    """Return the case's timeline, oldest first."""
    raw = conn.lrange(Keys(config).timeline(normal_code(code)), 0, -1)
    return [json.loads(r) for r in raw]


def once(conn: redis.Redis, config: Settings, code: str, what: str) -> bool:
    """True the first time `what` is claimed for this case (SET NX), False ever after."""
    return bool(conn.set(Keys(config).once(code, what), "1", nx=True, ex=CASE_TTL))


def done(conn: redis.Redis, config: Settings, code: str, what: str) -> bool:
    """True when once(`what`) was claimed for this case."""
    return bool(conn.exists(Keys(config).once(code, what)))


def next_relay(conn: redis.Redis, config: Settings, code: str) -> int:
    """Number the next caller text passed on for this case (1, 2, ...); kept as long as
    the case, so a relay job id is never reused while the case lives."""
    key = Keys(config).once(code, "relay-seq")
    pipe = conn.pipeline()
    pipe.incr(key)
    pipe.expire(key, CASE_TTL)
    seq, _ = pipe.execute()
    return int(seq)


def forget_once(conn: redis.Redis, config: Settings, code: str, what: str) -> None:
    """Undo once(): the step failed before it was done and may be tried again."""
    conn.delete(Keys(config).once(code, what))


def set_state(conn: redis.Redis, config: Settings, code: str, state: State,
              **fields: str) -> None:
    """Change the case's state (and other fields) without a check."""
    mapping: dict[Any, Any] = {**fields, "state": state.value}
    conn.hset(Keys(config).case(code), mapping=mapping)


# What ACK and PASS both check first: the case is open, unclaimed, and the volunteer was
# paged for it (KEYS[1] the case, KEYS[2] its paged set, ARGV[1] the volunteer).
_OPEN_AND_PAGED = """
local st = redis.call('HGET', KEYS[1], 'state')
if not st then return 'unknown' end
if st == 'claimed' then
  if redis.call('HGET', KEYS[1], 'acked_by') == ARGV[1] then return 'claimed' end
  return 'taken'
end
if st == 'closed' then return 'closed' end
if redis.call('SISMEMBER', KEYS[2], ARGV[1]) == 0 then return 'not_paged' end
"""


# Claim: only an unclaimed case, only by a volunteer who was paged for it.
_CLAIM = _OPEN_AND_PAGED + """redis.call('HSET', KEYS[1], 'state', 'claimed', 'acked_by', ARGV[1])
return 'won'
"""


def claim(conn: redis.Redis, config: Settings, code: str, volunteer: str,
          now: float) -> str:
    """A volunteer sent ACK <code>: 'won', 'claimed' (again), 'taken', 'closed',
    'not_paged' or 'unknown'."""
    keys, code = Keys(config), normal_code(code)
    if not code or len(code) > 8:
        return "unknown"
    outcome = conn.eval(_CLAIM, 2, keys.case(code), keys.paged(code), volunteer)
    result = outcome.decode() if isinstance(outcome, bytes) else str(outcome)
    if result == "won":
        note(conn, config, code, now, "acked", volunteer=volunteer)
        created = conn.hget(keys.case(code), "created")
        stats.count(conn, config, now, {"urgent_acked": 1},
                    {"urgent_ack": now - float(created)} if created else None)
    return result


def set_next_step(conn: redis.Redis, config: Settings, code: str, step: int,
                  following: int | None, due: float = 0.0) -> None:
    """Remember the step the escalation is at, the one that comes next (None: the last
    resort is over; nothing comes next) and when it is due (for the sweep that schedules
    a lost step again, hotline/urgent/sweep.py)."""
    conn.hset(Keys(config).case(code), mapping={
        "step": step, "next_step": -1 if following is None else following,
        "next_at": repr(due)})


# PASS: only an unclaimed case, only by a volunteer paged for it; only a volunteer paged in
# the step the case is at moves it on, and only once per step.
_PASS = _OPEN_AND_PAGED + """local following = tonumber(redis.call('HGET', KEYS[1], 'next_step') or '0')
if following < 0 then return 'last' end
local step = redis.call('HGET', KEYS[1], 'step') or '0'
if redis.call('EXISTS', KEYS[3] .. 'page-' .. step .. '-' .. ARGV[1]) == 0 then
  return 'passed'
end
if redis.call('SET', KEYS[3] .. 'pass-' .. following, '1', 'NX', 'EX', ARGV[2]) then
  return 'step:' .. following
end
return 'passed'
"""


def pass_on(conn: redis.Redis, config: Settings, code: str, volunteer: str,
            now: float, later: list[jobs.JobSpec] | None = None) -> str:
    """A paged volunteer cannot take the case (PASS <code>, or 2 on a voice page): run the
    next escalation step now. Returns 'passed' (also when another on the same level
    passed first, or the last resort was already paged: 'last'), or why not: 'claimed',
    'taken', 'closed', 'not_paged', 'unknown'."""
    code = normal_code(code)
    if not code or len(code) > 8:
        return "unknown"
    keys = Keys(config)
    outcome = conn.eval(_PASS, 3, keys.case(code), keys.paged(code), keys.once(code, ""),
                        volunteer, CASE_TTL)
    result = outcome.decode() if isinstance(outcome, bytes) else str(outcome)
    if result.startswith("step:") or result in ("passed", "last"):
        note(conn, config, code, now, "passed", volunteer=volunteer)
    if result.startswith("step:"):
        jobs.send(conn, step_job(code, int(result[5:])), later)
        return "passed"
    return "passed" if result == "last" else result


def paged(conn: redis.Redis, config: Settings, code: str) -> set[str]:
    """Return the ids of every volunteer paged for the case."""
    return {v.decode() for v in conn.smembers(Keys(config).paged(code))}  # type: ignore[union-attr]


def mark_paged(conn: redis.Redis, config: Settings, code: str, volunteer: str) -> None:
    """Remember that a volunteer was paged (only they may ACK)."""
    pipe = conn.pipeline()
    pipe.sadd(Keys(config).paged(code), volunteer)
    pipe.expire(Keys(config).paged(code), CASE_TTL)
    pipe.execute()


def close(conn: redis.Redis, config: Settings, code: str, now: float,
          outcome: str = "", remember: bool = True) -> bool:
    """Close the case: delete the caller's number, free the caller for a new case; the
    caller's history keeps that it happened (not when `remember` is False: erasure)."""
    case = get(conn, config, code)
    if case is None or case.state == State.CLOSED:
        return False
    keys = Keys(config)
    pipe = conn.pipeline()
    pipe.hset(keys.case(case.code), mapping={"state": State.CLOSED.value, "closed": repr(now)})
    pipe.delete(keys.number(case.code))
    pipe.delete(keys.held(case.code))
    pipe.execute()
    if conn.get(keys.caller(case.caller)) == case.code.encode():
        conn.delete(keys.caller(case.caller))
    note(conn, config, case.code, now, "closed", outcome=outcome)
    if remember:
        history.add(conn, config, case.caller, history.Entry(
            at=case.created, kind="case", ref=case.code, topic="urgent",
            outcome=outcome[:40] or "closed"))
    return True


# --- escalation policy ---------------------------------------------------------------


@dataclass(frozen=True)
class Plan:
    """What one escalation step does: page these volunteers, then step `next` after `wait`.

    `skipped` names levels with nobody available; `nobody` means no level had anyone when
    the case opened; `last_resort` means the policy ran out: `page` is the staff on duty.
    """

    page: tuple[str, ...]
    level: str
    next: int | None
    wait: int
    skipped: tuple[str, ...] = ()
    nobody: bool = False
    last_resort: bool = False


def plan(levels: list[OnCall], step: int, repeat: int,
         last_resort: tuple[str, ...]) -> Plan:
    """Decide escalation step `step`: steps run through the levels `repeat` + 1 times
    (step 0 is level 1 of the first pass), then the last resort, after which paging stops.

    A level with nobody available is skipped at once. `last_resort` is who the staff on
    duty are (rota.staff_on_duty), paged at once when no level has anyone at step 0.
    """
    skipped: list[str] = []
    if step == 0 and not any(level.volunteers for level in levels):
        return Plan(last_resort, LAST_RESORT, None, 0,
                    tuple(lv.level for lv in levels), nobody=True, last_resort=True)
    total = len(levels) * (repeat + 1)
    for index in range(step, total):
        level = levels[index % len(levels)]
        if level.volunteers:
            return Plan(level.volunteers, level.level, index + 1, level.ack_timeout,
                        tuple(skipped))
        skipped.append(level.level)
    return Plan(last_resort, LAST_RESORT, None, 0, tuple(skipped), last_resort=True)


def page_text(code: str, language: str, first_words: str, reason: str,
              template: str = PAGE, chose_menu: str = CHOSE_MENU) -> str:
    """The page to a volunteer, one SMS segment, from the phrase `template` (urgent_page in
    the volunteer's language): URGENT K7Q ko: 'first words…' reply ACK K7Q. Without words,
    `chose_menu` (urgent_chose_menu) says the caller chose urgent help by its key; after
    a triage question, the question's id stands in brackets."""
    from hotline.engine.segments import count_segments
    from hotline.engine.volunteer_phrases import fill

    said = " ".join(for_volunteers(first_words).split())
    words = said or (chose_menu if reason in ("", "menu") else f"({reason})")

    def page(said: str) -> str:
        return fill(template, {"code": code, "language": language, "words": said})

    while len(words) > 1 and count_segments(page(words)).segments > 1:
        words = words[:-2].rstrip() + "…"
    return page(words)


SEALED_ARG = "sealed:"  # a job argument that is a Fernet token, opened by the job


def open_arg(config: Settings, value: str) -> str | None:
    """A job argument as the job needs it: opened when sealed (None if no key opens it)."""
    if not value.startswith(SEALED_ARG):
        return value
    return _vault(config).decrypt(value[len(SEALED_ARG):])


def step_job(code: str, step: int, delay: float = 0.0) -> jobs.JobSpec:
    """Escalation step `step` of a case, now or after `delay` seconds (RQ scheduler); at
    once (a PASS), it takes the place of the same step scheduled for later."""
    return jobs.JobSpec(jobs.URGENT, "workers.urgent_jobs.escalate", (code, step),
                        hotline_keys.urgent_step_job(code, step), delay=delay,
                        options={"result_ttl": jobs.RESULT_TTL, "failure_ttl": 7 * 86400,
                                 "job_timeout": 60, "retry": Retry(max=2, interval=[2, 10])},
                        replaces_scheduled=delay <= 0)


def enqueue_step(conn: redis.Redis, code: str, step: int, delay: float = 0.0) -> Any:
    """Run escalation step `step` of a case now, or after `delay` seconds (RQ scheduler)."""
    return jobs.submit(conn, step_job(code, step, delay))


def enqueue_page_all(conn: redis.Redis, code: str) -> Any:
    """Page every level of a case by SMS now (a voice call nobody accepted)."""
    return jobs.queue(conn, jobs.URGENT).enqueue(
        "workers.urgent_jobs.page_all_levels", code, job_id=hotline_keys.urgent_all_job(code),
        result_ttl=jobs.RESULT_TTL, failure_ttl=7 * 86400, job_timeout=60,
        retry=Retry(max=2, interval=[2, 10]))


def sms_job(code: str, volunteer: str, body: str, what: str,
            config: Settings | None = None) -> jobs.JobSpec:
    """A text to a volunteer about a case (taken, relay), from the urgent queue.

    With `config` (its ENCRYPTION_KEY) the body travels sealed: a relayed text holds the
    caller's words, and a job's arguments sit in Redis until the job record expires.
    """
    if config and config.encryption_key:
        body = SEALED_ARG + _vault(config).encrypt(body)
    return jobs.JobSpec(
        jobs.URGENT, "workers.urgent_jobs.text_volunteer", (code, volunteer, body),
        hotline_keys.urgent_sms_job(code, what, volunteer),
        options={"result_ttl": jobs.RESULT_TTL,
                 "description": f"text volunteer {volunteer} about case {code} ({what})",
                 "retry": Retry(max=3, interval=[5, 30, 120])})  # the description: not the body


def enqueue_sms(conn: redis.Redis, code: str, volunteer: str, body: str, what: str,
                config: Settings | None = None) -> Any:
    """Text a volunteer about a case now (see sms_job)."""
    return jobs.submit(conn, sms_job(code, volunteer, body, what, config))
