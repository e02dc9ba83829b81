"""HSDS-style JSON (Open Referral): services with their organization, location, phones,
schedules and languages, turned into the flat fields of a directory row.

Accepted shapes: a list of services; {"services": [...]}; {"organizations": [{...,
"services": [...]}]}. A service may also carry our CSV field names directly.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from hotline.directory.rows import CSV_HEADER, ImportFileError

_BYDAY = {"MO": "mon", "TU": "tue", "WE": "wed", "TH": "thu", "FR": "fri", "SA": "sat",
          "SU": "sun"}
_WEEKDAY = {1: "mon", 2: "tue", 3: "wed", 4: "thu", 5: "fri", 6: "sat", 7: "sun"}


def _first(value: Any) -> dict[str, Any]:
    if isinstance(value, list):
        value = value[0] if value else {}
    return value if isinstance(value, dict) else {}


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def _schedule(service: dict[str, Any], location: dict[str, Any]) -> str:
    """HSDS schedules (byday RRULE days or weekday numbers) as our hours text."""
    rows = service.get("schedules") or location.get("schedules") or \
        service.get("regular_schedules") or location.get("regular_schedules") or []
    clauses = []
    for row in rows if isinstance(rows, list) else []:
        if not isinstance(row, dict):
            continue
        opens, closes = _text(row.get("opens_at"))[:5], _text(row.get("closes_at"))[:5]
        if row.get("byday"):
            days = ",".join(_BYDAY.get(d.strip().upper(), d.strip())
                            for d in _text(row["byday"]).split(","))
        elif row.get("weekday") is not None:
            day = row["weekday"]
            days = _WEEKDAY.get(int(day), _text(day)) if _text(day).isdigit() else _text(day)
        else:
            days = "mon-sun"
        clauses.append(f"{days} {opens}-{closes}")
    return "; ".join(clauses)


def _languages(service: dict[str, Any]) -> str:
    raw = service.get("languages") or []
    if isinstance(raw, str):
        return raw
    codes = []
    for item in raw:
        codes.append(_text(item.get("code") or item.get("language") or item.get("name"))
                     if isinstance(item, dict) else _text(item))
    return ";".join(c for c in codes if c)


def _category(service: dict[str, Any]) -> str:
    if service.get("category"):
        return _text(service["category"])
    for key in ("categories", "taxonomy_terms", "attributes"):
        for item in service.get(key) or []:
            if isinstance(item, dict):
                nested = item.get("taxonomy_term")
                term = nested if isinstance(nested, dict) else item
                return _text(term.get("code") or term.get("term") or term.get("name"))
            return _text(item)
    return ""


def service_row(service: dict[str, Any], organization: dict[str, Any]) -> dict[str, str]:
    """The flat row (CSV field names, plus organization and eligibility) of one service."""
    location = _first(service.get("location") or service.get("locations"))
    if not location and service.get("service_at_locations"):
        location = _first(_first(service["service_at_locations"]).get("location"))
    address = _first(location.get("addresses") or location.get("physical_addresses")
                     or location.get("address") or service.get("address"))
    phone = _first(service.get("phones") or location.get("phones"))
    org = service.get("organization") if isinstance(service.get("organization"), dict) \
        else organization
    row = {key: _text(service[key]) for key in CSV_HEADER
           if isinstance(service.get(key), (str, int, float))}
    row.setdefault("name", _text(service.get("name")))
    row.setdefault("alternate_name", _text(service.get("alternate_name")))
    row.setdefault("category", _category(service))
    row.setdefault("phone", _text(phone.get("number")))
    row.setdefault("address", _text(address.get("address_1")))
    row.setdefault("city", _text(address.get("city") or address.get("locality")))
    row.setdefault("region", _text(address.get("state_province") or address.get("region")))
    row.setdefault("country", _text(address.get("country")))
    row.setdefault("postal_code", _text(address.get("postal_code")))
    row.setdefault("latitude", _text(location.get("latitude")))
    row.setdefault("longitude", _text(location.get("longitude")))
    row.setdefault("languages", _languages(service))
    row.setdefault("hours", _schedule(service, location))
    row.setdefault("cost", _text(service.get("cost") or ("free" if service.get("free") else "")))
    row.setdefault("description", _text(service.get("description")))
    row["organization"] = _text(org.get("name")) if org else ""
    row["eligibility"] = _text(service.get("eligibility_description")
                               or service.get("eligibility"))
    return row


def read_hsds(text: str, file: str = "<json>") -> Iterator[tuple[dict[str, str], str]]:
    """Yield (row, where) for every service in an HSDS-style JSON document."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ImportFileError(f"{file}: not valid JSON (line {exc.lineno}): {exc.msg}") from None
    if isinstance(data, list):
        data = {"services": data}
    if not isinstance(data, dict) or not ("services" in data or "organizations" in data):
        raise ImportFileError(f"{file}: expected a list of services, or an object with "
                              "'services' or 'organizations'")
    for n, service in enumerate(data.get("services") or []):
        where = f"{file}: services[{n}]"
        if isinstance(service, dict):
            yield service_row(service, {}), where
        else:
            yield {"name": ""}, where
    for n, org in enumerate(data.get("organizations") or []):
        for m, service in enumerate(org.get("services") or [] if isinstance(org, dict) else []):
            where = f"{file}: organizations[{n}].services[{m}]"
            yield (service_row(service, org) if isinstance(service, dict) else {"name": ""},
                   where)
