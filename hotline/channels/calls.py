"""Voice: the hotline's own call legs (a volunteer rung back, a paged volunteer, a ring on
the flash number) as TwiML.

A domain decides what such a leg does next and says it as a tuple of the small steps
below (plain values, testable without Flask or Twilio); the web view renders them here.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from twilio.twiml.voice_response import Gather, VoiceResponse

from hotline.channels import voice, xml_safe
from hotline.engine.actions import Dial, Record


@dataclass(frozen=True)
class Speak:
    """Say one text with a voice (`voice` 'Polly.Seoyeon', `language` 'ko-KR')."""

    text: str
    voice: str
    language: str


@dataclass(frozen=True)
class AskKey:
    """Say `said` and wait `timeout` seconds for one key, posted to `action`."""

    said: tuple[Speak, ...]
    action: str
    timeout: int


@dataclass(frozen=True)
class HangUp:
    """End this leg."""


@dataclass(frozen=True)
class Reject:
    """Refuse the call unanswered (a busy reject is not billed to the caller)."""

    reason: str = "busy"


@dataclass(frozen=True)
class Play:
    """Play the audio at `url` (a voice message, through the hotline's own signed URL)."""

    url: str


# Dial and Record: the engine's, rendered by voice.dial and voice.record
Step = Speak | AskKey | Play | Dial | Record | HangUp | Reject


def _say(parent: VoiceResponse | Gather, step: Speak) -> None:
    # A script language without a voice or speech code: Twilio's default for it.
    parent.say(xml_safe(step.text), voice=step.voice or None, language=step.language or None)


def render(steps: Iterable[Step], public_url: str = "",
           transcribe: bool = False) -> VoiceResponse:
    """Return the TwiML for these steps, in order (no steps: an empty response). A Dial's
    pages are paths under `public_url`."""
    response = VoiceResponse()
    for step in steps:
        if isinstance(step, Speak):
            _say(response, step)
        elif isinstance(step, AskKey):
            gather = Gather(input="dtmf", num_digits=1, timeout=step.timeout, method="POST",
                            action=step.action)
            for said in step.said:
                _say(gather, said)
            response.append(gather)
        elif isinstance(step, Play):
            response.play(step.url)
        elif isinstance(step, Dial):
            voice.dial(response, step, public_url)
        elif isinstance(step, Record):
            voice.record(response, step, public_url, transcribe)
        elif isinstance(step, HangUp):
            response.hangup()
        elif isinstance(step, Reject):
            response.reject(reason=step.reason)
    return response


def twiml(steps: Iterable[Step], public_url: str = "", transcribe: bool = False) -> str:
    """render() as the XML text."""
    return str(render(steps, public_url, transcribe))
