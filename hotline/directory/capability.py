"""The capabilities the directory_search node hands off to.

directory_search: search the directory and return plain data the node puts into words.
With DIRECTORY_FILE set (HOTLINE_DIRECTORY_FILE), that file is loaded first when Redis
holds no directory yet (demo mode, transcript tests).
send_sms: queue one directory result as an SMS to the caller (voice key 3). The number
is kept only Fernet-encrypted, under a key that expires, and the job gets an id. A number
that opted out (STOP) gets nothing queued: {"queued": False, "opted_out": True}.
Register both in create_app:
    capabilities.register("directory_search", directory_capability.search_capability)
    capabilities.register("send_sms", directory_capability.send_sms_capability)
"""

from __future__ import annotations

import functools
import hashlib
import logging
import re
import time
import uuid
from functools import lru_cache
from typing import Any

import phonenumbers

from hotline import keys as hotline_keys
from hotline.directory.gazetteer import Place, normalize
from hotline.directory.hours import Hours, HoursError, parse_hours
from hotline.directory.search import COUNTRY_KM, Hit, Index, get_index
from hotline.directory.store import CATEGORIES, Entry
from hotline.numbers import to_e164
from hotline.privacy import optout
from hotline.privacy.vault import vault_for

PENDING_TTL = 3600  # seconds an SMS waiting for its job may keep the encrypted number
MAX_SMS_BODY = 300  # characters; a directory line is far shorter
_ADDRESS_CHARS = 24

log = logging.getLogger("hotline.directory.store")


def _now(ctx: Any) -> float:
    config = getattr(ctx, "config", None)
    clock = config.clock if config is not None else None
    if clock:
        return float(clock())
    return float(getattr(ctx, "now", 0.0) or time.time())


@lru_cache(maxsize=8192)  # a service's public number, not a caller's: parsed once
def display_phone(e164: str, caller_country: str) -> str:
    """The number as a caller dials it: national form at home, international abroad."""
    if not e164:
        return ""
    try:
        parsed = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return e164
    home = phonenumbers.region_code_for_number(parsed)
    form = (phonenumbers.PhoneNumberFormat.NATIONAL if home == caller_country.upper()
            else phonenumbers.PhoneNumberFormat.INTERNATIONAL)
    return phonenumbers.format_number(parsed, form)


_SCRIPTS = {"ko": re.compile("[\uac00-\ud7a3]"), "zh": re.compile("[\u4e00-\u9fff]"),
            "ru": re.compile("[\u0400-\u04ff]")}
_OTHER_THAN_LATIN = re.compile("[\uac00-\ud7a3\u4e00-\u9fff\u0400-\u04ff]")


def _readable(text: str, language: str) -> bool:
    """Whether `text` is written in the letters of `language` (Latin for English)."""
    found = _SCRIPTS.get(language)
    return bool(found.search(text)) if found else not _OTHER_THAN_LATIN.search(text)


def in_language(text: str, alternate: str, language: str) -> str:
    """The entry's text, or its alternate when only that one is in the caller's letters."""
    if alternate and text and not _readable(text, language) and _readable(alternate, language):
        return alternate
    return text


def short_address(entry: Entry, language: str = "") -> str:
    """The first part of the address (before a comma), else the city; at most a few words;
    in the caller's language when the entry has it."""
    address = in_language(entry.address, entry.alternate_address, language)
    address = address.split(",")[0].strip() or entry.city
    return address if len(address) <= _ADDRESS_CHARS else address[:_ADDRESS_CHARS - 1] + "…"


@lru_cache(maxsize=8192)  # Hours is frozen; the same few texts come back every search
def _hours(text: str) -> Hours:
    try:
        return parse_hours(text)
    except HoursError:
        return parse_hours("")


def result_data(hit: Hit, caller_country: str, language: str = "") -> dict[str, Any]:
    """One hit as the node needs it: name (in the caller's language when the entry has
    it), phone, short address, hours by day groups."""
    entry = hit.entry
    hours = _hours(entry.hours)
    return {
        "id": entry.id, "name": in_language(entry.name, entry.alternate_name, language),
        "category": entry.category,
        "phone": display_phone(entry.phone, caller_country),
        "address": short_address(entry, language), "city": entry.city,
        "hours": [list(group) for group in hours.groups()], "always": hours.always,
        "in_place": hit.in_place,
        "distance_km": None if hit.distance_km is None else round(hit.distance_km, 1),
    }


def _categories(raw: Any) -> list[str]:
    return [c for c in ([raw] if isinstance(raw, str) else raw or ()) if c in CATEGORIES]


def place_name(index: Index, place: Place, query: str, language: str) -> str:
    """The place as the caller wrote it when that is one of its names (연길, not 옌지);
    else its name in the caller's language."""
    wrote = query.strip()
    names = {normalize(n) for n in (*place.names.values(), *place.aliases)}
    if wrote and not wrote.isdigit() and normalize(wrote) in names:
        return wrote
    return index.gazetteer.label(place, language)


def search_directory(index: Index, params: dict[str, Any], now: float) -> dict[str, Any]:
    """Run the node's search on an index; return what the node shows.

    `kind` (a part of `category`) is what the caller asked for: when none of it is in
    the place, the results are the nearest of that kind in the same country (the node
    says none is in the place), or none at all, so the caller is offered a call back.
    """
    language = str(params.get("language") or "ko")
    country = str(params.get("country") or "")
    categories = _categories(params.get("category"))
    kind = [c for c in _categories(params.get("kind")) if c in categories]
    query = str(params.get("place") or "")
    only = str(params.get("only_language") or "") or None
    search = functools.partial(
        index.search, query, category=categories or None, language=only, now=now,
        offset=max(0, int(params.get("offset") or 0)),
        limit=min(10, max(1, int(params.get("limit") or 5))),
        country=country, place_id=str(params.get("place_id") or ""))
    result = search()
    place = result.resolution.place
    if kind and set(kind) != set(categories) and place is not None:
        in_place = index.search(place_id=place.id, category=kind, limit=1, now=now,
                                nearby_km=0.0, language=only)
        if not in_place.hits:  # none of the asked kind here: the nearest in the country
            result = search(category=kind, nearby_km=COUNTRY_KM)
            place = result.resolution.place
    gaz = index.gazetteer
    data: dict[str, Any] = {
        "status": result.status, "offset": result.offset, "more": result.more,
        "place": {"id": place.id, "name": place_name(index, place, query, language)}
        if place else None,
        "choices": [{"id": p.id, "name": name} for p, name in zip(
            result.resolution.choices, gaz.choice_labels(result.resolution.choices, language))],
        "results": [result_data(h, country, language) for h in result.hits],
    }
    if result.status == "none" and place is not None:
        # Nothing within reach: name the nearest place in the same country that has
        # something of this kind (never one across a border).
        for _, pid in index.nearest_places(place):
            if gaz.places[pid].country != place.country:
                continue
            found = index.search(place_id=pid, category=kind or categories or None, limit=1,
                                 now=now)
            if found.hits and pid != place.id:
                data["nearby"] = {"id": pid, "name": gaz.label(gaz.places[pid], language)}
                break
    return data


def search_capability(ctx: Any, params: dict[str, Any]) -> dict[str, Any]:
    """directory_search: find services near params['place'] (ctx has .redis and .config)."""
    prefix = hotline_keys.prefix(ctx.config)
    # The directory's version, read with the step's first read (conversation.arrival).
    revision = getattr(ctx, "directory_revision", None)
    if ctx.config.directory_file:  # demo and transcripts: a file stands in for staff
        from hotline.directory.importer import load_if_empty

        if load_if_empty(ctx.redis, prefix, str(ctx.config.directory_file)):
            revision = None  # loaded just now: read the version again
    return search_directory(get_index(ctx.redis, prefix, revision), params, _now(ctx))


def send_sms_capability(ctx: Any, params: dict[str, Any]) -> dict[str, Any]:
    """send_sms: queue params['body'] as an SMS to the caller; return {'queued': bool}."""
    from hotline import jobs

    number = to_e164(getattr(ctx, "caller", "") or "")
    body = str(params.get("body") or "").strip()[:MAX_SMS_BODY]
    if not number or not body or not ctx.config.encryption_key:
        return {"queued": False}
    if optout.is_opted_out(ctx.redis, ctx.config, number):
        return {"queued": False, "opted_out": True}  # the caller hears why, and START
    sid = getattr(ctx, "call_sid", "") or getattr(ctx, "message_sid", "")
    digest = hashlib.sha256(f"{sid}|{body}".encode()).hexdigest()[:16]
    sms_id = digest if sid else uuid.uuid4().hex[:16]
    key = hotline_keys.of(ctx.config).directory.sms(sms_id)
    token = vault_for(ctx.config.encryption_key or "").encrypt(number)
    # The same call asking twice for the same line (a Twilio retry) sends one SMS.
    if not ctx.redis.hset(key, mapping={"to": token, "body": body}) and sid:
        return {"queued": True}
    ctx.redis.expire(key, PENDING_TTL)
    ctx.jobs.append(jobs.JobSpec(
        jobs.DEFAULT, "hotline.directory.capability.send_entry_sms", (sms_id, key),
        hotline_keys.directory_sms_job(sms_id),
        options={"retry": jobs.SMS_RETRY, "result_ttl": jobs.RESULT_TTL}))
    return {"queued": True}


def send_entry_sms(sms_id: str, key: str) -> str:
    """Job: send one queued directory SMS, then forget the number."""
    from hotline import job_context as context

    conn, config = context.connection(), context.config()
    pending: dict[bytes, bytes] = conn.hgetall(key)  # type: ignore[assignment]
    if not pending:
        log.info("directory sms %s: nothing pending (sent or expired)", sms_id)
        return "skipped"
    from hotline.effects import at_most_once
    from hotline.telephony import OptedOut

    number = vault_for(config.encryption_key or "").decrypt(pending[b"to"])
    outcome = "sent" if number else "dropped"
    with at_most_once(conn, config, f"dirsms-{sms_id}") as first:  # killed after sending
        if number and first:
            try:
                context.transport().send_sms(number, pending[b"body"].decode("utf-8"))
            except OptedOut:
                outcome = "opted_out"
    conn.delete(key)
    log.info("directory sms %s %s", sms_id,
             {"sent": "sent", "dropped": "dropped: no key opens the number",
              "opted_out": "not sent: the caller opted out"}[outcome])
    return outcome
