"""One Redis round trip before a webhook's work: what every text or call reads first.

A text used to cost five round trips before the engine ran (retry check, rate counter,
volunteer look-up, open urgent case, session); under a surge those waits add up to most
of a webhook's time. One Lua script does them all, in the same order and with the same
keys and TTLs as the modules that own them (a Twilio retry still counts nothing):

  1. SET NX the MessageSid (SMS only): taken already -> a retry, nothing else is done;
  2. INCR + EXPIRE the caller's rate counter of this minute (when a limit is set);
  3. HGET the volunteer id of this number, GET the caller's open urgent case (SMS only);
  4. GET the session.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from typing import Any

import redis

from hotline import ratelimit, urgent, volunteers
from hotline.numbers import to_e164
from hotline.privacy import number_hash

SEEN_TTL = 3600  # seconds a MessageSid is remembered, to tell a Twilio retry from a new text

# KEYS: seen, rate counter, session, volunteer phones hash, caller's open urgent case
# ARGV: seen TTL (0: no retry check), rate TTL (0: no limit), E.164 number ('' : none),
#       '1' to look up volunteer and urgent case
_READ = """
if ARGV[1] ~= '0' then
  if not redis.call('SET', KEYS[1], '1', 'NX', 'EX', ARGV[1]) then return {1} end
end
local count = 0
if ARGV[2] ~= '0' then
  count = redis.call('INCR', KEYS[2])
  redis.call('EXPIRE', KEYS[2], ARGV[2])
end
local vid, open = false, false
if ARGV[4] == '1' then
  if ARGV[3] ~= '' then vid = redis.call('HGET', KEYS[4], ARGV[3]) end
  open = redis.call('GET', KEYS[5])
end
return {0, count, redis.call('GET', KEYS[3]), vid, open}
"""


@dataclass(frozen=True)
class Ahead:
    """What was read: whether it is a retry, this minute's count, and what is stored."""

    retried: bool = False
    count: int = 0  # this message's place in the caller's minute (0: no limit)
    session: bytes | None = None  # the raw stored session
    volunteer: bool = False  # the number is a registered volunteer's
    open_case: bool = False  # the caller has (or had) an urgent case: relay may apply


_SHA = hashlib.sha1(_READ.encode()).hexdigest()


def _run(conn: redis.Redis, keys: list[str], args: list[Any]) -> Any:
    try:
        return conn.evalsha(_SHA, len(keys), *keys, *args)
    except redis.exceptions.NoScriptError:  # a restarted Redis: send the script itself
        return conn.eval(_READ, len(keys), *keys, *args)


_CANONICAL = re.compile(r"\+[1-9][0-9]{6,14}")


def _e164(number: str) -> str:
    """The number in E.164, or ''. Twilio's From is E.164 already: then it is used as it
    is, without parsing. That gives the same look-ups: a volunteer is stored under a valid
    E.164 number, so an invalid one finds nobody, and urgent.caller_hash() hashes the raw
    number when it is not valid."""
    if _CANONICAL.fullmatch(number):
        return number
    return to_e164(number) or ""


def read(conn: redis.Redis, config: dict[str, Any], *, channel: str, caller: str,
         caller_hash: str, session_key: str, now: float, message_sid: str = "",
         limited: bool = True, look_up: bool = False) -> Ahead:
    """Do steps 1-4 for this request in one round trip. Redis errors propagate."""
    prefix = config.get("KEY_PREFIX") or "hotline:"
    limit = int(config.get(ratelimit.LIMITS[channel]) or 0) if limited else 0
    e164 = _e164(caller) if look_up else ""
    keys = [f"{prefix}seen:sms:{message_sid[:64]}",
            ratelimit.key(config, channel, caller_hash, now),
            session_key,
            volunteers.phones_key(config),
            # = urgent.caller_hash(), without parsing the number a second time
            urgent.Keys(config).caller(number_hash(config.get("SECRET_KEY") or "",
                                                   e164 or caller))]
    args = [SEEN_TTL if message_sid else 0, ratelimit.WINDOW * 2 if limit > 0 else 0, e164,
            "1" if look_up else "0"]
    reply = _run(conn, keys, args)
    if reply[0] == 1:
        return Ahead(retried=True)
    return Ahead(count=int(reply[1]), session=reply[2], volunteer=reply[3] is not None,
                 open_case=reply[4] is not None)
