"""Node coverage: which nodes of a script the transcripts showed a caller, per channel and language."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from hotline.engine.model import Script
from hotline.transcripts.files import flatten
from hotline.transcripts.runner import TranscriptResult

_VAR = re.compile(r"\{\w+\}")
SENTENCE = 10  # characters of fixed text that tell an outcome sentence from a word


def _shows(text: str, reply: str) -> bool:
    """True when every fixed piece of a text (split at {variables}) is in the reply."""
    pieces = [p for p in (flatten(p) for p in _VAR.split(text)) if p]
    if not pieces or max(len(p) for p in pieces) < 4:
        return False  # too little fixed text to tell it apart from any other reply
    return all(p in reply for p in pieces)


def _node_texts(node: Any, channel: str, language: str) -> list[str]:
    """The texts that show a caller reached a node on a channel.

    Its own text (on voice, `voice_text` when it has one), and the sentences it says
    instead in other outcomes (an urgent node's `nobody`, a callback's `existing`...).
    Never option or region labels, which other menus share, nor single words.
    """
    texts = node.texts()
    main = "voice_text" if channel == "voice" and texts.get("voice_text") else "text"
    found = [texts[main][language]] if texts.get(main, {}).get(language) else []
    found += [t[language] for name, t in texts.items()
              if name not in ("text", "voice_text") and not name.endswith(" label")
              and t.get(language) and _sentence(t[language])]
    return found


def _sentence(text: str) -> bool:
    return max(len(flatten(p)) for p in _VAR.split(text)) >= SENTENCE


def coverage(script: Script, results: Iterable[TranscriptResult]) -> dict[tuple[str, str], set[str]]:
    """Return, per (channel, language), the nodes any of whose texts a caller was shown."""
    replies: dict[str, list[str]] = {"sms": [], "voice": []}
    for result in results:
        if not result.script or result.script == script.name:
            replies.setdefault(result.channel, []).extend(flatten(r) for r in result.replies)
    seen: dict[tuple[str, str], set[str]] = {}
    for channel, texts in replies.items():
        for language in script.languages:
            seen[(channel, language)] = {
                node.id for node in script.nodes.values()
                if any(_shows(t, r) for t in _node_texts(node, channel, language)
                       for r in texts)
            }
    return seen


def uncovered(script: Script, results: Iterable[TranscriptResult],
              channels: tuple[str, ...] = ("sms", "voice")) -> list[str]:
    """Return `channel/language: node` for every node no transcript showed to a caller.

    A node with no text in a language cannot be seen in a transcript; it is listed too,
    with that reason, rather than counted as covered.
    """
    seen = coverage(script, results)
    missing = []
    for channel in channels:
        for language in script.languages:
            for node in script.nodes.values():
                if not _node_texts(node, channel, language):
                    missing.append(f"{channel}/{language}: {node.id} (it has no {language} text "
                                   "a caller sees, so no transcript can show it)")
                elif node.id not in seen.get((channel, language), set()):
                    missing.append(f"{channel}/{language}: {node.id}")
    return missing
