"""SMS: engine actions as TwiML <Message>s, joined while they still fit one segment."""

from __future__ import annotations

from collections.abc import Iterable

from twilio.twiml.messaging_response import MessagingResponse

from hotline.channels import language_of, xml_safe
from hotline.engine.actions import Action, Ask, Say
from hotline.engine.model import Script
from hotline.engine.segments import count_segments
from hotline.engine.wording import sms_text


def messages(actions: Iterable[Action], script: Script) -> list[str]:
    """Return the SMS texts: consecutive ones joined while one segment holds them."""
    out: list[str] = []
    joinable = False  # whether the last message may take the next text
    for action in actions:
        if not isinstance(action, (Say, Ask)):
            joinable = False  # End and Handoff add nothing, but break a run
            continue
        text = xml_safe(sms_text(action, language_of(script, action.language)))
        if not text:
            continue
        if joinable and out and count_segments(out[-1] + "\n" + text).segments <= 1:
            out[-1] = out[-1] + "\n" + text
        else:
            out.append(text)
        joinable = True
    return out


def render(actions: Iterable[Action], script: Script) -> MessagingResponse:
    """Return the TwiML reply for these actions (an empty <Response/> when nothing to say)."""
    response = MessagingResponse()
    for text in messages(actions, script):
        response.message(text)
    return response
