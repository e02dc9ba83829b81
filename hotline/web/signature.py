"""The Twilio signature check shared by every /twilio blueprint."""

from __future__ import annotations

import hmac
import logging

from flask import abort, request
from twilio.request_validator import RequestValidator

from hotline.web import runtime

log = logging.getLogger(__name__)


def signed_url(public_url: str) -> str:
    """Return the URL Twilio signed: PUBLIC_URL + this request's path and query (not Host)."""
    url = public_url.rstrip("/") + request.path
    if request.query_string:
        url += "?" + request.query_string.decode("utf-8", "replace")
    return url


def check_signature() -> None:
    """Refuse (403) any request without a valid Twilio signature."""
    config = runtime().config
    signature = request.headers.get("X-Twilio-Signature", "")
    validator = RequestValidator(config["TWILIO_AUTH_TOKEN"])
    url = signed_url(config["PUBLIC_URL"])
    if not signature or not (_matches(validator, url, signature)
                             or validator.validate(url, request.form, signature)):
        log.warning("rejected %s: missing or invalid Twilio signature", request.path)
        abort(403)


def _matches(validator: RequestValidator, url: str, signature: str) -> bool:
    """The common case in one HMAC: signed over exactly this URL (validate() always computes
    two, with and without the port, and is the fallback for the other forms)."""
    computed = validator.compute_signature(url, request.form)
    return hmac.compare_digest(computed.encode(), signature.encode("utf-8", "replace"))
