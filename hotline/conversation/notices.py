"""The short notice a caller over the rate limit gets, with their local emergency number.

The words are the script's phrases `rate_limited` (a text, one segment) and
`rate_limited_voice` (said before the hang-up), where staff edit them; the lines below
stand in only when a script lacks them.
"""

from __future__ import annotations

from hotline.engine.emergency import emergency_number
from hotline.engine.model import Script

PHRASE = {"sms": "rate_limited", "voice": "rate_limited_voice"}

# Only for a script without the phrases: short, plain, neutral.
FALLBACK: dict[str, dict[str, str]] = {
    "sms": {"ko": "문자가 너무 많이 왔어요. 1분 뒤에 다시 보내 주세요. 급하면 {emergency}번에 전화하세요.",
            "en": "Too many texts. Please wait a minute. In an emergency, call {emergency}."},
    "voice": {"ko": "전화가 너무 자주 왔어요. 급하면 지금 {emergency}번에 전화하세요. "
                    "1분 뒤에 다시 걸어 주세요.",
              "en": "Too many calls. In an emergency, call {emergency} now. "
                    "Please call again in a minute."},
}


def limit_notice(script: Script | None, channel: str, language: str, country: str) -> str:
    """The notice over the limit for a channel ("sms" or "voice"), in `language`, naming
    the emergency number of the caller's country (112 when unknown)."""
    text = script.phrase(PHRASE[channel], language) if script is not None else ""
    if not text:
        lines = FALLBACK[channel]
        text = lines.get(language) or lines["ko"]
    return text.replace("{emergency}", emergency_number(country))
