"""Rendered TwiML kept per script version: the same actions render to the same document.

Most answers are a script's own menus and questions, the same for every caller, and
rendering them (voice wording, SSML runs, segment counts, the document) cost about a
twelfth of a webhook's CPU. A document is kept on the Script object it was rendered
with (a published version is a new object, so an edit is never answered from here),
under the actions, channel and URL it was made from. Only what has been rendered twice
is kept (the first time, only a hash of it is noted), so a one-off answer, such as one
holding a caller's own words through {var}, is not held, and at most KEPT documents
per version are. A voice document's Gather action carries a fresh token every time
(`?t=`), as a new rendering would: the replay guard tells two equal presses apart by it.
"""

from __future__ import annotations

import secrets
from collections.abc import Hashable

from hotline.channels import sms, voice
from hotline.channels.twiml import text as twiml_text
from hotline.engine.actions import Action
from hotline.engine.model import Script

KEPT = 512  # documents kept per script version; then they are dropped and kept anew
_KEPT, _SEEN = "_rendered_twiml", "_rendered_seen"


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
    token = secrets.token_urlsafe(6) if channel != "sms" else ""  # SMS has no Gather
    key: Hashable = (channel, actions, public_url, transcribe)
    try:
        marker = hash(key)
    except TypeError:  # an action holding a mapping: rendered each time
        marker = None
    if script is None or marker is None:
        return _render(channel, actions, script, public_url, transcribe, token)
    held = script.__dict__  # as engine/urgent_node._per_script: per Script object
    kept: dict[Hashable, tuple[str, str]] | None = held.get(_KEPT)
    if kept is None:
        kept = held[_KEPT] = {}
        held[_SEEN] = set()
    found = kept.get(key)
    if found is not None:
        document, old = found
        return document.replace(f"?t={old}", f"?t={token}") if token else document
    document = _render(channel, actions, script, public_url, transcribe, token)
    seen: set[int] = held[_SEEN]
    if marker in seen:
        if len(kept) >= KEPT:
            kept.clear()
        kept[key] = (document, token)
    else:
        if len(seen) >= 4 * KEPT:
            seen.clear()
        seen.add(marker)
    return document
