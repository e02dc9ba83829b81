"""The reminder call to a caller who joined by voice: a short call from the hotline number
that says the reminder (phrase programme_reminder_voice, twice) and takes one key, as the
SMS replies: 1 confirms the seat, 2 cancels the sign-up, 3 asks for a call about the
programme. The web view /twilio/programmes/reminder renders what on_key() decides.
"""

from __future__ import annotations

import logging
from urllib.parse import urlencode

import redis

from hotline.callbacks import queue as callbacks
from hotline.channels.calls import AskKey, HangUp, Speak, Step, twiml
from hotline.config import Settings
from hotline.programmes import reminders, signups, store
from hotline.programmes.model import Programme, Session
from hotline.programmes.signups import SignUp
from hotline.scripts import volunteer_texts
from hotline.scripts.volunteer_texts import Phrases

log = logging.getLogger("hotline.programmes")

KEY_TIMEOUT = 8  # seconds the caller has to press a key


def path(signup_id: str, language: str) -> str:
    """The path (and query) of the view that takes the key pressed in a reminder call."""
    return f"/twilio/programmes/reminder?{urlencode({'signup': signup_id, 'lang': language})}"


def _speak(words: Phrases, name: str, language: str, /, **values: str) -> Speak:
    return Speak(words.text(name, language, **values), *words.voice(language))


def reminder_steps(words: Phrases, config: Settings, programme: Programme, session: Session,
                   signup: SignUp) -> tuple[Step, ...]:
    """The call: the reminder twice while waiting for a key; no key: hang up."""
    language = words.spoken(signup.language or "ko")
    said = _speak(words, "programme_reminder_voice", language,
                  **reminders.reminder_values(programme, session, language, "ko"))
    action = str(config.public_url or "").rstrip("/") + path(signup.id, language)
    return AskKey((said, said), action, KEY_TIMEOUT), HangUp()


def reminder_twiml(conn: redis.Redis, config: Settings, programme: Programme,
                   session: Session, signup: SignUp) -> str:
    """reminder_steps() with the live scripts' phrases, as TwiML (the reminder job)."""
    return twiml(reminder_steps(volunteer_texts.live(conn, config), config, programme,
                                session, signup))


def on_key(conn: redis.Redis, config: Settings, signup_id: str, digits: str,
           language: str, now: float) -> tuple[Step, ...]:
    """What the call does after the caller pressed `digits` (see the module docstring)."""
    words = volunteer_texts.live(conn, config)
    language = words.spoken(language or "ko")
    signup = signups.get(conn, config, signup_id[:40])
    programme = store.get(conn, config, signup.programme) if signup else None
    session = programme.session(signup.session) if programme and signup else None
    if signup is None or programme is None or session is None:
        return (HangUp(),)  # the sign-up is gone (cancelled, erased): nothing to answer
    key = digits.strip()[:1]
    if key == "1":
        signups.confirm(conn, config, signup)
        said = "programme_voice_confirmed"
    elif key == "2":
        signups.cancel(conn, config, signup)
        said = "programme_voice_cancelled"
    elif key == "3":
        number = signups.number_of(conn, config, signup.id)
        if not number:
            return (HangUp(),)
        placed = callbacks.create(conn, config, number, language=signup.language or language,
                                  topic="programme", now=now, idem=f"progvoice-{signup.id}")
        if not placed.existing:
            callbacks.note_about(conn, config, placed.request.id, programme.id)
        said = "programme_voice_callback"
    else:  # another key: the reminder once more
        return reminder_steps(words, config, programme, session, signup)
    log.info("sign-up %s: reminder call answered with %s", signup.id, key)
    return _speak(words, said, language), HangUp()
