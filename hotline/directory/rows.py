"""A directory file's rows: our field names (the CSV header, also the fields HSDS JSON is
read into) and the error for a file that cannot be read at all."""

from __future__ import annotations

CSV_HEADER = ("name", "category", "phone", "address", "city", "region", "country",
              "postal_code", "latitude", "longitude", "languages", "hours", "cost",
              "description")


class ImportFileError(Exception):
    """The whole file cannot be read (missing, wrong header, not JSON)."""
