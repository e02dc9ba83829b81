"""A directory file's rows: our field names (the CSV header, also the fields HSDS JSON is
read into), the words read as languages, and the error for a file that cannot be read."""

from __future__ import annotations

CSV_HEADER = ("name", "category", "phone", "address", "city", "region", "country",
              "postal_code", "latitude", "longitude", "languages", "hours", "cost",
              "description")

# Language names and ISO 639-2/3 codes read as the two-letter codes callers choose by.
LANGUAGE_WORDS = {
    "korean": "ko", "한국어": "ko", "조선말": "ko", "english": "en", "영어": "en",
    "chinese": "zh", "mandarin": "zh", "중국어": "zh", "中文": "zh", "russian": "ru",
    "러시아어": "ru", "русский": "ru", "japanese": "ja", "vietnamese": "vi", "thai": "th",
    "kor": "ko", "eng": "en", "zho": "zh", "chi": "zh", "cmn": "zh", "rus": "ru", "jpn": "ja",
    "vie": "vi", "tha": "th", "spa": "es", "spanish": "es",
}


# Optional columns after the fixed ones: the entry's name and address in the callers'
# other language (a Korean name for "LA Community Counselling", a Latin one for
# "결핵 무료 검진 병원"); a reply uses whichever is written in the caller's script.
OPTIONAL_COLUMNS = ("alternate_name", "alternate_address")


class ImportFileError(Exception):
    """The whole file cannot be read (missing, wrong header, not JSON)."""
