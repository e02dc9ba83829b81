"""SMS commands from registered volunteers: NEXT, DONE <id> [note], ACK <code>, PASS <code>,
ON, OFF, HELP.

The SMS webhook calls handle() before the menu engine: a reply text means the sender is
a volunteer and the command was handled; None means the sender is a caller. Every reply is
a phrase of the live scripts in the volunteer's first language (hotline.scripts.volunteer_texts).
NEXT is refused while the volunteer is OFF, and while they hold as many requests as they
may (VOLUNTEER_MAX_REQUESTS, default 1; checked atomically with the take).
"""

from __future__ import annotations

import json
import time

import redis

from hotline import jobs
from hotline import keys as hotline_keys
from hotline.callbacks import queue as callbacks
from hotline.callbacks.queue import Holding, Status
from hotline.config import Settings
from hotline.people import access_log, overrides, rota, volunteers
from hotline.people.volunteers import Volunteer
from hotline.scripts import volunteer_texts
from hotline.urgent import cases as urgent
from hotline.urgent import intake as urgent_intake
from hotline.urgent.intake import Answer

# Command words, English and Korean, to the command they mean.
ALIASES = {
    "next": "next", "다음": "next",
    "done": "done", "완료": "done",
    "on": "on", "시작": "on",
    "off": "off", "끝": "off", "종료": "off",
    "help": "help", "도움": "help", "도움말": "help", "?": "help",
    "ack": "ack", "확인": "ack",
    "pass": "pass", "넘김": "pass", "넘기기": "pass",
    "cannot": "cannot", "못함": "cannot", "못해요": "cannot",
    "leave": "leave", "휴가": "leave",
}
SEEN_TTL = 86400  # seconds a MessageSid is remembered (Twilio retries within minutes)
MAX_NOTE = 200
DEFAULT_MAX_REQUESTS = 1  # call-back requests one volunteer holds at once


def _seen_key(config: Settings, message_sid: str) -> str:
    return hotline_keys.of(config).volunteer_command(message_sid)


def handle(conn: redis.Redis, config: Settings, from_number: str, body: str,
           message_sid: str, now: float | None = None) -> str | None:
    """Run a volunteer's SMS command and return the reply; None if the sender is no volunteer."""
    return handle_for(conn, config, volunteers.by_phone(conn, config, from_number), body,
                      message_sid, now)


def handle_for(conn: redis.Redis, config: Settings, volunteer: Volunteer | None,
               body: str, message_sid: str, now: float | None = None,
               later: list[jobs.JobSpec] | None = None) -> str | None:
    """handle(), the sender's record known already (the webhook reads it with the claim).
    `later`: where the command's jobs go (the pipeline's answer carries them)."""
    if volunteer is None:
        return None
    lang = volunteer_texts.language_of(conn, config, volunteer)
    seen = _seen_key(config, message_sid) if message_sid else ""
    if seen and not conn.set(seen, "", nx=True, ex=SEEN_TTL):
        earlier = conn.get(seen)  # a Twilio retry: the same reply, nothing done twice
        if isinstance(earlier, bytes) and earlier:
            return earlier.decode()
        return volunteer_texts.text(conn, config, "volunteer_busy", lang)
    reply = run(conn, config, volunteer, body, time.time() if now is None else now, lang, later)
    if seen:
        conn.set(seen, reply, ex=SEEN_TTL)
    return reply


def run(conn: redis.Redis, config: Settings, volunteer: Volunteer, body: str,
        now: float, lang: str | None = None, later: list[jobs.JobSpec] | None = None) -> str:
    """Carry out one command (no idempotency check) and return the reply; its jobs are
    enqueued now, or added to `later`."""
    lang = lang or volunteer_texts.language_of(conn, config, volunteer)
    words = (body or "").strip().split(maxsplit=2)
    word = words[0].casefold() if words else ""
    command = ALIASES.get(word)
    if command == "next":
        return next_request(conn, config, volunteer, now, lang, later).text
    if command == "done":
        return _done(conn, config, volunteer, words[1:], now, lang)
    if command in ("on", "off"):
        volunteers.set_available(conn, config, volunteer.id, command == "on")
        return volunteer_texts.text(conn, config, f"volunteer_{command}", lang)
    if command == "ack":
        return urgent_intake.acknowledge(conn, config, volunteer, words[1:], now, lang, later)
    if command == "pass":
        return urgent_intake.pass_case(conn, config, volunteer, words[1:], now, lang,
                                       later).text
    if command == "cannot":
        return _cannot(conn, config, volunteer, now, lang, later)
    if command == "leave":
        return take_leave(conn, config, volunteer, words[1:], now, lang).text
    if command == "help":
        return volunteer_texts.text(conn, config, "volunteer_help", lang)
    return volunteer_texts.text(conn, config, "volunteer_unknown", lang)


def max_requests(config: Settings) -> int:
    """How many call-back requests one volunteer may hold at once (staff raise it)."""
    try:
        return max(1, int(config.volunteer_max_requests or DEFAULT_MAX_REQUESTS))
    except (TypeError, ValueError):
        return DEFAULT_MAX_REQUESTS


def take_next(conn: redis.Redis, config: Settings, volunteer: Volunteer, now: float,
              lang: str | None = None) -> str:
    """NEXT: take the best waiting request in the volunteer's languages and ring them."""
    return next_request(conn, config, volunteer, now, lang).text


def next_request(conn: redis.Redis, config: Settings, volunteer: Volunteer, now: float,
                 lang: str | None = None, later: list[jobs.JobSpec] | None = None,
                 via: str = "sms") -> Answer:
    """take_next(), telling a request taken (ok) from a refusal (OFF, holding one); `via`
    names the way it came for the access log."""
    lang = lang or volunteer_texts.language_of(conn, config, volunteer)
    current = volunteers.get(conn, config, volunteer.id) or volunteer  # ON/OFF as it is now
    if not current.available:
        return Answer(volunteer_texts.text(conn, config, "volunteer_next_off", lang), ok=False)
    try:
        req = callbacks.take_next(conn, config, volunteer.languages, volunteer.id, now,
                                  limit=max_requests(config))
    except Holding as held:
        return Answer(volunteer_texts.text(conn, config, "volunteer_holding", lang,
                                           id=held.held[0]), ok=False)
    if req is None:
        return Answer(volunteer_texts.text(conn, config, "volunteer_empty", lang))
    jobs.send(conn, jobs.call_volunteer_job(req.id, volunteer.id, req.taken), later)
    access_log.record(conn, config, volunteer.name, "callback_taken", req.id, now, via)
    urgent_intake.taken_from_queue(conn, config, req, volunteer, now, later)
    return Answer(volunteer_texts.text(
        conn, config, "volunteer_taken", lang, id=req.id,
        language=volunteer_texts.language_name(conn, config, req.language, lang),
        topic=volunteer_texts.topic_name(conn, config, req.topic, lang),
        waited=volunteer_texts.waited(conn, config, req.age(now), lang)))


def _done(conn: redis.Redis, config: Settings, volunteer: Volunteer, args: list[str],
          now: float, lang: str) -> str:
    def say(name: str, **values: str) -> str:
        return volunteer_texts.text(conn, config, f"volunteer_{name}", lang, **values)

    if not args:
        return say("done_needs_id")
    rid = args[0].lstrip("#")
    if not rid.isdigit():  # DONE <case code>: the call back of that urgent case
        case = urgent.get(conn, config, rid[:8])
        rid = case.callback if case and case.callback else rid
    req = callbacks.get(conn, config, rid) if rid.isdigit() else None
    if req is None or req.status not in callbacks.OPEN:
        return say("not_found", id=rid[:12])
    if req.volunteer != volunteer.id and volunteer.role != "staff":
        return say("not_yours", id=rid)
    note = args[1][:MAX_NOTE] if len(args) > 1 else ""
    callbacks.close(conn, config, rid, Status.DONE, now, note=note)
    access_log.record(conn, config, volunteer.name, "callback_closed", f"{rid} done", now, "sms")
    return say("closed", id=rid)


def _cannot(conn: redis.Redis, config: Settings, volunteer: Volunteer, now: float,
            lang: str, later: list[jobs.JobSpec] | None = None) -> str:
    """CANNOT, after a shift reminder: the volunteer is away for that shift (it becomes a
    gap, so paging skips them), staff are told and the shift is offered to the others."""
    key = hotline_keys.of(config).rota_sent(f"next-{volunteer.id}")
    raw = conn.get(key)
    if not isinstance(raw, bytes):
        return volunteer_texts.text(conn, config, "shift_cannot_none", lang)
    shift = json.loads(raw)
    try:
        overrides.away(conn, config, volunteer.id, float(shift["start"]), float(shift["end"]),
                       now)
    except overrides.OverrideError:  # the shift is over already
        return volunteer_texts.text(conn, config, "shift_cannot_none", lang)
    conn.delete(key)
    jobs.send(conn, jobs.shift_dropped_job(volunteer.id, str(shift["level"]),
                                           float(shift["start"])), later)
    return volunteer_texts.text(conn, config, "shift_cannot_ok", lang)


def take_leave(conn: redis.Redis, config: Settings, volunteer: Volunteer, args: list[str],
               now: float, lang: str | None = None) -> Answer:
    """LEAVE <first day> [last day]: no pages or shifts for the volunteer on those days
    (their shifts count as gaps); the web page's leave form does the same."""
    lang = lang or volunteer_texts.language_of(conn, config, volunteer)
    days = " ".join(args).split()
    if not days or len(days) > 2:
        return Answer(volunteer_texts.text(conn, config, "volunteer_leave_bad", lang), ok=False)
    try:
        first, last = rota.leave(conn, config, volunteer.id, days[0], days[-1], now)
    except ValueError:  # OverrideError too: a leave already over
        return Answer(volunteer_texts.text(conn, config, "volunteer_leave_bad", lang), ok=False)
    return Answer(volunteer_texts.text(conn, config, "volunteer_leave_ok", lang,
                                       first=first.isoformat(), last=last.isoformat()))
