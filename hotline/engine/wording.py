"""How an action reads on each channel: SMS text with "reply N" lines, voice prompts.

Pure text layout shared by the channel renderers and the linter (which must measure
exactly what a caller will receive).
"""

from __future__ import annotations

from hotline.engine.actions import Ask, Say
from hotline.engine.model import Language


def sms_text(action: Say | Ask, language: Language) -> str:
    """Return the SMS a caller reads for a Say or Ask: the text, then one line per choice."""
    lines = [action.text] if action.text else []
    if isinstance(action, Ask):
        lines.extend(language.reply.format(key=c.key, label=c.label) for c in action.choices
                     if not c.voice_only)
    return "\n".join(lines)


def voice_text(action: Say | Ask, language: Language) -> str:
    """Return what a caller hears for a Say or Ask: the text, then "press N" sentences."""
    parts = [action.text] if action.text else []
    if isinstance(action, Ask):
        parts.extend(language.press.format(key=c.key, label=c.label) for c in action.choices)
    return " ".join(parts)
