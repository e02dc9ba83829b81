"""How callback requests come in: from a menu node (capabilities) or a missed call.

request_capability / cancel_capability are registered in create_app under the names of
the node types that hand off to them (callback_request, callback_cancel).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import redis

from hotline import stats
from hotline.callbacks import queue as callbacks
from hotline.callbacks.queue import Priority
from hotline.channels.calls import Reject, Step
from hotline.config import Settings
from hotline.numbers import to_e164
from hotline.privacy.vault import caller_hash
from hotline.redisdb import confirm_replicated

if TYPE_CHECKING:  # the shape only: the conversation calls this capability, not the reverse
    from hotline.conversation.capabilities import CapabilityContext

log = logging.getLogger(__name__)

MISSED_CALL_WINDOW = 3600  # seconds in which repeated rings from one number make one request
MISSED_CALL_LANGUAGE = "ko"


def _now(ctx: CapabilityContext) -> float:
    clock = ctx.config.clock
    return float(clock()) if clock else time.time()


def in_office_hours(config: Settings, now: float) -> bool:
    """True when people answer now (HOTLINE_OFFICE_HOURS, e.g. "09:00-21:00 Asia/Seoul";
    unset or unreadable: always). A span past midnight ("20:00-08:00") works too."""
    spec = str(config.office_hours or "").split()
    if not spec:
        return True
    try:
        first, last = (datetime.strptime(t, "%H:%M").time() for t in spec[0].split("-"))
        zone = ZoneInfo(spec[1]) if len(spec) > 1 else ZoneInfo("UTC")
    except (ValueError, KeyError, ZoneInfoNotFoundError):
        log.warning("HOTLINE_OFFICE_HOURS is not HH:MM-HH:MM ZONE; taken as always open")
        return True
    local = datetime.fromtimestamp(now, ZoneInfo("UTC")).astimezone(zone).time()
    if first <= last:
        return first <= local < last
    return local >= first or local < last


def request_capability(ctx: CapabilityContext, params: dict[str, Any]) -> dict[str, Any]:
    """File (or find) the caller's callback request; return id, position, hours, existing.

    On a call outside office hours, to a node that offers a voice message instead
    (`after_hours`), nothing is filed here: {"after_hours": True} (the message files it).
    """
    config = ctx.config
    if (params.get("after_hours") and ctx.channel == "voice"
            and not in_office_hours(config, _now(ctx))):
        return {"after_hours": True}
    sid = ctx.message_sid or ctx.call_sid
    try:
        priority = Priority(params.get("priority") or "normal")
    except ValueError:
        priority = Priority.NORMAL
    try:
        placed = callbacks.create(
            ctx.redis, config, ctx.caller, language=str(params.get("language") or ctx.language),
            topic=str(params.get("topic") or "other"), priority=priority, now=_now(ctx),
            idem=f"req-{sid}" if sid else "")
    except ValueError:
        return {}  # a number we cannot call back (withheld, invalid): the node says so
    about = str(params.get("about") or "")
    if about and not placed.existing:
        callbacks.note_about(ctx.redis, config, placed.request.id, about)
    # The caller is about to be told the request was taken: it must survive a failover
    # (a replica confirms it before the answer goes out).
    ctx.confirm.append(("callback", placed.request.id))
    # An open request out of the queue (a volunteer is calling, or a retry is due) is next.
    return {"id": placed.request.id, "position": max(1, placed.position),
            "hours": placed.hours, "existing": placed.existing}


def cancel_capability(ctx: CapabilityContext, params: dict[str, Any]) -> dict[str, Any]:
    """Cancel the caller's open callback request; return whether there was one."""
    req = callbacks.cancel(ctx.redis, ctx.config, ctx.caller, _now(ctx))
    return {"cancelled": req is not None, **({"id": req.id} if req else {})}


def missed_call(conn: redis.Redis, config: Settings, number: str, call_sid: str,
                now: float) -> callbacks.Placed | None:
    """A ring on the flash number: one callback request per number per window."""
    window = int(config.missed_call_window or MISSED_CALL_WINDOW)
    key = callbacks.keys(config).missed(caller_hash(config, number))
    if not conn.set(key, "1", nx=True, ex=window):
        return None  # rang again within the window: the first ring already asked
    try:
        placed = callbacks.create(conn, config, number, language=MISSED_CALL_LANGUAGE,
                                  topic="missed_call", now=now, idem=f"missed-{call_sid}")
    except ValueError:
        return None  # no number to call back (withheld or invalid)
    if not placed.existing:
        stats.count_missed_call(conn, config, now)
        # The caller is texted that we will call back: the request must survive a failover.
        confirm_replicated(conn, config, "callback", placed.request.id)
    return placed


def on_flash(redis_of: Callable[[], redis.Redis], config: Settings, number: str,
             call_sid: str, now: float) -> tuple[Step, ...]:
    """A ring on the flash number: file a callback request and reject the call busy (no
    charge), also when the request cannot be filed (Redis down or not even reachable:
    `redis_of` makes the connection inside this guard)."""
    try:
        placed = missed_call(redis_of(), config, number, call_sid, now)
        if placed is not None:
            log.info("missed call: request %s (%s)", placed.request.id,
                     "existing" if placed.existing else "new")
    except Exception:  # Redis down: still reject, so the caller is not charged
        log.exception("missed call could not be filed")
    return (Reject("busy"),)


def is_flash(config: Settings, to_number: str) -> bool:
    """True when a call was made to the dedicated flash (missed-call) number."""
    flash = config.flash_number
    return bool(flash) and to_e164(to_number) == to_e164(str(flash))


def short_call_is_missed(config: Settings, call_status: str, duration: str | int,
                         pressed: bool) -> bool:
    """With MISSED_CALL_ON_MAIN on: a call to the main number that ended within
    MISSED_CALL_SECONDS, before the caller pressed anything, counts as a missed call."""
    if not config.missed_call_on_main or pressed or call_status != "completed":
        return False
    try:
        seconds = int(duration)
    except (TypeError, ValueError):
        return False
    return seconds <= int(config.missed_call_seconds or 5)


PRESSED_TTL = 3600  # seconds a call is remembered as one where the caller pressed or spoke


def _pressed_key(config: Settings, call_sid: str) -> str:
    return callbacks.keys(config).pressed(call_sid)


def pressed_mark(config: Settings, call_sid: str) -> tuple[str, str, int] | None:
    """The caller pressed a key or spoke in this call: it is no missed call (staff setting).

    The mark as a write (key, value, seconds to keep) that goes out with the step's own
    write (replay_guard.keep), not a round trip of its own; None when missed calls are off.
    """
    if call_sid and config.missed_call_on_main:
        return _pressed_key(config, call_sid), "1", PRESSED_TTL
    return None


def call_ended(conn: redis.Redis, config: Settings, form: Any,
               now: float) -> callbacks.Placed | None:
    """A status callback for a call to the main number: a short call in which the caller
    pressed nothing is a missed call, when MISSED_CALL_ON_MAIN is on."""
    if not may_file_missed_call(config, form):
        return None
    sid = str(form.get("CallSid", ""))
    if conn.exists(_pressed_key(config, sid)):
        return None
    return missed_call(conn, config, str(form.get("From", "")), sid, now)


def may_file_missed_call(config: Settings, form: Any) -> bool:
    """Whether a status callback could file a missed call, from the settings and the form
    alone (no Redis): MISSED_CALL_ON_MAIN on, an inbound call to the main number (a flash
    ring was filed when it was rejected), completed within MISSED_CALL_SECONDS. Any other
    status callback (the default setting, a longer call, a message's status) does
    nothing, and is answered without Redis."""
    if not config.missed_call_on_main or form.get("Direction", "inbound") != "inbound":
        return False
    if not form.get("CallSid") or is_flash(config, str(form.get("To", ""))):
        return False
    return short_call_is_missed(config, str(form.get("CallStatus", "")),
                                form.get("CallDuration", ""), False)
