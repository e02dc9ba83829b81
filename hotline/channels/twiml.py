"""TwiML documents as text, without building an ElementTree: the twilio library's verbs
(VoiceResponse, MessagingResponse, Gather, ...) written out directly.

`str(response)` builds an xml.etree Element per verb and serialises it through
ElementTree's writer; on a webhook that was a tenth of the hotline's own CPU. `text()`
writes the same characters, byte for byte (attributes sorted by name, booleans as
true/false, text and attributes escaped as ElementTree escapes them, `<Empty />`),
which tests/web/test_twiml_text.py checks against the library for every node of
the scripts and for words with every character XML escapes.
"""

from __future__ import annotations

import json

from twilio.twiml import TwiML

DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>'


def _escape_text(text: str) -> str:
    if "&" in text:
        text = text.replace("&", "&amp;")
    if "<" in text:
        text = text.replace("<", "&lt;")
    if ">" in text:
        text = text.replace(">", "&gt;")
    return text


def _escape_attribute(text: str) -> str:
    text = _escape_text(text)
    if '"' in text:
        text = text.replace('"', "&quot;")
    if "\r" in text:
        text = text.replace("\r", "&#13;")
    if "\n" in text:
        text = text.replace("\n", "&#10;")
    if "\t" in text:
        text = text.replace("\t", "&#09;")
    return text


def _write(verb: TwiML, out: list[str]) -> None:
    out.append("<" + verb.name)
    attrs = verb.attrs
    for name in sorted(attrs):
        value = attrs[name]
        value = str(value).lower() if isinstance(value, bool) else str(value)
        out.append(f' {name}="{_escape_attribute(value)}"')
    text = verb.value
    if isinstance(text, dict):
        text = json.dumps(text)
    if not text and not verb.verbs:
        out.append(" />")
        return
    out.append(">")
    if text:
        out.append(_escape_text(text))
    for child in verb.verbs:
        if isinstance(child, str):  # text after the last child (or the element's own)
            out.append(_escape_text(child))
        else:
            _write(child, out)
    out.append(f"</{verb.name}>")


def text(response: TwiML) -> str:
    """The document as `str(response)` would write it."""
    out = [DECLARATION]
    _write(response, out)
    return "".join(out)
