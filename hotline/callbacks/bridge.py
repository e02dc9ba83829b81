"""The bridged call: ring the volunteer, whisper the request, dial the caller on 1.

Neither side sees the other's number: both legs show the hotline number. The caller's
number is decrypted only in the connect view, at the moment it is dialled. The texts
it says are the scripts' phrases (hotline.scripts.volunteer_texts), in their voices.
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
from hotline.scripts import volunteer_texts

MAX_ATTEMPTS = 3  # calls that do not reach the caller before we send one SMS and stop
RETRY_AFTER = (2 * 3600, 20 * 3600)  # wait after the 1st and 2nd unanswered call
URGENT_RETRY_AFTER = (10 * 60, 30 * 60)  # an urgent case: soon, at any hour
LOCAL_HOURS = (9, 20)  # call a caller back only between 09:00 and 20:00 their time
DIAL_TIMEOUT = 30
AUTOCLOSE_AFTER = 24 * 3600  # a call that got through is closed after this without DONE


def _say(response: VoiceResponse | Gather, text: str, voice: tuple[str, str]) -> None:
    name, speech = voice  # the script's voice for the language (volunteer_texts.voice)
    response.say(text, **{k: v for k, v in (("voice", name), ("language", speech)) if v})


def url(config: dict[str, Any], view: str, request_id: str, **extra: str) -> str:
    """Return the absolute URL of one of the bridged-call views for this request."""
    base = str(config.get("PUBLIC_URL") or "").rstrip("/")
    return f"{base}/twilio/calls/{view}?{urlencode({'request': request_id, **extra})}"


def whisper_twiml(conn: redis.Redis, config: dict[str, Any], req: Request, now: float,
                  language: str) -> str:
    """TwiML the volunteer hears: the request (the phrase volunteer_whisper in their
    language), then 'press 1 to connect'."""
    words = volunteer_texts.live(conn, config)
    lang = words.spoken(language)
    voice = words.voice(lang)
    text = words.text("volunteer_whisper", lang, id=" ".join(req.id),
                      language=words.language_name(req.language, lang),
                      topic=words.topic_name(req.topic, lang),
                      waited=words.waited(req.age(now), lang))
    response = VoiceResponse()
    gather = Gather(input="dtmf", num_digits=1, timeout=10, method="POST",
                    action=url(config, "connect", req.id, lang=lang))
    _say(gather, text, voice)
    _say(gather, text, voice)  # said twice: the volunteer may miss the start
    response.append(gather)
    _say(response, words.text("volunteer_not_connected", lang), voice)
    response.hangup()
    return str(response)


def connect_twiml(conn: redis.Redis, config: dict[str, Any], req: Request, number: str,
                  language: str) -> str:
    """TwiML that dials the caller with the hotline number as caller ID."""
    response = VoiceResponse()
    _say(response, volunteer_texts.text(conn, config, "volunteer_connecting", language),
         volunteer_texts.voice(conn, config, language))
    dial = response.dial(caller_id=config.get("HOTLINE_NUMBER"), timeout=DIAL_TIMEOUT,
                         action=url(config, "dialed", req.id, lang=language), method="POST")
    dial.number(number)
    return str(response)


def say_twiml(conn: redis.Redis, config: dict[str, Any], name: str, language: str,
              **values: Any) -> str:
    """TwiML that says phrase `name` (filled in with `values`) and hangs up."""
    response = VoiceResponse()
    _say(response, volunteer_texts.text(conn, config, name, language, **values),
         volunteer_texts.voice(conn, config, language))
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
