"""The bridged call: ring the volunteer, whisper the request, dial the caller on 1.

Neither side sees the other's number: both legs show the hotline number. The caller's
number is decrypted only in the connect view, at the moment it is dialled. The texts
here are for volunteers (whisper) and, once, for a caller we could not reach.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import redis
from twilio.twiml.voice_response import Gather, VoiceResponse

from hotline import jobs
from hotline.callbacks import queue as callbacks
from hotline.callbacks.queue import Priority, Request, Status
from hotline.engine.volunteer_phrases import fill

MAX_ATTEMPTS = 3  # calls that do not reach the caller before we send one SMS and stop
RETRY_AFTER = (2 * 3600, 20 * 3600)  # wait after the 1st and 2nd unanswered call
URGENT_RETRY_AFTER = (10 * 60, 30 * 60)  # an urgent case: soon, at any hour
LOCAL_HOURS = (9, 20)  # call a caller back only between 09:00 and 20:00 their time
DIAL_TIMEOUT = 30
AUTOCLOSE_AFTER = 24 * 3600  # a call that got through is closed after this without DONE

VOICES = {"ko": ("Polly.Seoyeon", "ko-KR"), "en": ("Polly.Joanna", "en-US")}

TOPICS = {
    "ko": {"counselling": "상담", "clinic": "병원", "shelter": "쉼터", "settlement": "정착 도움",
           "missed_call": "부재중 전화", "urgent": "긴급", "other": "기타"},
    "en": {"counselling": "counselling", "clinic": "clinic", "shelter": "shelter",
           "settlement": "settlement help", "missed_call": "missed call", "urgent": "urgent",
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


def url(config: dict[str, Any], view: str, request_id: str, **extra: str) -> str:
    """Return the absolute URL of one of the bridged-call views for this request."""
    base = str(config.get("PUBLIC_URL") or "").rstrip("/")
    return f"{base}/twilio/calls/{view}?{urlencode({'request': request_id, **extra})}"


def waited(seconds: float, language: str) -> str:
    """Say a waiting time in hours or minutes: '3시간', '45 minutes'."""
    minutes = max(1, int(seconds // 60))
    if minutes >= 120:
        return f"{minutes // 60}시간" if language == "ko" else f"{minutes // 60} hours"
    return f"{minutes}분" if language == "ko" else f"{minutes} minutes"


def whisper_twiml(config: dict[str, Any], req: Request, now: float, language: str,
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


def connect_twiml(config: dict[str, Any], req: Request, number: str, language: str) -> str:
    """TwiML that dials the caller with the hotline number as caller ID."""
    response = VoiceResponse()
    _say(response, _pick(CONNECTING, language), language)
    dial = response.dial(caller_id=config.get("HOTLINE_NUMBER"), timeout=DIAL_TIMEOUT,
                         action=url(config, "dialed", req.id, lang=language), method="POST")
    dial.number(number)
    return str(response)


def say_twiml(text: str, language: str) -> str:
    """TwiML that says one thing and hangs up."""
    response = VoiceResponse()
    _say(response, text, language)
    response.hangup()
    return str(response)


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


def caller_missed(conn: redis.Redis, config: dict[str, Any], req: Request, now: float) -> str:
    """The caller did not answer: try later at a sensible hour, or after the last try, text.

    Returns "later" or "tried" (what was decided).
    """
    attempts = req.attempts + 1
    if attempts >= MAX_ATTEMPTS:
        callbacks.postpone(conn, config, req.id, now)
        jobs.enqueue_tried_sms(conn, req.id)
        return "tried"
    if req.priority == Priority.URGENT:  # someone in danger is not left until morning
        at = now + URGENT_RETRY_AFTER[min(attempts, len(URGENT_RETRY_AFTER)) - 1]
    else:
        at = next_attempt_at(now, req.tz, attempts)
    if callbacks.postpone(conn, config, req.id, at):
        jobs.schedule_requeue(conn, req.id, at, attempts)
    return "later"


def volunteer_leg_ended(conn: redis.Redis, config: dict[str, Any], rid: str) -> bool:
    """The volunteer's call ended before they pressed 1: the request goes back to its place."""
    req = callbacks.get(conn, config, rid)
    if req is None or req.status != Status.CALLING or req.connected:
        return False
    return callbacks.release(conn, config, rid)
