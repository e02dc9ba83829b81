"""Open Referral HSDS 3.0 JSON read into directory rows: one row per service at a location.

Every shape the specification publishes is read: a single `service`; a list of
services; the API's paged response (`total_items`, `total_pages`, `page_number`,
`contents`); `service_at_location` objects and lists; `organization` objects with their
`services` (and `{"organizations": [...]}`, `{"services": [...]}`). A service may also
carry our CSV field names directly.

Bad fields spoil only themselves: impossible coordinates, an undialable phone, a
schedule we cannot read or a language without a code become warnings, and the entry
still loads. The entry is rejected only when what a caller needs is missing (a name,
a country, a category, a dialable phone when phones were given). Every warning and
rejection names the entry by its HSDS id and name.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import phonenumbers

from hotline.directory.rows import CSV_HEADER, LANGUAGE_WORDS, ImportFileError
from hotline.directory.taxonomy import CategoryMap, service_terms

Obj = dict[str, Any]

_BYDAY = {"MO": "mon", "TU": "tue", "WE": "wed", "TH": "thu", "FR": "fri", "SA": "sat",
          "SU": "sun"}
_WEEKDAY = {1: "mon", 2: "tue", 3: "wed", 4: "thu", 5: "fri", 6: "sat", 7: "sun"}
_DIALABLE_TYPES = {"", "voice", "cell", "textphone", "video"}  # not fax, pager, text
_FREE_WORDS = re.compile(r"\b(free|no (charge|cost|fee)s?|무료|бесплатно|免费)\b", re.IGNORECASE)
_TIME = re.compile(r"^(\d{1,2}):(\d{2})")


@dataclass
class Mapped:
    """One service at one location as our row, with what was wrong with it."""

    row: dict[str, str]
    where: str  # 'file: service <id> "<name>"'
    warnings: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # the entry cannot load


def _dict(value: Any) -> Obj:
    return value if isinstance(value, dict) else {}


def _list(value: Any) -> list[Obj]:
    if isinstance(value, dict):
        return [value]
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


def _text(value: Any) -> str:
    return "" if value is None or isinstance(value, (dict, list)) else str(value).strip()


# ---- shapes ----------------------------------------------------------------------------

def _is_service_at_location(item: Obj) -> bool:
    return isinstance(item.get("service"), dict) or (
        "service_id" in item and isinstance(item.get("location"), dict))


def _is_organization(item: Obj) -> bool:
    return isinstance(item.get("services"), list) and ("name" in item or "id" in item)


def walk(data: Any, file: str) -> Iterator[tuple[Obj, Obj, Obj | None]]:
    """Yield (service, organization, service_at_location or None) for every HSDS shape."""
    if isinstance(data, list):
        for item in data:
            if isinstance(item, dict):
                yield from walk(item, file)
        return
    if not isinstance(data, dict):
        raise ImportFileError(f"{file}: expected HSDS JSON (a service, a list, a page of "
                              "'contents', a service_at_location or an organization)")
    if isinstance(data.get("contents"), list):  # the API's paged response
        yield from walk(data["contents"], file)
        return
    if isinstance(data.get("organizations"), list):
        yield from walk(data["organizations"], file)
    if _is_organization(data):
        for service in _list(data["services"]):
            yield service, data, None
        return
    if isinstance(data.get("services"), list):  # {"services": [...]}
        for service in _list(data["services"]):
            yield service, {}, None
        return
    if _is_service_at_location(data):
        service = _dict(data.get("service"))
        yield service, _dict(service.get("organization")), data
        return
    if "name" in data or "id" in data:
        yield data, {}, None
    elif "organizations" not in data:
        raise ImportFileError(f"{file}: expected HSDS JSON (a service, a list, a page of "
                              "'contents', a service_at_location or an organization)")


def _locations(service: Obj, organization: Obj, sal: Obj | None) -> list[tuple[Obj, Obj]]:
    """(service_at_location, location) pairs; one ({}, {}) when the service has none."""
    by_id = {_text(loc.get("id")): loc for loc in _list(organization.get("locations"))}

    def resolve(link: Obj) -> Obj:
        return _dict(link.get("location")) or by_id.get(_text(link.get("location_id")), {})

    if sal is not None:
        return [(sal, resolve(sal))]
    pairs = [(link, resolve(link)) for link in _list(service.get("service_at_locations"))]
    pairs += [({}, loc) for loc in _list(service.get("location") or service.get("locations"))]
    physical = [p for p in pairs if _text(p[1].get("location_type")) != "virtual"
                or _list(p[1].get("addresses"))]
    return physical or pairs[:1] or [({}, {})]


# ---- fields ----------------------------------------------------------------------------

def _address(location: Obj, service: Obj) -> Obj:
    addresses = _list(location.get("addresses") or location.get("physical_addresses")
                      or location.get("address") or service.get("address"))
    return next((a for a in addresses if _text(a.get("address_type")) == "physical"),
                addresses[0] if addresses else {})


def _region_hint(country: str) -> str | None:
    code = country.strip().upper()
    return code if code in phonenumbers.SUPPORTED_REGIONS else None


def _phone(sources: list[list[Obj]], country: str, m: Mapped) -> str:
    """The first dialable voice number; every undialable one is a warning."""
    given = False
    for phones in sources:
        for phone in phones:
            number = _text(phone.get("number")).strip('"\' ')
            if not number or _text(phone.get("type")).lower() not in _DIALABLE_TYPES:
                continue
            given = True
            try:
                parsed = phonenumbers.parse(number, _region_hint(country))
                if phonenumbers.is_possible_number(parsed):
                    return phonenumbers.format_number(parsed,
                                                      phonenumbers.PhoneNumberFormat.E164)
            except phonenumbers.NumberParseException:
                pass
            m.warnings.append(f"phones: '{number}' is not a phone number; left out")
    if given:
        m.problems.append("phones: no dialable phone number is left")
    return ""


def _coordinates(location: Obj, m: Mapped) -> tuple[str, str]:
    lat, lon = location.get("latitude"), location.get("longitude")
    if lat in (None, "") and lon in (None, ""):
        return "", ""
    try:
        flat, flon = float(str(lat)), float(str(lon))
    except (TypeError, ValueError):
        flat = flon = math.nan
    if (math.isnan(flat) or math.isnan(flon) or not -90 <= flat <= 90
            or not -180 <= flon <= 180 or (flat == 0 and flon == 0)):
        m.warnings.append(f"latitude/longitude: {lat},{lon} is not a place on Earth; "
                          "coordinates dropped (still found by city and postal code)")
        return "", ""
    return repr(flat), repr(flon)


def _clock(value: Any) -> str | None:
    match = _TIME.match(_text(value))
    return f"{int(match.group(1)):02d}:{match.group(2)}" if match else None


def _schedules(sources: list[list[Obj]], m: Mapped) -> str:
    """Weekly schedules (byday + opens_at/closes_at) as our hours text."""
    rows = next((s for s in sources if s), [])
    clauses = []
    for row in rows:
        opens, closes = _clock(row.get("opens_at")), _clock(row.get("closes_at"))
        freq, interval = _text(row.get("freq")).upper(), _text(row.get("interval")) or "1"
        byday = _text(row.get("byday")).upper().replace(" ", "")
        days = [_BYDAY.get(d) for d in byday.split(",")] if byday else []
        if row.get("weekday") is not None and not byday:  # HSDS 2 regular_schedules
            days = [_WEEKDAY.get(int(row["weekday"])) if _text(row["weekday"]).isdigit()
                    else _text(row["weekday"]).lower()[:3]]
        if (freq not in ("", "WEEKLY") or interval not in ("1", "1.0") or not days
                or None in days or not (opens and closes)):
            m.warnings.append(f"schedules: {_text(row.get('id')) or 'a schedule'} "
                              f"(freq {freq or '-'}, byday {byday or '-'}, "
                              f"{_text(row.get('opens_at')) or '-'}-"
                              f"{_text(row.get('closes_at')) or '-'}) is not a weekly "
                              "opening time; left out")
            continue
        clauses.append(f"{','.join(d for d in days if d)} {opens}-{closes}")
    if sorted(clauses) == sorted(f"{d} 00:00-24:00" for d in _BYDAY.values()) or \
            clauses == ["mon,tue,wed,thu,fri,sat,sun 00:00-24:00"]:
        return "24/7"
    return "; ".join(clauses)


def _languages(sources: list[list[Obj]], m: Mapped) -> str:
    codes: list[str] = []
    for item in next((s for s in sources if s), []):
        code, name = _text(item.get("code")).lower(), _text(item.get("name"))
        found = LANGUAGE_WORDS.get(code) or LANGUAGE_WORDS.get(name.casefold()) or \
            (code.split("-")[0] if re.fullmatch(r"[a-z]{2,3}(-\w+)?", code) else "")
        if not found:
            m.warnings.append(f"languages: '{code or name}' is not a language code; left out")
        elif found not in codes:
            codes.append(found)
    return ";".join(codes)


def _cost(service: Obj, m: Mapped) -> str:
    options = _list(service.get("cost_options"))
    amounts = []
    for option in options:
        try:
            amounts.append(float(str(option.get("amount"))))
        except (TypeError, ValueError):
            continue
    fees = _text(service.get("fees_description") or service.get("fees")
                 or service.get("cost"))
    if amounts and all(a == 0 for a in amounts):
        return "free"
    if amounts or (fees and not _FREE_WORDS.search(fees) and fees.lower() not in ("low",
                                                                               "low cost")):
        m.warnings.append("cost_options/fees_description: not free; recorded as low cost")
        return "low"
    if fees.lower() in ("low", "low cost"):
        return "low"
    return "free"


def _label(service: Obj, sal: Obj, location: Obj, several: bool) -> str:
    ident = _text(service.get("id"))
    label = f'service {ident} "{_text(service.get("name"))}"' if ident \
        else f'service "{_text(service.get("name"))}"'
    if several:
        label += f" at location {_text(location.get('id') or sal.get('id')) or '?'}"
    return label


def map_service(service: Obj, organization: Obj, sal: Obj | None, categories: CategoryMap,
                file: str, source: str = "", country: str = "") -> Iterator[Mapped]:
    """Map one HSDS service to rows: one per location it is delivered at."""
    org = _dict(service.get("organization")) or organization
    pairs = _locations(service, organization, sal)
    for link, location in pairs:
        m = Mapped({}, f"{file}: {_label(service, link, location, len(pairs) > 1)}")
        address = _address(location, service)
        country = _text(address.get("country") or service.get("country")) or country
        row = {key: _text(service[key]) for key in CSV_HEADER
               if isinstance(service.get(key), (str, int, float))}
        row.setdefault("name", _text(service.get("name")))
        terms = service_terms(service)
        category = categories.category(terms)
        if not category:
            m.problems.append(
                f"attributes: taxonomy terms {', '.join(repr(t) for t in terms)} are not in "
                f"the category mapping file {categories.file} (add them there, or import "
                "with --category)" if terms else
                "attributes: no taxonomy term to decide a category (import with --category)")
        row["category"] = category
        phone_sources = [_list(link.get("phones")), _list(service.get("phones")),
                         _list(location.get("phones"))]
        if not row.get("phone"):
            row["phone"] = _phone(phone_sources, country, m)
        line1 = _text(address.get("address_1"))
        line2 = _text(address.get("address_2"))
        row.setdefault("address", f"{line1}, {line2}" if line1 and line2 else line1 or line2)
        row.setdefault("city", _text(address.get("city") or address.get("locality")))
        row.setdefault("region", _text(address.get("state_province") or address.get("region")))
        row.setdefault("country", country)
        row.setdefault("postal_code", _text(address.get("postal_code")))
        if "latitude" not in row:
            row["latitude"], row["longitude"] = _coordinates(location, m)
        row.setdefault("languages", _languages(
            [_list(service.get("languages")), _list(location.get("languages"))], m)
            if not isinstance(service.get("languages"), str) else service["languages"])
        row.setdefault("hours", _schedules(
            [_list(link.get("schedules")), _list(service.get("schedules")),
             _list(service.get("regular_schedules")), _list(location.get("schedules")),
             _list(location.get("regular_schedules"))], m))
        given_cost = row.get("cost", "")
        row["cost"] = given_cost if given_cost in ("free", "low") else _cost(service, m)
        row.setdefault("description", _text(service.get("description")))
        row["organization"] = _text(org.get("name"))
        row["eligibility"] = _text(service.get("eligibility_description")
                                   or service.get("eligibility"))
        row["alternate_name"] = _text(service.get("alternate_name"))
        row["source"] = source
        m.row = row
        yield m


def read_hsds(text: str, file: str, categories: CategoryMap, source: str = "",
              country: str = "") -> Iterator[Mapped]:
    """Yield every service at a location of an HSDS 3.0 JSON document, mapped."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ImportFileError(f"{file}: not valid JSON (line {exc.lineno}): {exc.msg}") from None
    yield from read_data(data, file, categories, source, country)


def read_data(data: Any, file: str, categories: CategoryMap, source: str = "",
              country: str = "") -> Iterator[Mapped]:
    """Yield every service at a location of parsed HSDS JSON, mapped (`country` for
    entries whose address gives none)."""
    for service, organization, sal in walk(data, file):
        yield from map_service(service, organization, sal, categories, file, source, country)
