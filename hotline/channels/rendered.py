"""Rendered TwiML kept per script version: the same actions render to the same document.

Most answers are a script's own menus and questions, the same for every caller, and
rendering them (voice wording, SSML runs, segment counts, the document) cost about a
twelfth of a webhook's CPU. A document is kept on the Script object it was rendered
with (Script.kept: a published version is a new object, so an edit is never answered
from here),
under the actions, channel and URL it was made from. Only what has been rendered twice
is kept (the first time, only a hash of it is noted), so a one-off answer, such as one
holding a caller's own words through {var}, is not held, and at most KEPT documents
per version are. A voice document's Gather action carries a fresh token every time
(`?t=`), as a new rendering would: the replay guard tells two equal presses apart by it.
"""

from __future__ import annotations

from collections.abc import Hashable

from hotline import entropy
from hotline.channels import sms, voice
from hotline.channels.twiml import text as twiml_text
from hotline.engine.actions import Action
from hotline.engine.model import Script

KEPT = 512  # documents kept per script version; then they are dropped and kept anew


def _render(channel: str, actions: tuple[Action, ...], script: Script | None,
            public_url: str, transcribe: bool, token: str) -> str:
    # No script only with no actions (nothing to say): the renderers never look at it then.
    if channel == "sms":
        return twiml_text(sms.render(actions, script))  # type: ignore[arg-type]
    return twiml_text(voice.render(actions, script,  # type: ignore[arg-type]
                                   public_url, transcribe, token=token))


def twiml(channel: str, actions: tuple[Action, ...], script: Script | None,
          public_url: str, transcribe: bool = False) -> str:
    """The TwiML for these actions, as sms.render / voice.render would write it (`script`
    None: an answer with nothing to say, from no script)."""
    token = entropy.token(6) if channel != "sms" else ""  # SMS has no Gather
    if script is None:
        return _render(channel, actions, script, public_url, transcribe, token)
    key: Hashable = (channel, actions, public_url, transcribe)
    kept = script.kept("_rendered_twiml")  # key -> (document, its token)
    try:
        found: tuple[str, str] | None = kept.get(key)
    except TypeError:  # an action holding a mapping: rendered each time
        return _render(channel, actions, script, public_url, transcribe, token)
    if found is not None:
        document, old = found
        return document.replace(f"?t={old}", f"?t={token}") if token else document
    document = _render(channel, actions, script, public_url, transcribe, token)
    seen = script.kept("_rendered_seen")  # hashes of what was rendered once
    marker = hash(key)
    if marker in seen:
        if len(kept) >= KEPT:
            kept.clear()
        kept[key] = (document, token)
    else:
        if len(seen) >= 4 * KEPT:
            seen.clear()
        seen[marker] = True
    return document
