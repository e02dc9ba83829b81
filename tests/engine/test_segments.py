"""SMS segment arithmetic, counted exactly as carriers split a message."""

from __future__ import annotations

import pytest

from hotline.engine.segments import count_segments


@pytest.mark.parametrize("text, encoding, units, segments", [
    ("", "GSM-7", 0, 0),
    ("a" * 160, "GSM-7", 160, 1),
    ("a" * 161, "GSM-7", 161, 2),  # once split, 153 per segment
    ("a" * 306, "GSM-7", 306, 2),
    ("a" * 307, "GSM-7", 307, 3),
    ("{" * 80, "GSM-7", 160, 1),  # extension characters count twice
    ("a" * 159 + "€", "GSM-7", 161, 2),
    # an extension character is never split: 152 + 2 does not fit 153, so it moves on
    ("a" * 152 + "€" + "a" * 152, "GSM-7", 306, 3),
    ("가" * 70, "UCS-2", 70, 1),
    ("가" * 71, "UCS-2", 71, 2),  # 67 per segment once split
    ("가" * 134, "UCS-2", 134, 2),
    ("가" * 135, "UCS-2", 135, 3),
    ("a" * 69 + "ç", "UCS-2", 70, 1),  # one non-GSM character makes all of it UCS-2
    ("😀" * 35, "UCS-2", 70, 1),  # an emoji is two UTF-16 units
    # an emoji is never split across segments: 66 + 2 does not fit 67
    ("가" * 66 + "😀" + "가" * 66, "UCS-2", 134, 3),
])
def test_segments_are_counted_exactly(text, encoding, units, segments):
    count = count_segments(text)
    assert (count.encoding, count.units, count.segments) == (encoding, units, segments)
