"""The replay cache: answers kept for Twilio's retries, and the callers they are about.

The replay guard (conversation/replay_guard.py) keeps the answer to a first delivery,
sealed, under an HMAC of the request for REPLAY_TTL, so a retry gets the same answer and
changes nothing. An answer may hold a caller's number (a bridged call's
<Dial><Number>) or what the hotline told them, so each kept answer is also listed under
every caller it is about, with the same TTL and in the same command (replay_guard.KEEP):
the sender of the request and every number the answer dials or texts. Erasure (DELETE, `hotline forget`)
deletes the answers listed under the caller; whatever is missed expires with its TTL,
which the retention purge enforces for every `replay:*` key.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable

import redis

from hotline import keys as hotline_keys
from hotline.config import Settings
from hotline.numbers import to_e164
from hotline.privacy.domain import Caller, Erased
from hotline.privacy.vault import caller_hash

REPLAY_TTL = 900  # seconds an answer is kept for a retried delivery (Twilio retries in minutes)


def answer_key(config: Settings, digest: str) -> str:
    """The key of one delivery's answer (`digest`: an HMAC of the request)."""
    return hotline_keys.of(config).replay_answer(digest)


def index_key(config: Settings, caller_hash: str) -> str:
    """The set of answer keys that are about one caller (by the caller's HMAC)."""
    return hotline_keys.of(config).replay_index(caller_hash)


_DIALLING = re.compile("<Number|<Dial|<Message |<Sms ")  # the only tags _dialled reads


def _dialled(answer: str) -> list[str]:
    """Numbers an answer's TwiML dials or texts (<Number>, <Dial>NUMBER, <Message to>)."""
    if not _DIALLING.search(answer):  # most answers: nothing to parse
        return []
    try:
        root = ET.fromstring(answer)
    except ET.ParseError:
        return []
    found = []
    for node in root.iter():
        if node.tag in {"Number", "Dial"} and (node.text or "").strip():
            found.append((node.text or "").strip())
        if node.tag in {"Message", "Sms"} and node.get("to"):
            found.append(node.get("to") or "")
    return found


def about(config: Settings, sender: str, answer: str) -> set[str]:
    """The HMACs of the callers an answer is about: its sender, and whoever it dials.

    The hotline's own numbers (a bridged call's leg comes From the hotline) are left out.
    """
    own = {to_e164(number or "") for number in (config.hotline_number, config.flash_number)}
    numbers = {to_e164(n) for n in (sender, *_dialled(answer))} - own - {None}
    return {caller_hash(config, n) for n in numbers if n}


def forget(conn: redis.Redis, config: Settings, caller_hashes: Iterable[str]) -> int:
    """Delete every kept answer about these callers, and their lists; return how many."""
    indexes = [index_key(config, h) for h in caller_hashes]
    pipe = conn.pipeline(transaction=False)
    for index in indexes:
        pipe.smembers(index)
    answers = {key for members in pipe.execute() for key in members}
    erased = int(conn.delete(*answers)) if answers else 0
    if indexes:
        conn.delete(*indexes)
    return erased


def erase_caller(conn: redis.Redis, config: Settings, caller: Caller,
                 now: float) -> Erased:
    """Erasure's part here (hotline.privacy.domain.Keeper): the answers about the caller."""
    return Erased(counts={"replay_answers": forget(conn, config, caller.hashes)})


def purge(conn: redis.Redis, config: Settings, now: float,
          cutoff: float) -> dict[str, int]:
    """Nothing: kept answers expire after REPLAY_TTL (the TTL walk enforces it)."""
    return {}
