"""Charts as inline SVG built on the server: no script, no external service, a few kB.

Colours are SVG presentation attributes (the pages' CSP forbids inline styles). Every bar
carries a <title> (its day, series and value) and data-* attributes, so a pointer or a
screen reader can read it and a test can check it.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

from markupsafe import Markup, escape

PALETTE = ("#1f5fae", "#d9822b", "#1e7a3c", "#8e44ad", "#b3261e", "#5b6570", "#0f8b8d")
WIDTH, HEIGHT = 360, 170
LEFT, RIGHT, TOP, BOTTOM = 30, 6, 12, 22


def color(index: int) -> str:
    """The colour of the index-th series."""
    return PALETTE[index % len(PALETTE)]


def _nice_max(value: float) -> float:
    if value <= 0:
        return 1.0
    magnitude = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * magnitude:
            return float(step * magnitude)
    return float(10 * magnitude)


def _number(value: float) -> str:
    return f"{value:.0f}" if value == int(value) else f"{value:.1f}"


def bar_chart(days: Sequence[str], series: Mapping[str, Sequence[float | None]], *,
              label: str, unit: str = "") -> Markup:
    """Stacked bars, one per day; `series` maps a name to one value per day (None = none).

    `days` are ISO dates; the axis shows their day of the month.
    """
    names = list(series)
    totals = [sum(series[n][i] or 0 for n in names) for i in range(len(days))]
    top = _nice_max(max(totals, default=0))
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    slot = plot_w / max(1, len(days))
    bar_w = max(2.0, slot * 0.7)
    parts = [(f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" width="100%" role="img" '
              f'aria-label="{escape(label)}" xmlns="http://www.w3.org/2000/svg">')]
    for fraction in (0, 0.5, 1):
        if fraction == 0.5 and not unit and top * fraction != int(top * fraction):
            continue  # no "2.5 texts" on a count axis
        y = TOP + plot_h * (1 - fraction)
        parts.append(f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" y2="{y:.1f}" '
                     f'stroke="#d5dbe1" stroke-width="1"/>')
        parts.append(f'<text x="{LEFT - 4}" y="{y + 3:.1f}" font-size="9" text-anchor="end" '
                     f'fill="#5b6570">{_number(top * fraction)}</text>')
    for i, day in enumerate(days):
        x = LEFT + slot * i + (slot - bar_w) / 2
        base = float(TOP + plot_h)
        for index, name in enumerate(names):
            value = series[name][i]
            if not value:
                continue
            h = plot_h * value / top
            base -= h
            tip = f"{day} {name}: {_number(value)}{unit}"
            parts.append(
                f'<rect x="{x:.1f}" y="{base:.1f}" width="{bar_w:.1f}" height="{h:.1f}" '
                f'fill="{color(index)}" data-day="{escape(day)}" data-series="{escape(name)}" '
                f'data-value="{_number(value)}"><title>{escape(tip)}</title></rect>')
        if len(days) <= 16 or i % 2 == 0:
            parts.append(f'<text x="{x + bar_w / 2:.1f}" y="{HEIGHT - 8}" font-size="9" '
                         f'text-anchor="middle" fill="#5b6570">{escape(day[8:10])}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))


def swatch(index: int) -> Markup:
    """A small square in the index-th series colour, for legends."""
    return Markup(f'<svg width="10" height="10" aria-hidden="true"><rect width="10" '
                  f'height="10" fill="{color(index)}"/></svg>')
