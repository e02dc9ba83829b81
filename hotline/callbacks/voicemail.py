"""Voice messages: a caller's recording attached to a callback request, heard by the
volunteer who takes it, and deleted at Twilio when it is no longer needed.

A message comes from the caller's <Record> (channels/voice.record): Twilio posts its
RecordingSid to /twilio/voicemail/recorded, and it becomes a callback request (or is
attached to an urgent case's call back). Only the sid is kept, sealed, in its own key
(keys: cb:rec:<id>), never a link to the audio nor the caller's number. The volunteer
hears it on the web page (streamed through the hotline: hotline/recordings.py) or in the
whisper of the bridged call (<Play> of our own signed, short-lived URL: Twilio fetches
media without a login, so the URL carries an HMAC that only the hotline can make).

Recordings are personal data. They are deleted at Twilio by an RQ job with retries when
the request closes, when the caller sends DELETE (or staff run `hotline forget`), and at
the retention limit; the sealed sid stays until Twilio confirms, so a failed delete is
asked again (the job's retries, then every retention purge).
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import time
from dataclasses import dataclass
from typing import Any, Protocol

import redis

from hotline.callbacks import queue as callbacks
from hotline.callbacks.queue import Priority
from hotline.channels.calls import HangUp, Speak, Step
from hotline.config import Settings
from hotline.privacy.vault import vault_for
from hotline.scripts import volunteer_texts

log = logging.getLogger("hotline.voicemail")

PLAY_TTL = 900  # seconds a whisper's signed audio URL works (the call rings, then plays)
PLAY_PATH = "/media/voicemail/"  # + request id: the audio for Twilio's <Play>


@dataclass(frozen=True)
class Message:
    """The latest voice message of a request: its Twilio sid, length, transcription."""

    sid: str
    seconds: int
    text: str = ""


def _s(value: Any) -> str:
    """A Redis reply as text."""
    return value.decode() if isinstance(value, bytes) else str(value)


def _hash(conn: redis.Redis, key: str) -> dict[str, Any]:
    """A hash with its field names as text (values as stored)."""
    data: Any = conn.hgetall(key)
    return {_s(k): v for k, v in data.items()}


def _seal(config: Settings, value: str) -> str:
    return vault_for(config.encryption_key or "").seal(value)


def _open(config: Settings, value: bytes | str | None) -> str:
    if not value or not config.encryption_key:
        return ""
    return vault_for(config.encryption_key).decrypt(value) or ""


def attach(conn: redis.Redis, config: Settings, rid: str, recording_sid: str,
           seconds: int, now: float) -> None:
    """Attach recording `recording_sid` to request `rid` (a caller may leave several:
    the latest is heard, every one is deleted)."""
    k = callbacks.keys(config)
    counted: Any = conn.hincrby(k.recording(rid), "n", 1)
    n = int(counted)
    pipe = conn.pipeline()
    pipe.hset(k.recording(rid), mapping={f"sid.{n}": _seal(config, recording_sid),
                                         f"secs.{n}": str(max(0, seconds))})
    pipe.zadd(k.recordings, {rid: now}, nx=True)
    if conn.exists(k.req(rid)):
        pipe.hset(k.req(rid), "message", "1")
    pipe.execute()


def left(conn: redis.Redis, config: Settings, *, number: str, call_sid: str,
         recording_sid: str, seconds: int, topic: str, language: str, rid: str,
         now: float) -> str:
    """A caller left a message: attach it to request `rid` (an urgent case's call back),
    else to the caller's request about `topic` (filed now, or the one they have).
    Returns the request id ('' when the number cannot be called back)."""
    if not rid:
        try:
            placed = callbacks.create(conn, config, number, language=language,
                                      topic=topic or "other", now=now,
                                      priority=Priority.HIGH, idem=f"msg-{call_sid}")
        except ValueError:
            placed = None
        rid = placed.request.id if placed else ""
    if not recording_sid:
        return rid
    req = callbacks.get(conn, config, rid) if rid else None
    if req is not None and req.status in callbacks.OPEN and int(seconds) > 0:
        attach(conn, config, rid, recording_sid, seconds, now)
        log.info("request %s: voice message of %ss attached", rid, seconds)
    else:  # silence, or nobody can call back: of no use, and it must not stay at Twilio
        unused = f"x{int(now * 1000)}"
        attach(conn, config, unused, recording_sid, seconds, now)
        schedule_delete(conn, config, unused)
    return rid


def message_of(conn: redis.Redis, config: Settings, rid: str) -> Message | None:
    """The latest message of request `rid`, opened (None: no message, or no key)."""
    data = _hash(conn, callbacks.keys(config).recording(rid))
    numbers = sorted((int(f[4:]) for f in data if f.startswith("sid.")), reverse=True)
    for n in numbers:
        sid = _open(config, data.get(f"sid.{n}"))
        if sid:
            return Message(sid, int(data.get(f"secs.{n}", b"0") or 0),
                           _open(config, data.get(f"text.{n}")))
    return None


def transcribed(conn: redis.Redis, config: Settings, recording_sid: str, text: str) -> str:
    """Twilio's transcription of a message: kept sealed beside it; returns the request id
    ('' when no kept message has that sid, e.g. deleted already)."""
    k = callbacks.keys(config)
    ids: Any = conn.zrange(k.recordings, 0, -1)
    for raw in ids:
        rid = _s(raw)
        for name, value in _hash(conn, k.recording(rid)).items():
            if name.startswith("sid.") and _open(config, value) == recording_sid:
                conn.hset(k.recording(rid), f"text.{name[4:]}", _seal(config, text[:1000]))
                return rid
    return ""


def schedule_delete(conn: redis.Redis, config: Settings, rid: str) -> bool:
    """Have request `rid`'s messages deleted at Twilio (an RQ job with retries); the
    transcription goes now. False when it has none."""
    return callbacks.drop_messages(conn, config, rid)


class Deleter(Protocol):
    """What deletes a recording at Twilio (hotline.recordings.RecordingApi)."""

    def delete(self, sid: str) -> bool: ...


def delete_at_twilio(conn: redis.Redis, config: Settings, rid: str, api: Deleter) -> str:
    """Delete every message of request `rid` at Twilio (`api`: hotline.recordings.
    RecordingApi); forget each sid once Twilio confirms. A refusal raises (RQ retries)."""
    k = callbacks.keys(config)
    gone = 0
    for name, value in sorted(_hash(conn, k.recording(rid)).items()):
        if not name.startswith("sid."):
            continue
        sid = _open(config, value)
        if sid:
            api.delete(sid)  # raises: retried by RQ
        n = name[4:]
        conn.hdel(k.recording(rid), name, f"secs.{n}", f"text.{n}")
        gone += 1
    if not any(name.startswith("sid.") for name in _hash(conn, k.recording(rid))):
        conn.delete(k.recording(rid))
        conn.zrem(k.recordings, rid)
    log.info("request %s: %d voice message(s) deleted at Twilio", rid, gone)
    return f"deleted {gone}"


def purge(conn: redis.Redis, config: Settings, cutoff: float) -> int:
    """Ask again for every message recorded before `cutoff` (the retention limit), and
    for any whose earlier delete ran out of retries; returns how many were asked."""
    k = callbacks.keys(config)
    asked = 0
    due: Any = conn.zrangebyscore(k.recordings, "-inf", cutoff)
    for raw in due:
        asked += schedule_delete(conn, config, _s(raw))
    return asked


def erase(conn: redis.Redis, config: Settings, rids: set[str]) -> int:
    """DELETE or forget: the messages of these requests are deleted at Twilio now."""
    return sum(schedule_delete(conn, config, rid) for rid in sorted(rids))


def play_token(config: Settings, rid: str, expires: int) -> str:
    """The HMAC that lets Twilio fetch request `rid`'s audio until `expires`."""
    key = str(config.secret_key or "").encode()
    return hmac.new(key, f"voicemail:{rid}:{expires}".encode(), hashlib.sha256).hexdigest()[:32]


def play_url(config: Settings, rid: str, now: float) -> str:
    """The signed, short-lived URL of request `rid`'s audio, for a whisper's <Play>."""
    expires = int(now) + PLAY_TTL
    base = str(config.public_url or "").rstrip("/")
    return f"{base}{PLAY_PATH}{rid}?exp={expires}&sig={play_token(config, rid, expires)}"


def play_allowed(config: Settings, rid: str, expires: str, sig: str,
                 now: float | None = None) -> bool:
    """True when (`expires`, `sig`) is a URL play_url() made for `rid` and it still works."""
    try:
        until = int(expires)
    except ValueError:
        return False
    if until < (time.time() if now is None else now):
        return False
    return hmac.compare_digest(play_token(config, rid, until), sig)


def on_recorded(conn: redis.Redis, config: Settings, *, number: str, call_sid: str,
                recording_sid: str, seconds: str, topic: str, language: str, rid: str,
                now: float) -> tuple[Step, ...]:
    """Twilio posted a caller's recording: keep it with their request, thank them, hang
    up (`language`: the URL's; the words are the phrase voicemail_thanks)."""
    try:
        length = int(seconds or 0)
    except ValueError:
        length = 0
    left(conn, config, number=number, call_sid=call_sid, recording_sid=recording_sid[:64],
         seconds=length, topic=topic[:40], language=language[:8] or "ko", rid=rid, now=now)
    words = volunteer_texts.live(conn, config)
    lang = words.spoken(language)
    return (Speak(words.text("voicemail_thanks", lang), *words.voice(lang)), HangUp())
