"""The answer to a caller over the rate limit: one short line, then nothing."""

from __future__ import annotations

from twilio.twiml.messaging_response import MessagingResponse
from twilio.twiml.voice_response import VoiceResponse

from hotline.ratelimit import TOO_MANY, Verdict

VOICE = ("Polly.Seoyeon", "ko-KR")


def over_limit(channel: str, verdict: Verdict) -> VoiceResponse | MessagingResponse:
    """Return the TwiML for a text or call over the limit (WARN: say so once; SILENT: nothing).

    A silenced call is rejected busy, so it costs the caller nothing.
    """
    if channel == "sms":
        message = MessagingResponse()
        if verdict == Verdict.WARN:
            message.message(TOO_MANY["sms"])
        return message
    voice = VoiceResponse()
    if verdict == Verdict.WARN:
        voice.say(TOO_MANY["voice"], voice=VOICE[0], language=VOICE[1])
        voice.hangup()
    else:
        voice.reject(reason="busy")
    return voice
