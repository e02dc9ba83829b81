"""Who an urgent call rings: the first level of the rota with anyone available, at once.

first_level() picks the people and returns what to dial as plain data (the `connect` of
the urgent capability's outcome), which the engine's urgent node turns into a Dial
action and channels/voice.py renders as <Dial> with one <Number> per volunteer. Each
volunteer hears the whisper (the phrase urgent_voice_page: "urgent case, 1 takes it, 2
passes it on") in their first language the scripts speak (else the scripts' default), so
voicemail can never take the call; the Dial's `after` page (web/urgent.py) dials the next
level when nobody accepted.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

import redis

from hotline.config import Settings
from hotline.people import rota, volunteers
from hotline.scripts import volunteer_texts
from hotline.urgent import cases as urgent

MAX_NUMBERS = 10  # <Dial> rings at most 10 numbers at once
URGENT_PATH = "/twilio/urgent"


def path(view: str, **params: str) -> str:
    """A page of the urgent call under the public URL (the channel adds the base)."""
    return f"{URGENT_PATH}/{view}?{urlencode(params)}"


def first_level(conn: redis.Redis, config: Settings, code: str, language: str,
                now: float, step: int = 0) -> dict[str, Any] | None:
    """What to dial for case `code`: the first level from `step` with anyone available.

    Marks those volunteers as paged (only they may accept) and notes the dial on the
    case. None when no level from `step` has a phone to ring.
    """
    levels = rota.current(conn, config, now)
    words = volunteer_texts.live(conn, config)
    for index in range(step, len(levels)):
        people = [volunteers.get(conn, config, v) for v in levels[index].volunteers]
        ringing = [p for p in people if p is not None][:MAX_NUMBERS]
        if not ringing:
            continue
        for person in ringing:
            urgent.mark_paged(conn, config, code, person.id)
        urgent.note(conn, config, code, now, "dialled", level=levels[index].level,
                    volunteers=[p.id for p in ringing])
        return {
            "numbers": [{"number": p.phone,
                         "whisper": path("whisper", case=code, lang=words.language_for(p))}
                        for p in ringing],
            "caller_id": str(config.hotline_number or ""),
            "timeout": min(max(levels[index].ack_timeout, 5), 600),
            "after": path("dialed", case=code, step=str(index + 1), lang=language),
        }
    return None
