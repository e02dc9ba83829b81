"""Staff page for the figures (/admin/figures/): charts drawn on the server as inline SVG.

Counts only, from hotline.stats (daily counters and wait samples) and the callback queue
(how many wait now): no number, no message text ever reaches this page.
"""

from __future__ import annotations

from typing import Any

import redis
from flask import Blueprint, render_template, request

from hotline import stats
from hotline.callbacks import queue as callbacks
from hotline.callbacks.queue import Priority, Status
from hotline.config import Settings
from hotline.programmes import attendance
from hotline.programmes import store as programmes
from hotline.scripts import volunteer_texts
from hotline.web import runtime
from hotline.web.auth import login_required
from hotline.web.charts import bar_chart, swatch
from hotline.web.texts import say

bp = Blueprint("admin_figures", __name__, url_prefix="/admin/figures")

PERIODS = (7, 14, 30)


def _minutes(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds / 60, 1)


def _chart(key: str, title: str, days: list[str], series: dict[str, list[Any]],
           unit: str = "", note: str = "") -> dict[str, Any]:
    totals = {name: sum(v or 0 for v in values) for name, values in series.items()}
    return {"key": key, "title": title, "note": note, "days": days, "series": series,
            "totals": totals, "unit": unit,
            "svg": bar_chart(days, series, label=title, unit=unit)}


def _language(code: str) -> str:
    app = runtime()
    name = volunteer_texts.language_name(app.redis, app.config, code, "ko")
    return f"{code} {name}" if name and name != code else code


@bp.get("/")
@login_required(role="staff")
def index() -> Any:
    """Contacts by language, callbacks, urgent cases, missed calls, opt-outs per day; each
    programme's sign-ups, attendance and drop-out."""
    app = runtime()
    conn, config, now = app.redis, app.config, app.clock()
    period = request.args.get("days", type=int)
    period = period if period in PERIODS else 14
    days = stats.read_days(conn, config, now, period)
    labels = [d.day for d in days]
    waiting = [r for r in callbacks.all_requests(conn, config, now)
               if r.status == Status.WAITING]
    sms = {_language(k): v for k, v in stats.contacts_by_language(days, "sms").items()}
    voice = {_language(k): v for k, v in stats.contacts_by_language(days, "voice").items()}
    wait_median = _minutes(stats.overall_median(days, "callback_wait"))
    ack_median = _minutes(stats.overall_median(days, "urgent_ack"))
    charts = [
        _chart("texts", say("chart_texts"), labels, sms),
        _chart("calls", say("chart_calls"), labels, voice),
        _chart("callbacks", say("chart_callbacks"), labels,
               {"requests": stats.per_day(days, "callback_created")}),
        _chart("callback_wait", say("chart_callback_wait"), labels,
               {"median": [_minutes(m) for m in stats.medians(days, "callback_wait")]},
               unit=" min", note=f"all days: {wait_median if wait_median is not None else '-'}"
                                 " min"),
        _chart("urgent", say("chart_urgent"), labels,
               {"cases": stats.per_day(days, "urgent_created")}),
        _chart("urgent_ack", say("chart_urgent_ack"), labels,
               {"median": [_minutes(m) for m in stats.medians(days, "urgent_ack")]},
               unit=" min", note=f"all days: {ack_median if ack_median is not None else '-'}"
                                 f" min; acknowledged: {sum(stats.per_day(days, 'urgent_acked'))}"),
        _chart("missed", say("chart_missed"), labels,
               {"missed calls": stats.per_day(days, "missed_call")}),
        _chart("opt_out", say("chart_opt_out"), labels,
               {"opt-outs": stats.per_day(days, "opt_out")}),
    ]
    oldest = max((r.age(now) for r in waiting), default=None)
    urgent_waiting = sum(1 for r in waiting if r.priority == Priority.URGENT)
    return render_template(
        "admin_figures/index.html", charts=charts, period=period, periods=PERIODS,
        waiting=len(waiting), urgent_waiting=urgent_waiting,
        oldest=(volunteer_texts.waited(conn, config, oldest, "ko")
                if oldest is not None else None),
        timezone=config.stats_timezone or "UTC", swatch=swatch,
        programmes=programme_totals(conn, config))


def programme_totals(conn: redis.Redis, config: Settings) -> list[dict[str, Any]]:
    """Each programme's id, names and totals (sign-ups, attended, missed, drop-out...)."""
    return [{"id": p.id, "name": " · ".join(p.name.values()),
             **attendance.totals(conn, config, p.id)}
            for p in programmes.all_programmes(conn, config)]
