"""The bridged call: ring the volunteer, whisper the request, dial the caller on 1.

Neither side sees the other's number: both legs show the hotline number. The caller's
number is decrypted only in the connect view, at the moment it is dialled. The texts
here are for volunteers (whisper) and, once, for a caller we could not reach.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from enum import Enum
from urllib.parse import urlencode
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import redis
from twilio.twiml.voice_response import Gather, VoiceResponse

from hotline import jobs
from hotline.callbacks import follow
from hotline.callbacks import queue as callbacks
from hotline.callbacks.queue import Priority, Request, Status
from hotline.channels.calls import Connect, HangUp, Speak, Step
from hotline.config import Settings
from hotline.engine.volunteer_phrases import fill

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 3  # calls that do not reach the caller before we send one SMS and stop
RETRY_AFTER = (2 * 3600, 20 * 3600)  # wait after the 1st and 2nd unanswered call
URGENT_RETRY_AFTER = (10 * 60, 30 * 60)  # an urgent case: soon, at any hour
LOCAL_HOURS = (9, 20)  # call a caller back only between 09:00 and 20:00 their time
DIAL_TIMEOUT = 30
AUTOCLOSE_AFTER = 24 * 3600  # a call that got through is closed after this without DONE
ENDED = {"completed", "busy", "no-answer", "failed", "canceled"}  # a call leg that is over

VOICES = {"ko": ("Polly.Seoyeon", "ko-KR"), "en": ("Polly.Joanna", "en-US")}

TOPICS = {
    "ko": {"counselling": "상담", "clinic": "병원", "shelter": "쉼터", "settlement": "정착 도움",
           "programme": "건강 지원", "check-in": "안부 전화", "missed_call": "부재중 전화", "urgent": "긴급", "other": "기타"},
    "en": {"counselling": "counselling", "clinic": "clinic", "shelter": "shelter",
           "settlement": "settlement help", "programme": "health programme",
           "check-in": "check-in call",
           "missed_call": "missed call", "urgent": "urgent",
           "other": "other"},
}
LANGUAGE_NAMES = {
    "ko": {"ko": "한국어", "en": "영어", "zh": "중국어", "ru": "러시아어"},
    "en": {"ko": "Korean", "en": "English", "zh": "Chinese", "ru": "Russian"},
}
WHISPER = {
    "ko": "요청 {id}번. {language}, {topic}. {waited} 기다렸어요. 연결하려면 1번을 누르세요.",
    "en": "Request {id}. {language}, {topic}. Waiting {waited}. Press 1 to connect.",
}
NOT_CONNECTED = {
    "ko": "연결하지 않았어요. 요청은 대기열 제자리로 돌아갑니다.",
    "en": "Not connected. The request goes back to its place in the queue.",
}
CONNECTING = {"ko": "연결합니다.", "en": "Connecting."}
CALL_ENDED = {"ko": "통화가 끝났어요. 마치면 완료 {id} 문자를 보내 주세요.",
              "en": "The call has ended. When finished, text DONE {id}."}
CALLER_MISSED = {"ko": "받지 않았어요. 나중에 다시 시도합니다.",
                 "en": "No answer. We will try again later."}
# One SMS to a caller we could not reach: neutral, one segment in every language.
TRIED_SMS = {
    "ko": "전화를 드렸는데 연결되지 않았어요. 다시 전화를 원하시면 이 번호로 문자 주세요.",
    "en": "We tried to call you but could not reach you. "
          "To ask for a call again, text this number.",
    "zh": "我们给您打过电话，但没有接通。如需再次来电，请发短信到此号码。",
    "ru": "Мы звонили, но не дозвонились. Напишите сюда, и мы перезвоним.",
}


def _pick(texts: dict[str, str], language: str) -> str:
    return texts.get(language) or texts["ko"]


def _say(response: VoiceResponse | Gather, text: str, language: str) -> None:
    voice, code = VOICES.get(language, VOICES["ko"])
    response.say(text, voice=voice, language=code)


def url(config: Settings, view: str, request_id: str, **extra: str) -> str:
    """Return the absolute URL of one of the bridged-call views for this request."""
    base = str(config.public_url or "").rstrip("/")
    return f"{base}/twilio/calls/{view}?{urlencode({'request': request_id, **extra})}"


def waited(seconds: float, language: str) -> str:
    """Say a waiting time in hours or minutes: '3시간', '45 minutes'."""
    minutes = max(1, int(seconds // 60))
    if minutes >= 120:
        return f"{minutes // 60}시간" if language == "ko" else f"{minutes // 60} hours"
    return f"{minutes}분" if language == "ko" else f"{minutes} minutes"


def whisper_twiml(config: Settings, req: Request, now: float, language: str,
                  template: str | None = None) -> str:
    """TwiML the volunteer hears: the request, then 'press 1 to connect'. `template` is the
    phrase volunteer_whisper in the volunteer's language (else the built-in words)."""
    lang = language if language in WHISPER else "ko"
    text = fill(template or WHISPER[lang], {
        "id": " ".join(req.id), "language": LANGUAGE_NAMES[lang].get(req.language, req.language),
        "topic": TOPICS[lang].get(req.topic, req.topic), "waited": waited(req.age(now), lang)})
    response = VoiceResponse()
    gather = Gather(input="dtmf", num_digits=1, timeout=10, method="POST",
                    action=url(config, "connect", req.id, lang=lang))
    _say(gather, text, lang)
    _say(gather, text, lang)  # said twice: the volunteer may miss the start
    response.append(gather)
    _say(response, _pick(NOT_CONNECTED, lang), lang)
    response.hangup()
    return str(response)


def _speak(text: str, language: str) -> Speak:
    voice, code = VOICES.get(language, VOICES["ko"])
    return Speak(text, voice, code)


def connect_steps(config: Settings, req: Request, number: str,
                  language: str) -> tuple[Step, ...]:
    """Say 'connecting', then dial the caller with the hotline number as caller ID."""
    return (_speak(_pick(CONNECTING, language), language),
            Connect(number, config.hotline_number, DIAL_TIMEOUT,
                    url(config, "dialed", req.id, lang=language)))


def say_steps(text: str, language: str) -> tuple[Step, ...]:
    """Say one thing and hang up."""
    return (_speak(text, language), HangUp())


def next_attempt_at(now: float, tz: str, attempt: int) -> float:
    """When to try a caller again after `attempt` unanswered calls: spaced, in local hours."""
    try:
        zone = ZoneInfo(tz) if tz else ZoneInfo("Asia/Seoul")
    except ZoneInfoNotFoundError:
        zone = ZoneInfo("Asia/Seoul")
    delay = RETRY_AFTER[min(attempt, len(RETRY_AFTER)) - 1]
    local = datetime.fromtimestamp(now + delay, UTC).astimezone(zone)
    start, end = LOCAL_HOURS
    if local.hour < start:
        local = local.replace(hour=start, minute=0, second=0, microsecond=0)
    elif local.hour >= end:
        local = (local + timedelta(days=1)).replace(hour=start, minute=0, second=0,
                                                    microsecond=0)
    return local.timestamp()


def caller_missed(conn: redis.Redis, config: Settings, req: Request, now: float) -> str:
    """The caller did not answer: try later at a sensible hour, or after the last try, text.

    Returns "later" or "tried" (what was decided).
    """
    at = retry_at(req, now)
    if at is None:
        callbacks.postpone(conn, config, req.id, now)
        jobs.enqueue_tried_sms(conn, req.id)
        return "tried"
    if callbacks.postpone(conn, config, req.id, at):
        jobs.schedule_requeue(conn, req.id, at, req.attempts + 1)
    return "later"


def retry_at(req: Request, now: float) -> float | None:
    """When to call a caller again who did not answer this attempt; None after the last
    attempt (then they get one SMS saying how to ask again)."""
    attempts = req.attempts + 1
    if attempts >= MAX_ATTEMPTS:
        return None
    if req.priority == Priority.URGENT:  # someone in danger is not left until morning
        return now + URGENT_RETRY_AFTER[min(attempts, len(URGENT_RETRY_AFTER)) - 1]
    return next_attempt_at(now, req.tz, attempts)


def volunteer_leg_ended(conn: redis.Redis, config: Settings, rid: str) -> bool:
    """The volunteer's call ended before they pressed 1: the request goes back to its place."""
    if not ended_early(callbacks.get(conn, config, rid)):
        return False
    return callbacks.release(conn, config, rid)


def ended_early(req: Request | None) -> bool:
    """True when the volunteer's leg ending now sends `req` back to the queue: it is being
    called and they never pressed 1."""
    return req is not None and req.status == Status.CALLING and not req.connected


# --- the bridged call's webhooks, decided here (web/calls.py parses and renders) ----------


def language(asked: str | None) -> str:
    """The language a bridged-call URL asks for, if we have its words; else Korean."""
    return asked if asked and asked in VOICES else "ko"


class Pressed(str, Enum):
    """What the volunteer's key at the whisper leads to."""

    DIAL = "dial"  # 1 on a request being called: the caller is dialled now
    EXPIRED = "expired"  # 1, but the caller's number is no longer kept: closed as expired
    BACK = "back"  # anything but 1 (or nothing): the request goes back to its place
    GONE = "gone"  # no such request, or no longer being called: only say 'not connected'


def pressed(req: Request | None, digits: str, number_kept: bool = True) -> Pressed:
    """Decide what the volunteer's `digits` at the whisper do to request `req`."""
    if req is None:
        return Pressed.GONE
    if digits != "1" or req.status != Status.CALLING:
        return Pressed.BACK if ended_early(req) else Pressed.GONE
    return Pressed.DIAL if number_kept else Pressed.EXPIRED


class DialEnd(str, Enum):
    """What the end of the caller's leg means for the request."""

    STALE = "stale"  # not a request being called: a late or repeated report, nothing to do
    ANSWERED = "answered"  # the caller answered: the volunteer sends DONE (else closed later)
    MISSED = "missed"  # busy, no answer, failed: tried again later, or one SMS after the last


def dial_ended(req: Request | None, dial_status: str) -> DialEnd:
    """Decide what the caller's leg ending with `dial_status` means for request `req`."""
    if req is None or req.status != Status.CALLING:
        return DialEnd.STALE
    return DialEnd.ANSWERED if dial_status == "completed" else DialEnd.MISSED


def back_in_queue(req: Request | None, leg: str, call_status: str) -> bool:
    """True when a status report means the volunteer's leg ended before they pressed 1
    (the request then goes back to its place in the queue)."""
    return leg == "volunteer" and call_status in ENDED and ended_early(req)


def on_connect(conn: redis.Redis, config: Settings, rid: str, digits: str,
               lang: str, now: float) -> tuple[Step, ...]:
    """The volunteer answered the whisper: on 1 dial the caller, else back to the queue."""
    req = callbacks.get(conn, config, rid)
    choice = pressed(req, digits)
    number = None
    if choice is Pressed.DIAL:
        number = callbacks.number_of(conn, config, rid)  # decrypted now, for this Dial only
        choice = pressed(req, digits, number_kept=bool(number))
    if choice is Pressed.BACK:
        callbacks.release(conn, config, rid)
    elif choice is Pressed.EXPIRED:
        callbacks.close(conn, config, rid, Status.EXPIRED, now)
    if choice is not Pressed.DIAL or req is None or not number:
        return say_steps(NOT_CONNECTED[lang], lang)
    callbacks.mark_connected(conn, config, rid)
    log.info("request %s: volunteer connected, dialling the caller", rid)
    return connect_steps(config, req, number, lang)


def on_dialed(conn: redis.Redis, config: Settings, rid: str, dial_status: str,
              lang: str, now: float) -> tuple[Step, ...]:
    """The caller's leg ended: answered (wait for DONE) or not (try again later)."""
    req = callbacks.get(conn, config, rid)
    end = dial_ended(req, dial_status)
    if end is DialEnd.STALE or req is None:
        return ()
    if req.case:  # the call back of an urgent case: its timeline shows how the call went
        follow.tell(conn, config, follow.CallEnded(rid, req.case, dial_status, now))
    if end is DialEnd.ANSWERED:
        jobs.schedule_autoclose(conn, rid, now + AUTOCLOSE_AFTER)
        log.info("request %s: caller answered", rid)
        return say_steps(CALL_ENDED[lang].format(id=rid), lang)
    decided = caller_missed(conn, config, req, now)
    log.info("request %s: caller did not answer (%s), %s", rid, dial_status or "?", decided)
    return say_steps(CALLER_MISSED[lang], lang)


def on_status(conn: redis.Redis, config: Settings, rid: str, leg: str,
              call_status: str) -> tuple[Step, ...]:
    """Status of the volunteer's call: ended without pressing 1 -> back in the queue."""
    if (back_in_queue(callbacks.get(conn, config, rid), leg, call_status)
            and callbacks.release(conn, config, rid)):
        log.info("request %s: volunteer call %s before connecting; back in the queue",
                 rid, call_status)
    return ()
