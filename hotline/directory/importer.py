"""Reading directory files: CSV (our header) and HSDS 3.0 JSON, row by row.

A bad row is rejected with its line (CSV) or its HSDS id and name (JSON) and every
reason found; the good rows still load. HSDS fields that are wrong but not needed
(coordinates, one of several phones, a schedule) are dropped with a warning instead.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import math
import os
import re
from dataclasses import dataclass, field
from typing import Any

import phonenumbers

from hotline.directory.gazetteer import builtin, normalize
from hotline.directory.hours import HoursError, parse_hours, timezone_for
from hotline.directory.hsds import Mapped, read_data, read_hsds
from hotline.directory.rows import CSV_HEADER, LANGUAGE_WORDS, OPTIONAL_COLUMNS, ImportFileError
from hotline.directory.store import (
    CATEGORIES,
    COSTS,
    Entry,
    Keys,
    StoreReport,
    entry_id,
    store_entries,
)
from hotline.directory.tabular import assemble, is_tabular, read_folder, read_zip
from hotline.directory.taxonomy import CategoryMap, load_map

_CATEGORY_WORDS = {
    "mentalhealth": "mental_health", "counselling": "mental_health",
    "counseling": "mental_health", "koreanmedicine": "korean_medicine",
    "tb": "tb_care", "tuberculosis": "tb_care", "tbcare": "tb_care", "housing": "shelter",
}
_COST_WORDS = {"free": "free", "무료": "free", "0": "free", "low": "low", "lowcost": "low",
               "저렴": "low", "저렴함": "low", "sliding": "low", "slidingscale": "low"}


@dataclass(frozen=True)
class Rejected:
    """A row that did not load (or, as a warning, lost a field): where it is (CSV line, or
    HSDS id and name) and why."""

    line: int
    where: str
    reason: str

    def __str__(self) -> str:
        return f"{self.where}: {self.reason}"


@dataclass
class ReadResult:
    """Entries read from a file, and the rows rejected."""

    entries: list[Entry] = field(default_factory=list)
    rejected: list[Rejected] = field(default_factory=list)
    warnings: list[Rejected] = field(default_factory=list)


def _country(raw: str) -> str:
    text = (raw or "").strip()
    if len(text) == 2 and text.upper() in phonenumbers.SUPPORTED_REGIONS:
        return text.upper()
    gaz = builtin()
    for pid in gaz.exact(text):
        if gaz.places[pid].kind == "country":
            return gaz.places[pid].country
    return ""


def _languages(raw: str, problems: list[str]) -> tuple[str, ...]:
    out: list[str] = []
    for word in re.split(r"[;,/]", raw or ""):
        word = word.strip()
        if not word:
            continue
        code = LANGUAGE_WORDS.get(word.casefold()) or word.split("-")[0].lower()
        if not re.fullmatch(r"[a-z]{2,3}", code):
            problems.append(f"unknown language '{word}' (use codes like ko;en)")
            continue
        if code not in out:
            out.append(code)
    return tuple(out)


def _coordinate(raw: str, what: str, limit: float, problems: list[str]) -> float | None:
    try:
        value = float(raw)
    except ValueError:
        problems.append(f"{what} '{raw}' is not a number")
        return None
    if math.isnan(value) or not -limit <= value <= limit:
        problems.append(f"{what} {raw} is outside -{limit:g}..{limit:g}")
        return None
    return value


def build_entry(row: dict[str, str]) -> tuple[Entry | None, list[str]]:
    """Check one row's fields and build the entry; return it (or None) and the problems."""
    problems: list[str] = []
    get = {k: (str(v).strip() if v is not None else "") for k, v in row.items()}
    name = get.get("name", "")
    if not name:
        problems.append("name is empty")
    raw_category = get.get("category", "")
    category = normalize(raw_category).replace("_", "")
    category = next((c for c in CATEGORIES if c.replace("_", "") == category),
                    _CATEGORY_WORDS.get(category, ""))
    if not category:
        problems.append(f"unknown category '{raw_category}' (known: {', '.join(CATEGORIES)})")
    country = _country(get.get("country", ""))
    if not country:
        problems.append(f"unknown country '{get.get('country', '')}' (use an ISO code: KR, US)")
    phone = ""
    if get.get("phone"):
        try:
            parsed = phonenumbers.parse(get["phone"], country or None)
            if not phonenumbers.is_possible_number(parsed):
                raise phonenumbers.NumberParseException(0, "not possible")
            phone = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
        except phonenumbers.NumberParseException:
            problems.append(f"phone '{get['phone']}' is not a phone number"
                            + (f" in {country}" if country else ""))
    lat_raw, lon_raw = get.get("latitude", ""), get.get("longitude", "")
    lat = lon = None
    if lat_raw or lon_raw:
        if not (lat_raw and lon_raw):
            problems.append("give both latitude and longitude, or neither")
        else:
            lat = _coordinate(lat_raw, "latitude", 90, problems)
            lon = _coordinate(lon_raw, "longitude", 180, problems)
            if lat == 0 and lon == 0:
                problems.append("coordinates 0,0 are not a real place")
    hours = ""
    try:
        hours = parse_hours(get.get("hours", "")).text()
    except HoursError as exc:
        problems.append(f"bad hours '{get.get('hours')}': {exc}")
    cost = _COST_WORDS.get(normalize(get.get("cost", "")) or "free", "")
    if cost not in COSTS:
        problems.append(f"cost '{get.get('cost')}' must be free or low")
    languages = _languages(get.get("languages", ""), problems)
    if problems:
        return None, problems
    city, region, address = get.get("city", ""), get.get("region", ""), get.get("address", "")
    return Entry(
        id=entry_id(name, address, city, country), name=name, category=category,
        country=country, organization=get.get("organization", "") or name, phone=phone,
        address=address, city=city, region=region, postal_code=get.get("postal_code", ""),
        latitude=lat, longitude=lon, languages=languages, hours=hours,
        timezone=timezone_for(country, region, city, lon), cost=cost,
        eligibility=get.get("eligibility", ""), description=get.get("description", ""),
        alternate_name=get.get("alternate_name", ""),
        alternate_address=get.get("alternate_address", ""), source=get.get("source", ""),
    ), []


class _Collector:
    def __init__(self) -> None:
        self.result = ReadResult()
        self._lines: dict[str, str] = {}

    def add_mapped(self, mapped: Mapped) -> None:
        """Add an HSDS row: its warnings are kept, its problems reject it."""
        self.result.warnings.extend(Rejected(0, mapped.where, w) for w in mapped.warnings)
        if mapped.problems:
            _entry, problems = build_entry(mapped.row)
            reasons = mapped.problems + [p for p in problems if not p.startswith(
                ("unknown category", "phone"))]
            self.result.rejected.append(Rejected(0, mapped.where, "; ".join(reasons)))
            return
        self.add(mapped.row, 0, mapped.where)

    def add(self, row: dict[str, str], line: int, where: str) -> None:
        entry, problems = build_entry(row)
        if entry is not None and entry.id in self._lines:
            problems = [f"same name and address as {self._lines[entry.id]}"]
        if problems or entry is None:
            self.result.rejected.append(Rejected(line, where, "; ".join(problems)))
            return
        self._lines[entry.id] = where
        self.result.entries.append(entry)


def read_csv(text: str, file: str = "<csv>") -> ReadResult:
    """Read CSV with exactly CSV_HEADER (after any '#' note lines), then any of the
    OPTIONAL_COLUMNS; bad rows are rejected."""
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")))
    header = next(reader, [])
    while header and header[0].lstrip().startswith("#"):  # notes above the header
        header = next(reader, [])
    header = [h.strip().lower() for h in header]
    columns = tuple(header)
    optional = columns[len(CSV_HEADER):]
    if columns[:len(CSV_HEADER)] != CSV_HEADER or any(
            h not in OPTIONAL_COLUMNS for h in optional) or len(set(optional)) < len(optional):
        missing = [h for h in CSV_HEADER if h not in header]
        extra = [h for h in header if h not in CSV_HEADER + OPTIONAL_COLUMNS]
        detail = "".join([f"; missing: {', '.join(missing)}" if missing else "",
                          f"; unexpected: {', '.join(extra)}" if extra else ""])
        raise ImportFileError(f"{file}: the header must be exactly {','.join(CSV_HEADER)}"
                              + (detail or "; columns out of order"))
    collector = _Collector()
    while True:
        line = reader.line_num + 1
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            collector.result.rejected.append(Rejected(line, f"{file}:{line}", str(exc)))
            continue
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(columns):
            collector.result.rejected.append(Rejected(
                line, f"{file}:{line}", f"expected {len(columns)} fields, found {len(row)}"))
            continue
        collector.add(dict(zip(columns, row)), line, f"{file}:{line}")
    return collector.result


def read_tables(files: dict[str, str], name: str, categories: CategoryMap | None = None,
                country: str = "") -> ReadResult:
    """Read tabular HSDS (CSV tables by file name), every entry with `name` as its source."""
    services = assemble(files, name)
    return read_mapped(read_data(services, name, categories or load_map(), source=name,
                                 country=country))


def read_file(path: str, categories: CategoryMap | None = None,
              country: str = "") -> ReadResult:
    """Read a directory file: .json is HSDS JSON; a folder or .zip is tabular HSDS
    (CSV tables with datapackage.json); anything else our CSV."""
    name = os.path.basename(path.rstrip("/"))
    if os.path.isdir(path):
        return read_tables(read_folder(path), name, categories, country)
    if is_tabular(path):
        try:
            with open(path, "rb") as raw:
                data = raw.read()
        except OSError as exc:
            raise ImportFileError(f"{path}: cannot read: {exc}") from None
        return read_tables(read_zip(data, name), name, categories, country)
    try:
        with open(path, encoding="utf-8-sig") as handle:
            text = handle.read()
    except (OSError, UnicodeDecodeError) as exc:
        raise ImportFileError(f"{path}: cannot read: {exc}") from None
    return read_text(text, os.path.basename(path), categories, country)


def read_mapped(mapped: Any) -> ReadResult:
    """Collect mapped HSDS rows (an iterable of Mapped) into entries, rejections, warnings."""
    collector = _Collector()
    for item in mapped:
        collector.add_mapped(item)
    return collector.result


def read_text(text: str, name: str, categories: CategoryMap | None = None,
              country: str = "") -> ReadResult:
    """Read a directory file's text: HSDS JSON (.json or starting with { or [), else CSV.

    Every entry records the file's name as its source. `categories` maps HSDS taxonomy
    terms (the shipped mapping file when None); `country` is for HSDS entries without one."""
    text = text.lstrip("\ufeff")
    if name.lower().endswith(".json") or text.lstrip().startswith(("{", "[")):
        return read_mapped(read_hsds(text, name, categories or load_map(), source=name,
                                     country=country))
    read = read_csv(text, name)
    read.entries = [dataclasses.replace(e, source=name) for e in read.entries]
    return read


def read_upload(data: bytes, name: str, categories: CategoryMap | None = None,
                country: str = "") -> ReadResult:
    """Read an uploaded file: a zip is tabular HSDS, else text (HSDS JSON or our CSV)."""
    if name.lower().endswith(".zip") or data[:4] == b"PK\x03\x04":
        return read_tables(read_zip(data, name), name, categories, country)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ImportFileError(f"{name}: not UTF-8 text (save it as CSV UTF-8)") from None
    return read_text(text, name, categories, country)


def store_read(conn: Any, prefix: str, read: ReadResult, name: str,
               replace: bool = False) -> StoreReport:
    """Store the good rows of a read file (the one step `directory import` and the web share)."""
    if replace and not read.entries:
        raise ImportFileError(f"{name}: nothing to load: the directory was left as it was")
    return store_entries(conn, prefix, read.entries, replace=replace)


def import_text(conn: Any, prefix: str, text: str, name: str, replace: bool = False,
                categories: CategoryMap | None = None,
                country: str = "") -> tuple[ReadResult, StoreReport]:
    """Read an uploaded directory file's text and store its good rows."""
    read = read_text(text, name, categories, country)
    return read, store_read(conn, prefix, read, name, replace)


def import_file(conn: Any, prefix: str, path: str, replace: bool = False,
                categories: CategoryMap | None = None,
                country: str = "") -> tuple[ReadResult, StoreReport]:
    """Read a directory file and store its good rows; return what was read and changed."""
    read = read_file(path, categories, country)
    return read, store_read(conn, prefix, read, path, replace)


def load_if_empty(conn: Any, prefix: str, path: str) -> bool:
    """Load a file (e.g. the sample directory in demo mode) when no directory exists yet."""
    if conn.exists(Keys(prefix).current):
        return False
    import_file(conn, prefix, path)
    return True
