"""What the webhooks call for urgent cases: the `urgent` capability, ACK, a caller's texts.

urgent_capability is registered in create_app under the name "urgent" (the urgent node
hands off to it). acknowledge() answers a volunteer's `ACK <code>`; relay() passes a
caller's further texts to the volunteer who acknowledged, without either number.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import redis

from hotline import jobs
from hotline.callbacks import queue as callbacks
from hotline.callbacks import voicemail
from hotline.callbacks.queue import Priority
from hotline.channels.calls import Step
from hotline.config import Settings
from hotline.people import access_log, rota, volunteers
from hotline.people.volunteers import Volunteer
from hotline.privacy.redact import for_volunteers
from hotline.privacy.vault import caller_hash
from hotline.scripts import volunteer_texts
from hotline.urgent import cases as urgent
from hotline.urgent import dial as dialling

if TYPE_CHECKING:  # the shape only: the conversation calls this capability, not the reverse
    from hotline.conversation.capabilities import CapabilityContext

log = logging.getLogger("hotline.urgent.cases")

def _now(ctx: CapabilityContext) -> float:
    if ctx.now:
        return ctx.now
    clock = ctx.config.clock
    return float(clock()) if clock else time.time()


def urgent_capability(ctx: CapabilityContext, params: dict[str, Any]) -> dict[str, Any]:
    """Open (or find) the caller's urgent case and start paging; say who answers.

    Returns {"code", "status": "paging"|"nobody", "dial": [phones], "dial_timeout"}:
    `dial` lists level 1's phones (empty by SMS or when nobody is on). "dial_now": a call
    whose case still waits for someone while people are on call: the urgent node then
    hands off to dial_capability for who to ring (a volunteer who has the case already
    is told the caller rang instead).
    """
    config, conn, now = ctx.config, ctx.redis, _now(ctx)
    case, new = urgent.open_case(
        conn, config, ctx.caller, sid=ctx.message_sid or ctx.call_sid,
        language=str(params.get("language") or ctx.language), channel=ctx.channel,
        first_words=for_volunteers(str(params.get("first_words") or "")),
        reason=str(params.get("reason") or ""), now=now)
    levels = rota.current(conn, config, now)
    first = next((level for level in levels if level.volunteers), None)
    if new:
        ctx.jobs.append(urgent.step_job(case.code, 0))
        # The caller is about to hear that a person is being paged: the case and its first
        # paging job must be on a replica, or a failover could drop both after the answer.
        ctx.confirm.append(("urgent", case.code))
        log.info("urgent case %s opened (%s), paging started", case.code, ctx.channel)
    elif (case.state == urgent.State.CLAIMED and case.acked_by and ctx.call_sid
          and urgent.once(conn, config, case.code, f"rang-{ctx.call_sid[:40]}")):
        # The caller rang again about a case a volunteer has: tell that volunteer.
        rang = volunteer_texts.for_volunteer(
            conn, config, volunteers.get(conn, config, case.acked_by), "urgent_rang",
            code=case.code)
        ctx.jobs.append(urgent.sms_job(case.code, case.acked_by, rang, f"rang{int(now)}"))
        urgent.note(conn, config, case.code, now, "caller_rang", volunteer=case.acked_by)
    dial: list[str] = []
    if first is not None and ctx.channel == "voice":
        people = (volunteers.get(conn, config, v) for v in first.volunteers)
        dial = [p.phone for p in people if p is not None][:10]  # <Dial> rings up to 10
    data: dict[str, Any] = {"code": case.code, "status": "paging" if first else "nobody",
                            "dial": dial, "dial_timeout": first.ack_timeout if first else 0}
    if ctx.channel == "voice" and first is not None and case.state in urgent.UNCLAIMED:
        data["dial_now"] = True
    return data


def dial_capability(ctx: CapabilityContext, params: dict[str, Any]) -> dict[str, Any]:
    """Who a call about urgent case `code` rings now (registered as "urgent_dial").

    Returns {"status": "dialling", "connect": {numbers, caller_id, timeout, after}} for
    the urgent node's Dial action (urgent/dial.py); {"status": "nobody"} when no one can
    be rung (the case becomes an urgent callback at once); {"status": "taken"} when a
    volunteer has the case already.
    """
    config, conn, now = ctx.config, ctx.redis, _now(ctx)
    case = urgent.get(conn, config, str(params.get("code") or ""))
    if case is None or case.state not in urgent.UNCLAIMED:
        return {"status": "taken"}
    language = str(params.get("language") or ctx.language)
    connect = dialling.first_level(conn, config, case.code, language, now)
    if connect is None:
        nobody_answered(conn, config, case, now)
        return {"status": "nobody", "code": case.code}
    return {"status": "dialling", "connect": connect}


def nobody_answered(conn: redis.Redis, config: Settings, case: urgent.Case | None,
                    now: float) -> None:
    """Nobody took the call: the case waits at the top of the callback queue, and every
    level is paged by SMS at once."""
    if case is None or case.state not in urgent.UNCLAIMED:
        return
    if not urgent.once(conn, config, case.code, "voice-nobody"):
        return
    rid = file_callback(conn, config, case, now)
    urgent.set_state(conn, config, case.code, urgent.State.CALLBACK, callback=rid)
    urgent.note(conn, config, case.code, now, "nobody_answered", callback=rid)
    urgent.enqueue_page_all(conn, case.code)


def file_callback(conn: redis.Redis, config: Settings, case: urgent.Case,
                  now: float) -> str:
    """Put the case's caller at the top of the callback queue (once); return the request id.

    A caller who already waits for an ordinary call back keeps that request, moved up to
    urgent. The request is linked to the case: closing it (DONE) closes the case too.
    """
    number = urgent.number_of(conn, config, case.code)
    if number is None:
        return ""
    placed = callbacks.create(conn, config, number, language=case.language, topic="urgent",
                              now=now, priority=Priority.URGENT, idem=f"urgent-{case.code}")
    rid = placed.request.id
    callbacks.link_case(conn, config, rid, case.code)
    return rid


def _bridge(conn: redis.Redis, config: Settings, case: urgent.Case, volunteer: Volunteer,
            now: float, later: list[jobs.JobSpec] | None = None) -> bool:
    """Ring the volunteer who acknowledged and connect them to the caller (callback bridge)."""
    rid = file_callback(conn, config, case, now)
    if not rid:
        return False
    urgent.set_state(conn, config, case.code, urgent.State.CLAIMED, callback=rid)
    taken = callbacks.take(conn, config, rid, volunteer.id, now)
    if taken is None:  # another volunteer is already calling this caller back
        urgent.note(conn, config, case.code, now, "call_waiting", request=rid)
        return True
    jobs.send(conn, jobs.call_volunteer_job(rid, volunteer.id, taken.taken), later)
    urgent.note(conn, config, case.code, now, "calling", volunteer=volunteer.id, request=rid)
    return True


@dataclass(frozen=True)
class Answer:
    """A reply to a volunteer, and whether it did what they asked (False: a refusal, which
    the web page shows as an error)."""

    text: str
    ok: bool = True


def acknowledge(conn: redis.Redis, config: Settings, volunteer: Volunteer,
                args: list[str], now: float, lang: str | None = None,
                later: list[jobs.JobSpec] | None = None) -> str:
    """A volunteer sent `ACK <code>`: claim the case, tell the others, start the call.
    The reply is in the volunteer's language (`lang` only when it is known already).
    `later`: where its jobs go (an inbound answer carries them); None: enqueued now."""
    return ack(conn, config, volunteer, args, now, lang, later).text


def ack(conn: redis.Redis, config: Settings, volunteer: Volunteer, args: list[str],
        now: float, lang: str | None = None,
        later: list[jobs.JobSpec] | None = None, via: str = "sms") -> Answer:
    """acknowledge(), telling a claim (ok) from a refusal (`via`: for the access log)."""
    lang = lang or volunteer_texts.language_of(conn, config, volunteer)

    def say(name: str, **values: str) -> str:
        return volunteer_texts.text(conn, config, name, lang, **values)

    if not args:
        return Answer(say("urgent_needs_code"), ok=False)
    code = urgent.normal_code(args[0])[:8]
    outcome = urgent.claim(conn, config, code, volunteer.id, now)
    if outcome in ("not_paged", "unknown", "taken", "closed"):
        # not_paged: the case is open, in the hands of the people on call (not "no case")
        return Answer(say(f"urgent_{outcome}", code=code), ok=False)
    if outcome != "won":
        return Answer(say(f"urgent_{outcome}", code=code))
    case = urgent.get(conn, config, code)
    assert case is not None
    log.info("urgent case %s acknowledged by volunteer %s", code, volunteer.id)
    access_log.record(conn, config, volunteer.name, "case_taken", code, now, via)
    _tell_the_others(conn, config, code, volunteer.id, later)
    for text in urgent.take_held_texts(conn, config, code):  # written before anyone ACKed
        _pass_on(conn, config, code, volunteer.id, text, now, later)
    if not _bridge(conn, config, case, volunteer, now, later):
        return Answer(say("urgent_won_no_number", code=code))
    return Answer(say("urgent_won", code=code))


def pass_case(conn: redis.Redis, config: Settings, volunteer: Volunteer, args: list[str],
              now: float, lang: str | None = None,
              later: list[jobs.JobSpec] | None = None, via: str = "sms") -> Answer:
    """A paged volunteer sent `PASS <code>`: the next level is paged now."""
    lang = lang or volunteer_texts.language_of(conn, config, volunteer)

    def say(name: str, **values: str) -> str:
        return volunteer_texts.text(conn, config, name, lang, **values)

    if not args:
        return Answer(say("urgent_needs_code"), ok=False)
    code = urgent.normal_code(args[0])[:8]
    outcome = urgent.pass_on(conn, config, code, volunteer.id, now, later)
    if outcome == "passed":
        log.info("urgent case %s passed on by volunteer %s", code, volunteer.id)
        access_log.record(conn, config, volunteer.name, "case_passed", code, now, via)
        return Answer(say("urgent_passed", code=code))
    return Answer(say(f"urgent_{outcome}", code=code), ok=False)


def _tell_the_others(conn: redis.Redis, config: Settings, code: str,
                     winner: str, later: list[jobs.JobSpec] | None = None) -> None:
    """Text everyone else paged for the case that it is taken, each in their language."""
    for other in sorted(urgent.paged(conn, config, code) - {winner}):
        notice = volunteer_texts.for_volunteer(
            conn, config, volunteers.get(conn, config, other), "urgent_taken", code=code)
        jobs.send(conn, urgent.sms_job(code, other, notice, "taken"), later)


def taken_from_queue(conn: redis.Redis, config: Settings, req: callbacks.Request,
                     volunteer: Volunteer, now: float,
                     later: list[jobs.JobSpec] | None = None) -> None:
    """A volunteer took an urgent case's call back with NEXT: that claims the case (paging
    stops, the others paged are told), as ACK would."""
    if not req.case:
        return
    urgent.mark_paged(conn, config, req.case, volunteer.id)
    if urgent.claim(conn, config, req.case, volunteer.id, now) != "won":
        return
    access_log.record(conn, config, volunteer.name, "case_taken", req.case, now, "queue")
    _tell_the_others(conn, config, req.case, volunteer.id, later)
    for text in urgent.take_held_texts(conn, config, req.case):
        _pass_on(conn, config, req.case, volunteer.id, text, now, later)
    urgent.note(conn, config, req.case, now, "calling", volunteer=volunteer.id, request=req.id)


def _pass_on(conn: redis.Redis, config: Settings, code: str, volunteer: str, text: str,
             now: float, later: list[jobs.JobSpec] | None = None) -> None:
    """Text a caller's words to the volunteer on the case, numbers hidden on both sides
    (also any number the caller typed into the words). `later`: the text's job goes there
    (an answer carries it) instead of being enqueued now."""
    text = " ".join(for_volunteers(text).split())  # again: a held text may predate the masking
    if not text:
        return
    seq = urgent.next_relay(conn, config, code)
    jobs.send(conn, urgent.sms_job(code, volunteer, f"{code}: {text}", f"relay{seq}", config),
              later)
    urgent.note(conn, config, code, now, "relayed", volunteer=volunteer)


def relay(conn: redis.Redis, config: Settings, caller: str, body: str,
          now: float, case_code: str | None = None,
          later: list[jobs.JobSpec] | None = None) -> urgent.Case | None:
    """Pass a caller's text to the volunteer on their open case; None if no open case.

    While nobody has acknowledged yet, the text is held (encrypted) and passed on with
    the ACK. `case_code`: the caller's case as already looked up (open or not). `later`:
    where the text's job goes (the pipeline's answer carries it); None: enqueued now.
    """
    case = (urgent.open_case_of(conn, config, caller) if case_code is None
            else urgent.if_open(urgent.get(conn, config, case_code)))
    if case is None:
        return None
    text = " ".join(for_volunteers(body).split())[:300]  # masked before it is cut
    if case.acked_by and text:
        _pass_on(conn, config, case.code, case.acked_by, text, now, later)
    else:
        if text:
            urgent.hold_text(conn, config, case.code, text)
        urgent.note(conn, config, case.code, now, "caller_wrote")
    return case


def message_left(conn: redis.Redis, config: Settings, *, case_code: str, number: str,
                 call_sid: str, recording_sid: str, seconds: str, topic: str,
                 language: str, now: float) -> tuple[Step, ...]:
    """A caller's voice message: for an urgent case nobody took, attached to the case's
    call back; else it files a callback request (callbacks/voicemail.py)."""
    case = urgent.get(conn, config, case_code) if case_code else None
    rid = ""
    if case is not None and case.caller == caller_hash(config, number):
        if not case.callback:  # nobody was on call at all: it waits for a call back now
            nobody_answered(conn, config, case, now)
            case = urgent.get(conn, config, case.code)
        rid = case.callback if case is not None else ""
    return voicemail.on_recorded(conn, config, number=number, call_sid=call_sid,
                                 recording_sid=recording_sid, seconds=seconds,
                                 topic="urgent" if rid else topic, language=language,
                                 rid=rid, now=now)
