"""What a text or call reads and counts before it is handled, in one Redis round trip.

An SMS used to cost seven round trips before the menu ran: the replay guard's claim, the
MessageSid retry check, the rate counter, "is this a volunteer's number", "has it opted
out", "has it an open urgent case", and the session. One Lua script does them all, in
that order, and stops where the answer is already known: a repeated delivery changes
nothing (not even the rate counter), a MessageSid seen before is not counted again.

A call's menu steps (/twilio/voice, /twilio/voice/gather) read their session with the
claim the same way; a new call is also counted against its caller's call limit there.

The keys are the ones the modules that own them use (sessions, ratelimit, volunteers,
optout, urgent); only the reading is gathered here. No Flask: the pipeline
(conversation/pipeline.py) passes plain values. Redis errors propagate: the pipeline
answers with the fallback.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import redis

from hotline import keys as hotline_keys
from hotline.config import Settings
from hotline.conversation import rate_limits as ratelimit
from hotline.conversation.sessions import SessionStore
from hotline.directory.store import revision_of
from hotline.lua import lua
from hotline.numbers import to_e164
from hotline.people import volunteers
from hotline.privacy import optout
from hotline.privacy.vault import caller_hash as hash_of
from hotline.urgent import cases as urgent

SEEN_TTL = 3600  # seconds a MessageSid is remembered, to tell a Twilio retry from a new text

READ = """
-- KEYS: replay claim, MessageSid seen, rate counter, volunteer numbers, opt-outs,
--       the caller's open urgent case, the caller's session, the directory's generation
--       and change counter (its version: a search on this step needs no read of its own)
-- ARGV: claim value, replay ttl, seen ttl (0: no MessageSid), rate ttl (0: no limit),
--       E.164 number ('' when not a number or not asked), look up the case ('1'/'0'),
--       opt-out hashes...
if not redis.call('SET', KEYS[1], ARGV[1], 'NX', 'EX', ARGV[2]) then
  return {0, redis.call('GET', KEYS[1])}
end
if ARGV[3] ~= '0' and not redis.call('SET', KEYS[2], '1', 'NX', 'EX', ARGV[3]) then
  return {1, false, 0}
end
local count = 0
if ARGV[4] ~= '0' then
  count = redis.call('INCR', KEYS[3])
  redis.call('EXPIRE', KEYS[3], ARGV[4])
end
local volunteer = false
if ARGV[5] ~= '' then volunteer = redis.call('HGET', KEYS[4], ARGV[5]) end
local opted = 0
for i = 7, #ARGV do
  if redis.call('SISMEMBER', KEYS[5], ARGV[i]) == 1 then opted = 1 end
end
local case = false
if ARGV[6] == '1' then case = redis.call('GET', KEYS[6]) end
return {1, false, 1, count, volunteer, opted, case, redis.call('GET', KEYS[7]),
        redis.call('MGET', KEYS[8], KEYS[9])}
"""


@dataclass(slots=True)  # made on every webhook: see conversation/__init__.py
class Arrival:
    """What Redis held about a text's sender when it arrived."""

    retried: bool  # this MessageSid was handled already (Twilio retried the webhook)
    count: int = 0  # this minute's texts from the number, this one included (0: no limit)
    volunteer_id: str | None = None
    opted_out: bool = False
    case_code: str | None = None  # the caller's urgent case, open or closed
    session: bytes | None = None  # as stored (sealed), for SessionStore.parse
    directory: str | None = None  # the directory's version (directory.store.revision)


def _text(value: Any) -> str | None:
    return value.decode() if isinstance(value, bytes) else value


def claim_and_read(conn: redis.Redis, config: Settings, sender: str, message_sid: str,
                   claim: tuple[str, bytes, int], sessions: SessionStore, now: float,
                   text: bool = True, call: bool = False,
                   ) -> tuple[bool, bytes | None, Arrival | None]:
    """Claim the delivery (key, value, ttl) and read what the text's handling needs first.

    Returns (claimed, the stored answer when not claimed, the arrival when claimed).
    With `text=False` (a call's menu step) only the session is read; with `call=True` (a
    new call) the call is also counted against its caller's limit (Arrival.count).
    """
    sid = message_sid if text else ""
    caller_hash = hash_of(config, sender)
    directory = hotline_keys.of(config).directory
    channel = "sms" if text else "voice"
    limit = ratelimit.limit(config, channel) if text or call else 0
    keys = [claim[0],
            hotline_keys.of(config).sms_seen(sid),
            ratelimit.key(config, channel, caller_hash, now),
            volunteers.phones_key(config),
            optout.key(config),
            urgent.keys(config).caller(caller_hash),
            sessions.key(caller_hash),
            directory.current, directory.rev]
    args = [claim[1], claim[2], SEEN_TTL if sid else 0,
            ratelimit.WINDOW * 2 if limit > 0 else 0,
            (to_e164(sender) or "") if text else "", "1" if text else "0",
            *(sorted(optout.hashes(config, sender)) if text else ())]
    reply = lua(conn, READ)(keys, args)
    if not reply[0]:
        return False, reply[1], None
    if not reply[2]:
        return True, None, Arrival(retried=True)
    return True, None, Arrival(retried=False, count=int(reply[3]),
                               volunteer_id=_text(reply[4]), opted_out=bool(reply[5]),
                               case_code=_text(reply[6]), session=reply[7],
                               directory=revision_of(*reply[8]))
