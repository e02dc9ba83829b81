"""The rota's texts: every few minutes the watch reminds volunteers of a shift about to
start and, once a day, texts staff the gaps ahead (people.rota_watch finds both); a shift
a volunteer cannot do is told to staff and offered to the others. Plain values in (Redis,
settings, the time, the outbound transport, the wording), a short status out;
workers/rota_jobs.py runs them in RQ.

Each text is sent once (SET NX per shift start, per day); the watch schedules its own
next run, and every worker's maintenance schedules it again if the chain broke. The
wording is the scripts' phrases (hotline.scripts.volunteer_texts.Wording), handed in
because the scripts sit above people.
"""

from __future__ import annotations

import json
import logging
from datetime import datetime
from typing import Any, Protocol

import redis

from hotline import jobs
from hotline import keys as hotline_keys
from hotline.config import Settings
from hotline.engine.segments import count_segments
from hotline.people import overrides, rota, rota_watch, volunteers
from hotline.people.volunteers import Volunteer
from hotline.telephony import Transport

log = logging.getLogger("hotline.jobs")


class Wording(Protocol):
    """The volunteer texts, from the scripts' phrases (volunteer_texts.Wording)."""

    def text(self, name: str, lang: str, /, **values: Any) -> str: ...

    def language_of(self, volunteer: Volunteer | None) -> str: ...

    def for_volunteer(self, volunteer: Volunteer | None, name: str, /,
                      **values: Any) -> str: ...


SENT_TTL = 2 * 86400


def _once(conn: redis.Redis, config: Settings, what: str) -> bool:
    return bool(conn.set(hotline_keys.of(config).rota_sent(what), "1", nx=True, ex=SENT_TTL))


def watch(conn: redis.Redis, config: Settings, now: float, transport: Transport,
          words: Wording) -> str:
    """Send the reminders and the gap warning that are due, then schedule the next watch."""
    try:
        overrides.prune(conn, config, now)
        reminded = remind(conn, config, now, transport, words)
        warned = warn_gaps(conn, config, now, transport, words)
    finally:
        jobs.schedule_rota_watch(conn)  # on the real clock: the next 5-minute slot
    return f"reminded {reminded}, warned {warned}"


def remind(conn: redis.Redis, config: Settings, now: float, transport: Transport,
           words: Wording) -> int:
    """Text each volunteer whose shift starts within the reminder lead (once a shift)."""
    lead = int(config.shift_reminder_minutes or 0) * 60
    current = rota.load_rota(conn, config)
    if lead <= 0 or current is None:
        return 0
    sent = 0
    covers = overrides.current(conn, config, now)
    for start in rota_watch.shifts_starting(current, now, now + lead, covers):
        if not _once(conn, config, f"remind-{start.volunteer}-{int(start.start)}"):
            continue
        person = volunteers.get(conn, config, start.volunteer)
        if person is None:
            continue
        at = datetime.fromtimestamp(start.start, current.zone).strftime("%H:%M")
        text = words.for_volunteer(person, "shift_reminder", level=start.level, time=at)
        transport.send_sms(person.phone, text)
        # what a reply CANNOT refers to, until the shift is over
        conn.set(hotline_keys.of(config).rota_sent(f"next-{person.id}"),
                 json.dumps({"level": start.level, "start": start.start, "end": start.end}),
                 ex=max(60, int(start.end - now)))
        log.info("reminded volunteer %s of the %s shift at %s", person.id, start.level, at)
        sent += 1
    return sent


def warn_gaps(conn: redis.Redis, config: Settings, now: float, transport: Transport,
              words: Wording) -> int:
    """Once a day from GAP_WARNING_HOUR (rota time): text every staff member the gaps of
    the next 7 days; nothing when there are none."""
    current = rota.load_rota(conn, config)
    if current is None:
        return 0
    local = datetime.fromtimestamp(now, current.zone)
    if local.hour < int(config.gap_warning_hour or 0):
        return 0
    if not _once(conn, config, f"gaps-{local.date().isoformat()}"):
        return 0
    found = rota_watch.gaps(current, now, now + rota_watch.WEEK,
                            rota.availability(conn, config),
                            overrides.current(conn, config, now))
    if not found:
        log.info("no rota gaps in the next 7 days")
        return 0
    spans = rota_watch.describe(found, current.zone)
    staff = [p for p in volunteers.all_volunteers(conn, config) if p.role == "staff"]
    for person in staff:
        transport.send_sms(person.phone, _gap_text(words, words.language_of(person), spans))
    log.info("rota gaps (%d) sent to %d staff", len(spans), len(staff))
    return len(staff)


def _gap_text(words: Wording, lang: str, spans: list[str]) -> str:
    """The warning with as many gaps as fit one SMS (the rest: '…'; the page has them all)."""
    shown = len(spans)
    while True:
        listed = "; ".join(spans[:shown]) + ("…" if shown < len(spans) else "")
        text = words.text("staff_gap_warning", lang, count=len(spans), gaps=listed)
        if shown <= 1 or count_segments(text).segments == 1:
            return text
        shown -= 1


def shift_dropped(conn: redis.Redis, config: Settings, transport: Transport, words: Wording,
                  volunteer_id: str, level: str, start: float) -> str:
    """A volunteer replied CANNOT to a reminder: tell every staff member, and offer the
    shift to the others named at that level (each in their own language)."""
    current = rota.load_rota(conn, config)
    person = volunteers.get(conn, config, volunteer_id)
    if current is None or person is None:
        return "skipped"
    at = datetime.fromtimestamp(start, current.zone).strftime("%m-%d %H:%M")
    staff = [p for p in volunteers.all_volunteers(conn, config)
             if p.role == "staff" and p.id != volunteer_id]
    named = next((lv for lv in current.levels if lv.name == level), None)
    others = dict.fromkeys(s.volunteer for s in (named.shifts if named else ())
                           if s.volunteer != volunteer_id)
    for p in staff:
        transport.send_sms(p.phone, words.for_volunteer(
            p, "staff_shift_dropped", name=person.name, level=level, time=at))
    offered = 0
    for vid in others:
        other = volunteers.get(conn, config, vid)
        if other is None or other.role == "staff":
            continue
        transport.send_sms(other.phone, words.for_volunteer(
            other, "shift_offer", level=level, time=at))
        offered += 1
    log.info("volunteer %s cannot do the %s shift: %d staff told, offered to %d",
             volunteer_id, level, len(staff), offered)
    return f"told {len(staff)}, offered {offered}"
