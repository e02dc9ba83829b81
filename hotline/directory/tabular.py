"""Tabular HSDS 3.0: a folder or zip of CSV tables (services.csv, locations.csv,
service_at_location.csv, phones.csv, addresses.csv, schedules.csv, languages.csv, and
organizations.csv, attributes.csv, taxonomy_terms.csv, cost_options.csv when given) with
its datapackage.json, joined by their *_id columns into the nested JSON shape that
hotline.directory.hsds maps.

A phone or schedule row goes to the most specific thing it names: its
service_at_location, else its service, else its location.
"""

from __future__ import annotations

import csv
import io
import json
import os
import posixpath
import zipfile
from typing import Any

from hotline.directory.rows import ImportFileError

MAX_UNZIPPED = 50 * 1024 * 1024  # bytes of CSV read from one zip at most

Row = dict[str, Any]
# table -> file names it may have (the schema's `path`, and the plural the examples use)
TABLES = {
    "services": ("services.csv", "service.csv"),
    "organizations": ("organizations.csv", "organization.csv"),
    "locations": ("locations.csv", "location.csv"),
    "service_at_locations": ("service_at_location.csv", "service_at_locations.csv",
                             "services_at_location.csv"),
    "addresses": ("addresses.csv", "address.csv"),
    "phones": ("phones.csv", "phone.csv"),
    "schedules": ("schedules.csv", "schedule.csv"),
    "languages": ("languages.csv", "language.csv"),
    "attributes": ("attributes.csv", "attribute.csv"),
    "taxonomy_terms": ("taxonomy_terms.csv", "taxonomy_term.csv"),
    "cost_options": ("cost_options.csv", "cost_option.csv"),
}


def is_tabular(path: str) -> bool:
    """Is this a folder or a zip (the tabular form) rather than one file?"""
    return os.path.isdir(path) or path.lower().endswith(".zip")


def _rows(text: str, name: str) -> list[Row]:
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    try:
        return [{k.strip(): v.strip() for k, v in row.items() if k and v and v.strip()}
                for row in reader]
    except csv.Error as exc:
        raise ImportFileError(f"{name}: line {reader.line_num}: {exc}") from None


def _by(rows: list[Row], key: str) -> dict[str, list[Row]]:
    out: dict[str, list[Row]] = {}
    for row in rows:
        if row.get(key):
            out.setdefault(row[key], []).append(row)
    return out


def _place(rows: list[Row], keys: tuple[str, ...]) -> dict[tuple[str, str], list[Row]]:
    """Each row under the first of `keys` it names: (key, id) -> rows."""
    out: dict[tuple[str, str], list[Row]] = {}
    for row in rows:
        key = next((k for k in keys if row.get(k)), "")
        if key:
            out.setdefault((key, row[key]), []).append(row)
    return out


def assemble(files: dict[str, str], name: str) -> list[Row]:
    """The services of the tables (file name -> CSV text), nested as HSDS JSON."""
    tables: dict[str, list[Row]] = {}
    for table, names in TABLES.items():
        found = next((n for n in names if n in files), None)
        tables[table] = _rows(files[found], f"{name}/{found}") if found else []
    if not any(n in files for n in TABLES["services"]):
        raise ImportFileError(f"{name}: no services.csv (the tabular HSDS form needs it)")
    phones = _place(tables["phones"], ("service_at_location_id", "service_id", "location_id"))
    schedules = _place(tables["schedules"],
                       ("service_at_location_id", "service_id", "location_id"))
    languages = _place(tables["languages"], ("service_id", "location_id"))
    addresses = _by(tables["addresses"], "location_id")
    organizations = {o["id"]: o for o in tables["organizations"] if o.get("id")}
    terms = {t["id"]: t for t in tables["taxonomy_terms"] if t.get("id")}
    attributes = _by(tables["attributes"], "link_id")
    costs = _by(tables["cost_options"], "service_id")
    locations = {}
    for location in tables["locations"]:
        lid = location.get("id", "")
        locations[lid] = dict(location, addresses=addresses.get(lid, []),
                              phones=phones.get(("location_id", lid), []),
                              schedules=schedules.get(("location_id", lid), []),
                              languages=languages.get(("location_id", lid), []))
    links = _by(tables["service_at_locations"], "service_id")
    services = []
    for service in tables["services"]:
        sid = service.get("id", "")
        services.append(dict(
            service,
            organization=organizations.get(service.get("organization_id", ""), {}),
            phones=phones.get(("service_id", sid), []),
            schedules=schedules.get(("service_id", sid), []),
            languages=languages.get(("service_id", sid), []),
            cost_options=costs.get(sid, []),
            attributes=[dict(a, taxonomy_term=terms.get(a.get("taxonomy_term_id", ""), {}))
                        for a in attributes.get(sid, [])],
            service_at_locations=[dict(
                link, location=locations.get(link.get("location_id", ""), {}),
                phones=phones.get(("service_at_location_id", link.get("id", "")), []),
                schedules=schedules.get(("service_at_location_id", link.get("id", "")), []))
                for link in links.get(sid, [])],
        ))
    return services


def _datapackage_paths(files: dict[str, str], name: str) -> dict[str, str]:
    """Rename the tables after datapackage.json's resources (name -> path), when given."""
    if "datapackage.json" not in files:
        return files
    try:
        package = json.loads(files["datapackage.json"])
    except json.JSONDecodeError as exc:
        raise ImportFileError(f"{name}/datapackage.json: not valid JSON: {exc.msg}") from None
    out = dict(files)
    for resource in package.get("resources", []) if isinstance(package, dict) else []:
        if not isinstance(resource, dict):
            continue
        path = posixpath.basename(str(resource.get("path") or ""))
        table = str(resource.get("name") or "")
        if path in files:
            for names in TABLES.values():
                if table in {n[:-4] for n in names}:
                    out.setdefault(names[0], files[path])
    return out


def read_folder(path: str) -> dict[str, str]:
    """The CSV tables and datapackage.json of a folder (file name -> text)."""
    files = {}
    for entry in sorted(os.listdir(path)):
        if entry.lower().endswith(".csv") or entry == "datapackage.json":
            try:
                with open(os.path.join(path, entry), encoding="utf-8-sig") as handle:
                    files[entry.lower()] = handle.read()
            except (OSError, UnicodeDecodeError) as exc:
                raise ImportFileError(f"{path}/{entry}: cannot read: {exc}") from None
    return _datapackage_paths(files, path)


def read_zip(data: bytes, name: str) -> dict[str, str]:
    """The CSV tables and datapackage.json of a zip, wherever they sit inside it."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        raise ImportFileError(f"{name}: not a zip file") from None
    files, total = {}, 0
    for info in archive.infolist():
        base = posixpath.basename(info.filename).lower()
        if info.is_dir() or base.startswith(".") or not (
                base.endswith(".csv") or base == "datapackage.json"):
            continue
        total += info.file_size
        if total > MAX_UNZIPPED:
            raise ImportFileError(f"{name}: more than {MAX_UNZIPPED // 2**20} MB of tables")
        try:
            files[base] = archive.read(info).decode("utf-8-sig")
        except (UnicodeDecodeError, zipfile.BadZipFile, OSError) as exc:
            raise ImportFileError(f"{name}/{info.filename}: cannot read: {exc}") from None
    return _datapackage_paths(files, name)
