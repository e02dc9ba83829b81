"""The directory written as Open Referral HSDS 3.0 JSON, and a check of what we write.

`export_hsds` gives the API's paged shape (`total_items` ... `contents`) holding every
service with its organization, service_at_locations (location, address), phones,
schedules, languages, cost and category (an attribute with a taxonomy_term from the
taxonomy `hotline`, whose code is our category). HSDS ids are UUIDs derived from our
entry ids, so the same directory always exports the same ids.

`check_hsds` checks a document against the required fields and types of the published
schema (schema/*.json of openreferral/specification, 3.0): every problem names its path.
"""

from __future__ import annotations

import uuid
from typing import Any

from hotline.directory.hours import parse_hours
from hotline.directory.store import Entry

_NS = uuid.UUID("7f1c3a52-5b0e-4d4a-9d3e-6c2f0b1a8e11")
_BYDAY = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
TAXONOMY = "hotline"


def _id(*parts: str) -> str:
    return str(uuid.uuid5(_NS, "|".join(parts)))


def _hhmm(minutes: int) -> str:
    minutes = minutes - 1440 if minutes > 1440 else minutes
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _schedules(entry: Entry) -> list[dict[str, Any]]:
    hours = parse_hours(entry.hours)
    if hours.always:
        groups = {(0, 1440): list(range(7))}
    else:
        groups = {}
        for day, opens, closes in hours.spans:
            groups.setdefault((opens, closes), []).append(day)
    return [{"id": _id(entry.id, "schedule", str(opens), str(closes)), "freq": "WEEKLY",
             "interval": 1, "byday": ",".join(_BYDAY[d] for d in sorted(days)),
             "opens_at": _hhmm(opens), "closes_at": _hhmm(closes),
             **({"description": "24/7"} if hours.always else {})}
            for (opens, closes), days in groups.items()]


def _location(entry: Entry) -> dict[str, Any]:
    location: dict[str, Any] = {
        "id": _id(entry.id, "location"), "location_type": "physical", "name": entry.name,
        "addresses": [{
            "id": _id(entry.id, "address"), "address_1": entry.address, "city": entry.city,
            "region": entry.region, "state_province": entry.region,
            "postal_code": entry.postal_code, "country": entry.country,
            "address_type": "physical"}],
    }
    if entry.latitude is not None and entry.longitude is not None:
        location["latitude"], location["longitude"] = entry.latitude, entry.longitude
    return location


def service_of(entry: Entry) -> dict[str, Any]:
    """One entry as an HSDS 3.0 service (with its organization and location)."""
    organization = entry.organization or entry.name
    service: dict[str, Any] = {
        "id": _id(entry.id), "name": entry.name, "description": entry.description,
        "status": "active", "eligibility_description": entry.eligibility,
        "organization": {"id": _id("organization", organization), "name": organization,
                         "description": organization},
        "phones": [{"id": _id(entry.id, "phone"), "number": entry.phone, "type": "voice"}]
        if entry.phone else [],
        "schedules": _schedules(entry),
        "languages": [{"id": _id(entry.id, "language", code), "code": code}
                      for code in entry.languages],
        "attributes": [{"id": _id(entry.id, "category"), "link_entity": "service",
                        "link_type": "category", "link_id": _id(entry.id),
                        "taxonomy_term_id": _id("term", entry.category),
                        "taxonomy_term": {"id": _id("term", entry.category),
                                          "code": entry.category, "name": entry.category,
                                          "description": f"Hotline category {entry.category}",
                                          "taxonomy": TAXONOMY}}],
        "service_at_locations": [{"id": _id(entry.id, "service_at_location"),
                                  "location": _location(entry)}],
    }
    if entry.alternate_name:
        service["alternate_name"] = entry.alternate_name
    if entry.cost == "free":
        service["cost_options"] = [{"id": _id(entry.id, "cost"), "amount": 0,
                                    "option": "free"}]
    else:
        service["fees_description"] = "low cost"
    return service


def export_hsds(entries: list[Entry]) -> dict[str, Any]:
    """The directory as one page of the HSDS API's service list."""
    contents = [service_of(e) for e in sorted(entries, key=lambda e: (e.country, e.city,
                                                                     e.name, e.id))]
    return {"total_items": len(contents), "total_pages": 1, "page_number": 1,
            "size": len(contents), "first_page": True, "last_page": True,
            "empty": not contents, "contents": contents}


# Required fields, field types and nested objects, from the published schema (3.0).
_STR, _NUM, _ARR, _OBJ, _BOOL, _INT = "string", "number", "array", "object", "boolean", "integer"
SCHEMA: dict[str, dict[str, Any]] = {
    "service_list": {"required": ["total_items", "total_pages", "page_number", "size",
                                  "first_page", "last_page", "empty", "contents"],
                     "types": {"total_items": _INT, "total_pages": _INT, "page_number": _INT,
                               "size": _INT, "first_page": _BOOL, "last_page": _BOOL,
                               "empty": _BOOL, "contents": _ARR},
                     "children": {"contents": "service"}},
    "service": {"required": ["id", "name", "status"],
                "types": {"id": _STR, "name": _STR, "alternate_name": _STR,
                          "description": _STR, "status": _STR,
                          "eligibility_description": _STR, "fees_description": _STR,
                          "phones": _ARR, "schedules": _ARR, "languages": _ARR,
                          "service_at_locations": _ARR, "organization": _OBJ,
                          "cost_options": _ARR, "attributes": _ARR},
                "enums": {"status": ["active", "inactive", "defunct", "temporarily closed"]},
                "children": {"phones": "phone", "schedules": "schedule",
                             "languages": "language", "organization": "organization",
                             "service_at_locations": "service_at_location",
                             "cost_options": "cost_option", "attributes": "attribute"}},
    "organization": {"required": ["id", "name", "description"],
                     "types": {"id": _STR, "name": _STR, "description": _STR}},
    "phone": {"required": ["id", "number"],
              "types": {"id": _STR, "number": _STR, "extension": _NUM, "type": _STR}},
    "schedule": {"required": ["id"],
                 "types": {"id": _STR, "freq": _STR, "interval": _NUM, "byday": _STR,
                           "opens_at": _STR, "closes_at": _STR, "timezone": _NUM,
                           "description": _STR},
                 "enums": {"freq": ["WEEKLY", "MONTHLY"]}},
    "language": {"required": ["id"], "types": {"id": _STR, "name": _STR, "code": _STR}},
    "service_at_location": {"required": ["id"],
                            "types": {"id": _STR, "location": _OBJ},
                            "children": {"location": "location"}},
    "location": {"required": ["id", "location_type"],
                 "types": {"id": _STR, "location_type": _STR, "name": _STR,
                           "latitude": _NUM, "longitude": _NUM, "addresses": _ARR},
                 "enums": {"location_type": ["physical", "postal", "virtual"]},
                 "children": {"addresses": "address"}},
    "address": {"required": ["id", "address_1", "city", "state_province", "postal_code",
                             "country", "address_type"],
                "types": {"id": _STR, "address_1": _STR, "city": _STR, "region": _STR,
                          "state_province": _STR, "postal_code": _STR, "country": _STR,
                          "address_type": _STR},
                "enums": {"address_type": ["physical", "postal", "virtual"]}},
    "cost_option": {"required": ["id"],
                    "types": {"id": _STR, "amount": _NUM, "currency": _STR, "option": _STR}},
    "attribute": {"required": ["id"],
                  "types": {"id": _STR, "taxonomy_term": _OBJ, "link_id": _STR,
                            "link_type": _STR, "link_entity": _STR},
                  "children": {"taxonomy_term": "taxonomy_term"}},
    "taxonomy_term": {"required": ["id", "name", "description"],
                      "types": {"id": _STR, "code": _STR, "name": _STR,
                                "description": _STR, "taxonomy": _STR}},
}


def _is(value: Any, kind: str) -> bool:
    if kind == _NUM:
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if kind == _INT:
        return isinstance(value, int) and not isinstance(value, bool)
    return isinstance(value, {_STR: str, _ARR: list, _OBJ: dict, _BOOL: bool}[kind])


def check_hsds(value: Any, kind: str = "service_list", path: str = "") -> list[str]:
    """Problems of `value` as an HSDS `kind`: missing required fields, wrong types."""
    spec = SCHEMA[kind]
    if not isinstance(value, dict):
        return [f"{path or kind}: a {kind} must be an object"]
    problems = [f"{path}{field}: required ({kind})" for field in spec["required"]
                if value.get(field) is None]
    for field, kind_of in spec["types"].items():
        if field in value and value[field] is not None and not _is(value[field], kind_of):
            problems.append(f"{path}{field}: must be a {kind_of}, not {value[field]!r}")
    for field, allowed in spec.get("enums", {}).items():
        if field in value and value[field] not in allowed:
            problems.append(f"{path}{field}: {value[field]!r} is not one of {allowed}")
    for field, child in spec.get("children", {}).items():
        item = value.get(field)
        if isinstance(item, list):
            for n, each in enumerate(item):
                problems += check_hsds(each, child, f"{path}{field}[{n}].")
        elif isinstance(item, dict):
            problems += check_hsds(item, child, f"{path}{field}.")
    return problems
