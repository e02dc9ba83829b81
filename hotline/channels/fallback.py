"""The answer when anything fails: the local emergency number, in Korean and English.

The words are the script's phrase `fallback_unavailable` and its voices (`languages:`)
when the app has its scripts loaded (they are in memory: no Redis needed); the lines
below are the last resort for when even that fails. Voice says both lines. An SMS
carries one line, in the language the caller wrote in (Latin letters: English, Chinese
or Cyrillic: the script's zh or ru line when it has one, else Korean), so it stays one segment: Korean and English together would be UCS-2 and over
70 characters.
"""

from __future__ import annotations

from twilio.twiml.messaging_response import MessagingResponse
from twilio.twiml.voice_response import VoiceResponse

from hotline.engine.matching import detect_language
from hotline.engine.model import Script
from hotline.numbers import emergency_for

PHRASE = "fallback_unavailable"
# Last resort only (no script loaded): the phrase's words and the voices of main.yaml.
KOREAN = "지금은 연결이 어렵습니다. 급하면 {emergency}에 전화하세요."
ENGLISH = "We cannot answer right now. In an emergency, call {emergency}."
LAST_RESORT_VOICES = {"ko": ("Polly.Seoyeon", "ko-KR"), "en": ("Polly.Joanna", "en-US")}


def _line(script: Script | None, language: str, last_resort: str) -> str:
    text = ((script.phrases.get(PHRASE) or {}).get(language) if script is not None
            else None)
    return text or last_resort


def _voice(script: Script | None, language: str) -> tuple[str, str]:
    if script is not None and language in script.languages:
        voice = script.voice(language)
        if voice[0]:
            return voice
    return LAST_RESORT_VOICES[language]


def fallback_lines(caller: str, script: Script | None = None) -> tuple[str, str]:
    """Return the Korean and English lines with the emergency number of the caller's country."""
    number = emergency_for(caller)
    return (_line(script, "ko", KOREAN).replace("{emergency}", number),
            _line(script, "en", ENGLISH).replace("{emergency}", number))


def fallback_voice(caller: str, script: Script | None = None) -> VoiceResponse:
    """Return voice TwiML: both lines said, then hang up."""
    korean, english = fallback_lines(caller, script)
    response = VoiceResponse()
    for text, language in ((korean, "ko"), (english, "en")):
        voice, speech = _voice(script, language)
        response.say(text, voice=voice, language=speech)
    response.hangup()
    return response


def fallback_sms(caller: str, text: str = "", script: Script | None = None) -> MessagingResponse:
    """Return SMS TwiML: one message, in English when the caller wrote in Latin letters."""
    korean, english = fallback_lines(caller, script)
    available = [*script.languages] if script is not None else ["ko", "en"]
    language = detect_language(text, available, "ko")
    line = english if language == "en" else korean
    if language not in ("ko", "en"):  # Chinese or Russian, when the script writes it
        own = _line(script, language, "")
        line = own.replace("{emergency}", emergency_for(caller)) if own else korean
    response = MessagingResponse()
    response.message(line)
    return response


def fallback(channel: str, caller: str, text: str = "", script: Script | None = None
             ) -> VoiceResponse | MessagingResponse:
    """Return the fallback TwiML for a channel ("voice" or "sms"; text: what was sent;
    script: the entry script when the app has one loaded)."""
    return (fallback_voice(caller, script) if channel == "voice"
            else fallback_sms(caller, text, script))
