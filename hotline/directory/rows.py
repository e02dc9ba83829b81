"""A directory file's rows: our field names (the CSV header, also the fields HSDS JSON is
read into) and the error for a file that cannot be read at all."""

from __future__ import annotations

CSV_HEADER = ("name", "category", "phone", "address", "city", "region", "country",
              "postal_code", "latitude", "longitude", "languages", "hours", "cost",
              "description")


# Optional columns after the fixed ones: the entry's name and address in the callers'
# other language (a Korean name for "LA Community Counselling", a Latin one for
# "결핵 무료 검진 병원"); a reply uses whichever is written in the caller's script.
OPTIONAL_COLUMNS = ("alternate_name", "alternate_address")


class ImportFileError(Exception):
    """The whole file cannot be read (missing, wrong header, not JSON)."""
