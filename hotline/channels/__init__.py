"""Channel renderers: engine actions as voice TwiML (voice.py) or SMS TwiML (sms.py)."""

from __future__ import annotations

import re

from hotline.engine.model import Language, Script

# Characters XML 1.0 cannot carry (C0 controls other than tab/newline/CR, surrogates,
# U+FFFE/U+FFFF). A caller's own words can come back inside a text through {var}.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def xml_safe(text: str) -> str:
    """Return text without the characters an XML document cannot hold."""
    return _NOT_XML.sub("", text)


def language_of(script: Script, code: str) -> Language:
    """Return the script's Language for a code, else its default language."""
    return (script.languages.get(code) or script.languages.get(script.default_language)
            or Language(code=code, name=code))
