"""The bridged call: ring the volunteer, whisper the request, dial the caller on 1.

Neither side sees the other's number: both legs show the hotline number. The caller's
number is decrypted only in the connect view, at the moment it is dialled. The texts
it says are the scripts' phrases (hotline.scripts.volunteer_texts), in their voices.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from enum import Enum
from urllib.parse import urlencode
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import redis

from hotline import jobs
from hotline.callbacks import follow, voicemail
from hotline.callbacks import queue as callbacks
from hotline.callbacks.queue import Priority, Request, Status
from hotline.channels.calls import AskKey, HangUp, Play, Speak, Step, twiml
from hotline.config import Settings
from hotline.engine.actions import Dial, DialNumber
from hotline.scripts import volunteer_texts
from hotline.scripts.volunteer_texts import Phrases

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 3  # calls that do not reach the caller before we send one SMS and stop
RETRY_AFTER = (2 * 3600, 20 * 3600)  # wait after the 1st and 2nd unanswered call
URGENT_RETRY_AFTER = (10 * 60, 30 * 60)  # an urgent case: soon, at any hour
LOCAL_HOURS = (9, 20)  # call a caller back only between 09:00 and 20:00 their time
DIAL_TIMEOUT = 30
AUTOCLOSE_AFTER = 24 * 3600  # a call that got through is closed after this without DONE
ENDED = {"completed", "busy", "no-answer", "failed", "canceled"}  # a call leg that is over


WHISPER_TIMEOUT = 10  # seconds the volunteer has to press 1


def path(view: str, request_id: str, **extra: str) -> str:
    """The path (and query) of one of the bridged-call views for this request."""
    return f"/twilio/calls/{view}?{urlencode({'request': request_id, **extra})}"


def url(config: Settings, view: str, request_id: str, **extra: str) -> str:
    """Return the absolute URL of one of the bridged-call views for this request."""
    return str(config.public_url or "").rstrip("/") + path(view, request_id, **extra)


def _speak(words: Phrases, name: str, language: str, /, **values: object) -> Speak:
    """Phrase `name` in `language`, said in the script's voice for it."""
    return Speak(words.text(name, language, **values), *words.voice(language))


def whisper_steps(words: Phrases, config: Settings, req: Request, now: float,
                  language: str) -> tuple[Step, ...]:
    """What the volunteer hears: the caller's voice message if they left one (the phrase
    volunteer_message, then the audio through our signed URL), then the request (the
    phrase volunteer_whisper in their language) twice, then 'press 1 to connect'; no key:
    'not connected', hang up."""
    lang = words.spoken(language)
    message: tuple[Step, ...] = ()
    if req.message:
        message = (_speak(words, "volunteer_message", lang),
                   Play(voicemail.play_url(config, req.id, now)))
    said = _speak(words, "volunteer_whisper", lang, id=" ".join(req.id),
                  language=words.language_name(req.language, lang),
                  topic=words.topic_name(req.topic, lang),
                  waited=words.waited(req.age(now), lang))
    return (*message,
            AskKey((said, said),  # said twice: the volunteer may miss the start
                   url(config, "connect", req.id, lang=lang), WHISPER_TIMEOUT),
            _speak(words, "volunteer_not_connected", lang), HangUp())


def whisper_twiml(conn: redis.Redis, config: Settings, req: Request, now: float,
                  language: str) -> str:
    """whisper_steps() with the live scripts' phrases, as TwiML (the job that rings)."""
    return twiml(whisper_steps(volunteer_texts.live(conn, config), config, req, now,
                               language))


def connect_steps(words: Phrases, config: Settings, req: Request, number: str,
                  language: str) -> tuple[Step, ...]:
    """Say 'connecting', then dial the caller with the hotline number as caller ID."""
    return (_speak(words, "volunteer_connecting", language),
            Dial((DialNumber(number),), str(config.hotline_number or ""), DIAL_TIMEOUT,
                 path("dialed", req.id, lang=language)))


def say_steps(words: Phrases, name: str, language: str, /, **values: object
              ) -> tuple[Step, ...]:
    """Say phrase `name` (filled in with `values`) and hang up."""
    return (_speak(words, name, language, **values), HangUp())


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


def language(asked: str | None, words: Phrases) -> str:
    """The language a bridged-call URL asks for, if the scripts speak it; else their
    default language."""
    return words.spoken(asked or "")


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
               asked: str | None, now: float) -> tuple[Step, ...]:
    """The volunteer answered the whisper: on 1 dial the caller, else back to the queue.
    `asked`: the language the URL asks for (the words are the scripts' phrases)."""
    words = volunteer_texts.live(conn, config)
    lang = language(asked, words)
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
        return say_steps(words, "volunteer_not_connected", lang)
    callbacks.mark_connected(conn, config, rid)
    log.info("request %s: volunteer connected, dialling the caller", rid)
    return connect_steps(words, config, req, number, lang)


def on_dialed(conn: redis.Redis, config: Settings, rid: str, dial_status: str,
              asked: str | None, now: float) -> tuple[Step, ...]:
    """The caller's leg ended: answered (wait for DONE) or not (try again later).
    `asked`: the language the URL asks for (the words are the scripts' phrases)."""
    req = callbacks.get(conn, config, rid)
    end = dial_ended(req, dial_status)
    if end is DialEnd.STALE or req is None:
        return ()
    if req.case:  # the call back of an urgent case: its timeline shows how the call went
        follow.tell(conn, config, follow.CallEnded(rid, req.case, dial_status, now))
    words = volunteer_texts.live(conn, config)
    lang = language(asked, words)
    if end is DialEnd.ANSWERED:
        jobs.schedule_autoclose(conn, rid, now + AUTOCLOSE_AFTER)
        log.info("request %s: caller answered", rid)
        return say_steps(words, "volunteer_call_ended", lang, id=rid)
    decided = caller_missed(conn, config, req, now)
    log.info("request %s: caller did not answer (%s), %s", rid, dial_status or "?", decided)
    return say_steps(words, "volunteer_caller_missed", lang)


def on_status(conn: redis.Redis, config: Settings, rid: str, leg: str,
              call_status: str) -> tuple[Step, ...]:
    """Status of the volunteer's call: ended without pressing 1 -> back in the queue."""
    if (back_in_queue(callbacks.get(conn, config, rid), leg, call_status)
            and callbacks.release(conn, config, rid)):
        log.info("request %s: volunteer call %s before connecting; back in the queue",
                 rid, call_status)
    return ()
