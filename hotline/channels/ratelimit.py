"""The answer to a caller over the rate limit: the one short notice, or nothing.

The notice's words come from the script (conversation/notices.py); here they are only
rendered like any other line: a text as one <Message>, a call as <Say> then <Hangup>.
"""

from __future__ import annotations

from twilio.twiml.messaging_response import MessagingResponse
from twilio.twiml.voice_response import VoiceResponse

from hotline.channels import sms, voice
from hotline.engine.actions import End, Say
from hotline.engine.model import Script


def notice(channel: str, script: Script, text: str, language: str
           ) -> VoiceResponse | MessagingResponse:
    """Return the TwiML of the notice: a text, or said before the hang-up on a call."""
    if channel == "sms":
        return sms.render((Say(text, language),), script)
    return voice.render((Say(text, language), End()), script, "")


def silence(channel: str) -> VoiceResponse | MessagingResponse:
    """Return an empty answer (a text over the limit whose caller was told already)."""
    return MessagingResponse() if channel == "sms" else VoiceResponse()
