"""The webhooks write TwiML without ElementTree (channels/twiml.py): the very characters
the twilio library writes, for every menu of the scripts and for words with every
character XML escapes, and a document that parses."""

from __future__ import annotations

import os
import xml.etree.ElementTree as ET

import pytest

from hotline.channels import sms, voice
from hotline.channels.fallback import fallback
from hotline.channels.twiml import text
from hotline.engine.actions import Ask, Choice, Dial, DialNumber, End, Say
from hotline.engine.inputs import Begin, Digits, Text
from hotline.engine.loader import load_scripts
from hotline.engine.runner import step

SCRIPTS_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__)))), "ivr_scripts")
URL = "https://hotline.example.org"


def same(document) -> str:
    written = text(document)
    assert written == str(document)
    assert ET.fromstring(written.encode()).tag == "Response"
    return written


def menus(script, channel: str, depth: int = 3):
    """Every answer reached by pressing each offered key, `depth` steps deep."""
    now = 1_800_000_000.0
    todo = [(step(script, None, Begin(channel), now=now), 0)]
    while todo:
        result, level = todo.pop()
        yield result.actions
        if level >= depth:
            continue
        for action in result.actions:
            for choice in getattr(action, "choices", ()):
                event = Digits(choice.key) if channel == "voice" else Text(choice.key)
                todo.append((step(script, result.session, event, now=now), level + 1))


def test_every_menu_of_the_scripts_is_written_as_the_library_writes_it():
    scripts = load_scripts(SCRIPTS_DIR)
    seen = 0
    for script in scripts.values():
        for actions in menus(script, "voice"):
            same(voice.render(actions, script, URL))
            seen += 1
        for actions in menus(script, "sms"):
            same(sms.render(actions, script))
            seen += 1
    assert seen > 50


@pytest.mark.parametrize("words", [
    "a & b < c > d", 'quote " and \' apostrophe', "line\nbreak\ttab\rreturn",
    "한국어 <b>굵게</b> &amp;", "", "   ", "{var} ]]> <!-- -->",
])
def test_words_with_every_character_xml_escapes(words):
    script = next(iter(load_scripts(SCRIPTS_DIR).values()))
    language = script.default_language
    ask = Ask(words or "?", language, choices=(Choice("1", words), Choice("2", 'a, "b" & <c>')))
    actions = (Say(words, language), ask, Dial((DialNumber("+8210", f"/w?x={words}&y=1"),),
                                               caller_id="+1500"), End())
    same(voice.render(actions, script, URL))
    same(voice.render((Ask(words or "?", language, expects="text"),), script, URL))
    same(sms.render((Say(words, language), Say(words + "!", language)), script))
    same(sms.render((), script))
    same(fallback("voice", "+821012345678", words, script))
