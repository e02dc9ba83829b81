"""The answer when anything fails: the local emergency number, in Korean and English.

Voice says both lines. An SMS carries one line, in the language the caller wrote in
(Latin letters: English, else Korean), so it stays one segment: Korean and English
together would be UCS-2 and over 70 characters.
"""

from __future__ import annotations

from twilio.twiml.messaging_response import MessagingResponse
from twilio.twiml.voice_response import VoiceResponse

from hotline.engine.matching import detect_language
from hotline.numbers import emergency_for

KOREAN = "지금은 연결이 어렵습니다. 급하면 {number}에 전화하세요."
ENGLISH = "We cannot answer right now. In an emergency, call {number}."
KOREAN_VOICE = ("Polly.Seoyeon", "ko-KR")
ENGLISH_VOICE = ("Polly.Joanna", "en-US")


def fallback_lines(caller: str) -> tuple[str, str]:
    """Return the Korean and English lines with the emergency number of the caller's country."""
    number = emergency_for(caller)
    return KOREAN.format(number=number), ENGLISH.format(number=number)


def fallback_voice(caller: str) -> VoiceResponse:
    """Return voice TwiML: both lines said, then hang up."""
    korean, english = fallback_lines(caller)
    response = VoiceResponse()
    response.say(korean, voice=KOREAN_VOICE[0], language=KOREAN_VOICE[1])
    response.say(english, voice=ENGLISH_VOICE[0], language=ENGLISH_VOICE[1])
    response.hangup()
    return response


def fallback_sms(caller: str, text: str = "") -> MessagingResponse:
    """Return SMS TwiML: one message, in English when the caller wrote in Latin letters."""
    korean, english = fallback_lines(caller)
    response = MessagingResponse()
    response.message(english if detect_language(text, ["ko", "en"], "ko") == "en" else korean)
    return response


def fallback(channel: str, caller: str, text: str = "") -> VoiceResponse | MessagingResponse:
    """Return the fallback TwiML for a channel ("voice" or "sms"; text: what was sent)."""
    return fallback_voice(caller) if channel == "voice" else fallback_sms(caller, text)
