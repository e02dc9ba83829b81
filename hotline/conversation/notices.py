"""The short notice a caller over the rate limit gets, with their local emergency number.

The words are the script's phrases `rate_limited` (a text, one segment) and
`rate_limited_voice` (said before the hang-up), where staff edit them; the lines below
stand in only when a script lacks them.
"""

from __future__ import annotations

from hotline.engine.emergency import emergency_number
from hotline.engine.model import Script
from hotline.engine.volunteer_phrases import CALLER_FALLBACK

PHRASE = {"sms": "rate_limited", "voice": "rate_limited_voice"}

# Only for a script without the phrases: the engine's built-in lines.
FALLBACK: dict[str, dict[str, str]] = {channel: CALLER_FALLBACK[name]
                                       for channel, name in PHRASE.items()}


def limit_notice(script: Script | None, channel: str, language: str, country: str) -> str:
    """The notice over the limit for a channel ("sms" or "voice"), in `language`, naming
    the emergency number of the caller's country (112 when unknown)."""
    text = script.phrase(PHRASE[channel], language) if script is not None else ""
    if not text:
        lines = FALLBACK[channel]
        text = lines.get(language) or lines["ko"]
    return text.replace("{emergency}", emergency_number(country))
