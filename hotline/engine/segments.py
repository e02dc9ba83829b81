"""SMS segment arithmetic: GSM-7 (160/153, extension characters count 2) or UCS-2 (70/67)."""

from __future__ import annotations

from dataclasses import dataclass

GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞ\x1bÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENSION = frozenset("\f[\\]^{|}~€")


@dataclass(frozen=True)
class SegmentCount:
    """How an SMS text is sent: encoding, units used, segments, and units per segment."""

    encoding: str  # "GSM-7" or "UCS-2"
    units: int  # septets (GSM-7) or UTF-16 code units (UCS-2)
    segments: int
    single_limit: int  # units that fit in one segment
    multi_limit: int  # units per segment when split


def _units(ch: str, encoding: str) -> int:
    if encoding == "GSM-7":
        return 2 if ch in GSM7_EXTENSION else 1
    return 2 if ord(ch) > 0xFFFF else 1


def count_segments(text: str) -> SegmentCount:
    """Count the segments an SMS takes; a character is never split across segments."""
    gsm = all(ch in GSM7_BASIC or ch in GSM7_EXTENSION for ch in text)
    encoding, single, multi = ("GSM-7", 160, 153) if gsm else ("UCS-2", 70, 67)
    # Counted in C (this runs for every SMS answer): UTF-16 code units, or septets.
    units = (len(text) + sum(1 for ch in text if ch in GSM7_EXTENSION) if gsm
             else len(text.encode("utf-16-le")) // 2)
    if units <= single:
        return SegmentCount(encoding, units, 1 if text else 0, single, multi)
    if units == len(text):  # every character one unit: none can straddle two segments
        return SegmentCount(encoding, units, -(-units // multi), single, multi)
    segments, used = 1, 0
    for ch in text:
        size = _units(ch, encoding)
        if used + size > multi:
            segments, used = segments + 1, 0
        used += size
    return SegmentCount(encoding, units, segments, single, multi)
