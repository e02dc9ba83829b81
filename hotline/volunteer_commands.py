"""SMS commands from registered volunteers: NEXT, DONE <id> [note], ON, OFF, HELP.

The SMS webhook calls handle() before the menu engine: a reply text means the sender is
a volunteer and the command was handled; None means the sender is a caller.
"""

from __future__ import annotations

import time
from typing import Any

import redis

from hotline import bridge, callbacks, jobs, urgent, urgent_intake, volunteers
from hotline.callbacks import Status
from hotline.volunteers import Volunteer

# Command words, English and Korean, to the command they mean.
ALIASES = {
    "next": "next", "다음": "next",
    "done": "done", "완료": "done",
    "on": "on", "시작": "on",
    "off": "off", "끝": "off", "종료": "off",
    "help": "help", "도움": "help", "도움말": "help", "?": "help",
    "ack": "ack", "확인": "ack",
}
KOREAN = {word for word in ALIASES if not word.isascii()}

REPLIES = {
    "ko": {
        "help": "명령: 다음, 완료 번호 [메모], 확인 코드(긴급), 시작, 끝, 도움",
        "unknown": "모르는 명령이에요. ",
        "empty": "지금 기다리는 요청이 없어요.",
        "taken": "요청 {id}: {language}, {topic}, {waited} 대기. 곧 전화가 가요. 1번을 누르면 연결돼요.",
        "done_needs_id": "요청 번호를 함께 보내 주세요. 예: 완료 1042",
        "not_found": "요청 {id}번은 없거나 이미 끝났어요.",
        "not_yours": "요청 {id}번은 다른 분이 맡고 있어요.",
        "closed": "요청 {id}번을 완료했어요. 고맙습니다.",
        "on": "이제 요청을 받아요. 쉬려면 끝.",
        "off": "요청 받기를 멈췄어요. 다시 하려면 시작.",
        "busy": "처리 중이에요.",
    },
    "en": {
        "help": "Commands: NEXT, DONE <id> [note], ACK <code>, ON, OFF, HELP",
        "unknown": "Unknown command. ",
        "empty": "No callbacks are waiting now.",
        "taken": "Request {id}: {language}, {topic}, waiting {waited}. "
                 "We are calling you now; press 1 to connect.",
        "done_needs_id": "Send the request number too, e.g. DONE 1042",
        "not_found": "Request {id} does not exist or is already closed.",
        "not_yours": "Request {id} is being handled by someone else.",
        "closed": "Request {id} closed. Thank you.",
        "on": "You are available for callbacks. Text OFF to stop.",
        "off": "You are off. Text ON to take callbacks again.",
        "busy": "Working on it.",
    },
}
SEEN_TTL = 86400  # seconds a MessageSid is remembered (Twilio retries within minutes)
MAX_NOTE = 200


def _seen_key(config: dict[str, Any], message_sid: str) -> str:
    return f"{config.get('KEY_PREFIX') or 'hotline:'}vcmd:{message_sid[:64]}"


def handle(conn: redis.Redis, config: dict[str, Any], from_number: str, body: str,
           message_sid: str, now: float | None = None) -> str | None:
    """Run a volunteer's SMS command and return the reply; None if the sender is no volunteer."""
    return handle_for(conn, config, volunteers.by_phone(conn, config, from_number), body,
                      message_sid, now)


def handle_for(conn: redis.Redis, config: dict[str, Any], volunteer: Volunteer | None,
               body: str, message_sid: str, now: float | None = None) -> str | None:
    """handle(), the sender's record known already (the webhook reads it with the claim)."""
    if volunteer is None:
        return None
    lang = "ko" if volunteer.languages and volunteer.languages[0] == "ko" else "en"
    seen = _seen_key(config, message_sid) if message_sid else ""
    if seen and not conn.set(seen, "", nx=True, ex=SEEN_TTL):
        earlier = conn.get(seen)  # a Twilio retry: the same reply, nothing done twice
        if isinstance(earlier, bytes):
            return earlier.decode()
        return REPLIES[lang]["busy"]
    reply = run(conn, config, volunteer, body, time.time() if now is None else now, lang)
    if seen:
        conn.set(seen, reply, ex=SEEN_TTL)
    return reply


def run(conn: redis.Redis, config: dict[str, Any], volunteer: Volunteer, body: str,
        now: float, lang: str = "en") -> str:
    """Carry out one command (no idempotency check) and return the reply."""
    words = (body or "").strip().split(maxsplit=2)
    word = words[0].casefold() if words else ""
    command = ALIASES.get(word)
    if word in KOREAN:
        lang = "ko"
    texts = REPLIES[lang]
    if command == "next":
        return take_next(conn, config, volunteer, now, lang)
    if command == "done":
        return _done(conn, config, volunteer, words[1:], now, lang)
    if command in ("on", "off"):
        volunteers.set_available(conn, config, volunteer.id, command == "on")
        return texts[command]
    if command == "ack":
        return urgent_intake.acknowledge(conn, config, volunteer, words[1:], now, lang)
    if command == "help":
        return texts["help"]
    return texts["unknown"] + texts["help"]


def take_next(conn: redis.Redis, config: dict[str, Any], volunteer: Volunteer, now: float,
              lang: str) -> str:
    """NEXT: take the best waiting request in the volunteer's languages and ring them."""
    req = callbacks.take_next(conn, config, volunteer.languages, volunteer.id, now)
    if req is None:
        return REPLIES[lang]["empty"]
    jobs.enqueue_call_volunteer(conn, req.id, volunteer.id, req.taken)
    urgent_intake.taken_from_queue(conn, config, req, volunteer, now)
    return REPLIES[lang]["taken"].format(
        id=req.id, language=bridge.LANGUAGE_NAMES[lang].get(req.language, req.language),
        topic=bridge.TOPICS[lang].get(req.topic, req.topic),
        waited=bridge.waited(req.age(now), lang))


def _done(conn: redis.Redis, config: dict[str, Any], volunteer: Volunteer, args: list[str],
          now: float, lang: str) -> str:
    texts = REPLIES[lang]
    if not args:
        return texts["done_needs_id"]
    rid = args[0].lstrip("#")
    if not rid.isdigit():  # DONE <case code>: the call back of that urgent case
        case = urgent.get(conn, config, rid[:8])
        rid = case.callback if case and case.callback else rid
    req = callbacks.get(conn, config, rid) if rid.isdigit() else None
    if req is None or req.status not in callbacks.OPEN:
        return texts["not_found"].format(id=rid[:12])
    if req.volunteer != volunteer.id and volunteer.role != "staff":
        return texts["not_yours"].format(id=rid)
    note = args[1][:MAX_NOTE] if len(args) > 1 else ""
    callbacks.close(conn, config, rid, Status.DONE, now, note=note)
    return texts["closed"].format(id=rid)
