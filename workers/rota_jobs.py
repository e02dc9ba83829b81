"""Jobs of the rota (hotline.people.rota_notices): the watch every 5 minutes (shift
reminders, the day's gap warning) and the notices of a shift a volunteer cannot do."""

from __future__ import annotations

from hotline import job_context as context
from hotline.people import rota_notices
from hotline.scripts.volunteer_texts import Wording


def watch() -> str:
    """Send the reminders and the gap warning that are due, then schedule the next watch."""
    conn, config = context.connection(), context.config()
    return rota_notices.watch(conn, config, context.now(), context.transport(),
                              Wording(conn, config))


def shift_dropped(volunteer_id: str, level: str, start: float) -> str:
    """A volunteer cannot do a shift: tell the staff, offer it to the others at its level."""
    conn, config = context.connection(), context.config()
    return rota_notices.shift_dropped(conn, config, context.transport(), Wording(conn, config),
                                      volunteer_id, level, start)
