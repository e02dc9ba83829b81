"""The `programme` capability: what the script's programme nodes hand off to.

params['action'] is one of list, sessions, join, mine, cancel; the answer is plain data
(names per language, dates as numbers) that the node puts into words. The caller's raw
number is used only to seal it into a sign-up (for reminders).
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from hotline.numbers import to_e164
from hotline.programmes import checkins, reminders, signups, store
from hotline.programmes.model import Programme, Session

log = logging.getLogger("hotline.programmes")


def _session_data(session: Session, full: bool = False) -> dict[str, Any]:
    return {"id": session.id, **reminders.when_values(session), "full": full}


def _upcoming(programme: Programme, now: float) -> list[Session]:
    return sorted((s for s in programme.sessions if s.start_ts() > now),
                  key=lambda s: s.start_ts())


def checkin_capability(ctx: Any, params: dict[str, Any]) -> dict[str, Any]:
    """checkin: status (does the caller get check-in calls?), start, or stop them."""
    conn, config = ctx.redis, ctx.config
    action = str(params.get("action") or "")
    if action == "start":
        number = to_e164(getattr(ctx, "caller", "") or "")
        if not number or not config.encryption_key:
            return {"action": action, "started": False}
        _, first = checkins.start(conn, config, number=number, caller_hash=ctx.caller_hash,
                                  language=ctx.language, every=int(params.get("every") or 7),
                                  window=str(params.get("window") or ""), now=float(ctx.now))
        ctx.jobs.append(first)
        return {"action": action, "started": True}
    if action == "stop":
        return {"action": action,
                "stopped": checkins.stop(conn, config, ctx.caller_hash) is not None}
    found = checkins.of_caller(conn, config, ctx.caller_hash)
    return {"action": "status", "active": found is not None,
            **({"every": found.every, "window": found.window} if found else {})}


def programme_capability(ctx: Any, params: dict[str, Any]) -> dict[str, Any]:
    """Answer one handoff of a programme node (see the module docstring)."""
    action = str(params.get("action") or "")
    conn, config, now = ctx.redis, ctx.config, float(ctx.now)
    out: dict[str, Any] = {"action": action}
    if action == "list":
        kinds = set(params.get("kinds") or ())
        out["programmes"] = [{"id": p.id, "name": p.name}
                             for p in store.all_programmes(conn, config)
                             if _upcoming(p, now) and (not kinds or p.kind in kinds)]
        return out
    if action == "mine":
        items = []
        for signup in signups.of_caller(conn, config, ctx.caller_hash):
            programme = store.get(conn, config, signup.programme)
            session = programme.session(signup.session) if programme else None
            if programme and session:
                items.append({"id": signup.id, "name": programme.name,
                              **reminders.when_values(session), "status": signup.status.value})
        out["signups"] = items
        return out
    if action == "cancel":
        chosen = signups.get(conn, config, str(params.get("signup") or ""))
        out["cancelled"] = bool(chosen and chosen.caller == ctx.caller_hash)
        if chosen and out["cancelled"]:
            signups.cancel(conn, config, chosen)
        return out
    if action == "confirm":
        chosen = signups.get(conn, config, str(params.get("signup") or ""))
        out["confirmed"] = bool(chosen and chosen.caller == ctx.caller_hash)
        if chosen and out["confirmed"]:
            signups.confirm(conn, config, chosen)
        return out
    if action == "move":
        return {**out, **_move(ctx, str(params.get("signup") or ""),
                               str(params.get("session") or ""))}
    programme = store.get(conn, config, str(params.get("programme") or ""))
    if programme is None:
        return {**out, "status": "gone"}
    upcoming = _upcoming(programme, now)
    if action == "sessions":
        out["sessions"] = [_session_data(s, signups.taken(conn, config, programme.id, s.id)
                                         >= s.capacity) for s in upcoming]
        return out
    if action == "join":
        return {**out, **_join(ctx, programme, upcoming, str(params.get("session") or ""),
                               bool(params.get("wait")))}
    return {**out, "status": "gone"}


def _move(ctx: Any, signup_id: str, session_id: str) -> dict[str, Any]:
    """After a missed session (the follow-up's reply 1): the caller's sign-up moves to
    `session_id`, a seat or else its waiting list. The miss stays counted; no cancellation."""
    conn, config, now = ctx.redis, ctx.config, float(ctx.now)
    chosen = signups.get(conn, config, signup_id)
    programme = store.get(conn, config, chosen.programme) if chosen else None
    upcoming = _upcoming(programme, now) if programme else []
    if chosen is None or programme is None or chosen.caller != ctx.caller_hash or not any(
            s.id == session_id for s in upcoming):
        return {"status": "gone"}
    signups.cancel(conn, config, chosen, counted=False)
    return _join(ctx, programme, upcoming, session_id, wait=True)


def _join(ctx: Any, programme: Programme, upcoming: list[Session], session_id: str,
          wait: bool) -> dict[str, Any]:
    conn, config, now = ctx.redis, ctx.config, float(ctx.now)
    session = next((s for s in upcoming if s.id == session_id), None)
    number = to_e164(getattr(ctx, "caller", "") or "")
    if session is None or not number or not config.encryption_key:
        return {"status": "gone"}
    for signup in signups.of_caller(conn, config, ctx.caller_hash):
        if signup.programme == programme.id:
            mine = programme.session(signup.session)
            return {"status": "already", "session": _session_data(mine) if mine else {}}
    joined, position = signups.join(conn, config, programme, session, number=number,
                                    caller_hash=ctx.caller_hash, language=ctx.language,
                                    now=now, wait=wait,
                                    channel=str(getattr(ctx, "channel", "") or "sms"))
    if joined is None:  # full: offer the next session with a seat, or the waiting list
        following = next((s for s in upcoming if s.start_ts() > session.start_ts()
                          and signups.taken(conn, config, programme.id, s.id) < s.capacity),
                         None)
        return {"status": "full", "session": _session_data(session, True),
                "next": _session_data(following) if following else {}}
    if position:
        return {"status": "waiting", "position": position, "session": _session_data(session)}
    ctx.jobs.extend(job for _, job in reminders.reminder_jobs(joined.id, session, number, now))
    until = datetime.fromtimestamp(signups.kept_until(programme), ZoneInfo(session.timezone))
    log.info("programme %s: a seat taken in session %s", programme.id, session.id)
    return {"status": "joined", "session": _session_data(session),
            "until": {"month": until.month, "day": until.day}}
