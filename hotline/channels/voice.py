"""Voice: engine actions as TwiML (Say, Gather for a question or menu, Dial, Record, Hangup)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from urllib.parse import urlencode

from twilio.twiml.voice_response import Gather, VoiceResponse

from hotline import entropy
from hotline.channels import language_of, xml_safe
from hotline.engine.actions import Action, Ask, Dial, End, Record, Say
from hotline.engine.model import Language, Script
from hotline.engine.wording import voice_text

GATHER_PATH = "/twilio/voice/gather"
GATHER_TIMEOUT = 6  # seconds of silence before the Gather posts an empty result
# Where Twilio posts a voice message (web/voicemail.py): when recorded, when transcribed.
RECORDED_PATH = "/twilio/voicemail/recorded"
TRANSCRIBED_PATH = "/twilio/voicemail/transcribed"
RECORD_SILENCE = 5  # seconds of silence that end a message


# A run of Latin-letter words (a name such as "LA Community Counselling"): two letters at
# least, so a case code's single letters stay in the sentence's own voice.
LATIN_RUN = re.compile(r"[A-Za-z]+(?:['’&.\-][A-Za-z]+)*(?:(?:\s+|\s*[&/]\s*)[A-Za-z]+"
                       r"(?:['’&.\-][A-Za-z]+)*)*")
LATIN_SPEECH = "en-US"  # the voice's language for Latin names in a non-English sentence


def _say(parent: VoiceResponse | Gather, text: str, language: Language) -> None:
    """Say `text` in the language's voice. In a language not written in Latin letters,
    Latin names are wrapped in SSML <lang xml:lang="en-US">, so the voice (Polly honours
    it) reads them as English rather than spelling them in its own sounds."""
    spoken = language.voice_language or language.speech
    attrs = {k: v for k, v in (("voice", language.voice), ("language", spoken)) if v}
    text = xml_safe(text)
    runs = [m for m in LATIN_RUN.finditer(text) if len(m.group(0)) >= 2]
    if not runs or (language.speech or "en").lower().startswith("en"):
        parent.say(text, **attrs)
        return
    say = parent.say(**attrs)
    last = 0
    for run in runs:
        if run.start() > last:
            say.nest(text[last:run.start()])
        say.lang(run.group(0), xml_lang=LATIN_SPEECH)
        last = run.end()
    if last < len(text):
        say.nest(text[last:])


def _gather(ask: Ask, language: Language, action_url: str) -> Gather:
    attrs: dict[str, object] = {
        "action": action_url,
        "method": "POST",
        "action_on_empty_result": True,
        "timeout": GATHER_TIMEOUT,
        "speech_timeout": "auto",
    }
    if language.speech:
        attrs["language"] = language.speech
    if ask.expects == "text":
        attrs.update(input="speech dtmf", finish_on_key="#")
    else:
        attrs["input"] = "dtmf speech"
        if ask.long_keys:  # one key, or a postal code then #
            attrs["finish_on_key"] = "#"
        elif ask.choices and all(len(c.key) == 1 and c.key.isdigit() for c in ask.choices):
            attrs["num_digits"] = 1
        hints = ", ".join(xml_safe(c.label).replace(",", " ") for c in ask.choices if c.label)
        if hints:
            attrs["hints"] = hints
    return Gather(**attrs)


def _spoken(ask: Ask, language: Language, script: Script) -> list[tuple[str, Language]]:
    """What a question says, in runs of one voice: an option whose label is in another
    language the script speaks (the language list) is said in that language's voice."""
    if not any(c.language and c.language != ask.language for c in ask.choices):
        return [(voice_text(ask, language), language)]
    runs: list[tuple[list[str], Language]] = [([ask.text] if ask.text else [], language)]
    for choice in ask.choices:
        own = script.languages.get(choice.language) or language
        if own is not runs[-1][1]:
            runs.append(([], own))
        runs[-1][0].append(own.press.format(key=choice.key, label=choice.label))
    return [(" ".join(words), lang) for words, lang in runs if words]


def dial(response: VoiceResponse, action: Dial, public_url: str) -> None:
    """Ring every number at once; each answerer hears its whisper page first. The one
    renderer of <Dial>: menus, urgent calls and bridged call backs all use it."""
    base = public_url.rstrip("/")
    verb = response.dial(caller_id=action.caller_id or None, timeout=action.timeout,
                         method="POST", action=f"{base}{action.after}" if action.after else None)
    for number in action.numbers:
        if number.whisper:  # the answerer hears this page before being put through
            verb.number(number.number, url=f"{base}{number.whisper}", method="POST")
        else:
            verb.number(number.number)


def record(response: VoiceResponse, action: Record, public_url: str,
           transcribe: bool = False) -> None:
    """A beep, then the caller's message until # or silence; Twilio posts it to the
    recorded page (topic, language and case in its query), and the transcription, when
    asked for, to the transcribed page. The one renderer of <Record>."""
    base = public_url.rstrip("/")
    query = urlencode({k: v for k, v in (("topic", action.topic), ("lang", action.language),
                                         ("case", action.case)) if v})
    attrs: dict[str, object] = {"action": f"{base}{RECORDED_PATH}?{query}", "method": "POST",
                                "max_length": action.max_length, "play_beep": True,
                                "timeout": RECORD_SILENCE, "finish_on_key": "#"}
    if transcribe:
        attrs.update(transcribe=True, transcribe_callback=f"{base}{TRANSCRIBED_PATH}")
    response.record(**attrs)


def render(actions: Iterable[Action], script: Script, public_url: str,
           transcribe: bool = False, token: str | None = None) -> VoiceResponse:
    """Return the TwiML a caller hears for these actions; Handoffs are never rendered.
    `transcribe`: ask Twilio for a transcription of a recorded message. `token`: the
    Gather action's token (channels/rendered.py passes its own); else a new one."""
    response = VoiceResponse()
    # A fresh token per answer: a retried delivery of this Gather's result repeats the
    # token, the same key pressed at the next question does not (conversation/replay_guard.py).
    token = token or entropy.token(6)
    action_url = f"{public_url.rstrip('/')}{GATHER_PATH}?t={token}"
    for action in actions:
        if isinstance(action, Say):
            language = language_of(script, action.language)
            if action.text:
                _say(response, voice_text(action, language), language)
        elif isinstance(action, Ask):
            language = language_of(script, action.language)
            gather = _gather(action, language, action_url)
            for text, voice_of in _spoken(action, language, script):
                _say(gather, text, voice_of)
            response.append(gather)
        elif isinstance(action, Dial):
            dial(response, action, public_url)
        elif isinstance(action, Record):
            record(response, action, public_url, transcribe)
        elif isinstance(action, End):
            response.hangup()
    return response
