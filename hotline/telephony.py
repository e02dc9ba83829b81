"""Outbound transport: SMS and calls through the Twilio REST API, or into the local outbox.

Both transports have the same two methods; `transport_for(config)` picks one. The outbox
(`$HOTLINE_DATA_DIR/outbox.jsonl`, one JSON object per line) is what demo mode and tests
read instead of a phone.
"""

from __future__ import annotations

import json
import logging
import os
import threading
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, Protocol

OUTBOX_FILE = "outbox.jsonl"

Clock = Callable[[], float]

# The twilio library logs response bodies (which hold phone numbers) at INFO.
logging.getLogger("twilio.http_client").setLevel(logging.WARNING)


class Transport(Protocol):
    """Sends an SMS or places a call; returns the provider's id for it."""

    def send_sms(self, to: str, body: str, *, status_callback: str | None = None) -> str: ...

    def call(self, to: str, *, twiml: str | None = None, url: str | None = None,
             status_callback: str | None = None) -> str: ...


def _check_call(twiml: str | None, url: str | None) -> None:
    if (twiml is None) == (url is None):
        raise ValueError("a call needs exactly one of twiml or url")


class OutboxTransport:
    """Appends every SMS and call to outbox.jsonl instead of sending it."""

    _lock = threading.Lock()

    def __init__(self, data_dir: str, from_number: str = "", clock: Clock | None = None):
        self.path = outbox_path(data_dir)
        self.from_number = from_number
        self.clock = clock

    def _at(self) -> str:
        now = self.clock() if self.clock else datetime.now(UTC).timestamp()
        return datetime.fromtimestamp(now, UTC).isoformat(timespec="seconds")

    def _append(self, entry: dict[str, Any]) -> str:
        sid = ("SM" if entry["kind"] == "sms" else "CA") + "outbox" + uuid.uuid4().hex[:26]
        entry = {**entry, "from": self.from_number, "sid": sid, "at": self._at()}
        line = json.dumps(entry, ensure_ascii=False) + "\n"
        os.makedirs(os.path.dirname(self.path) or ".", exist_ok=True)
        with self._lock, open(self.path, "a", encoding="utf-8") as handle:
            handle.write(line)  # one write per line: whole lines even with several writers
        return sid

    def send_sms(self, to: str, body: str, *, status_callback: str | None = None) -> str:
        """Record an SMS in the outbox."""
        return self._append({"kind": "sms", "to": to, "body": body})

    def call(self, to: str, *, twiml: str | None = None, url: str | None = None,
             status_callback: str | None = None) -> str:
        """Record a call (its TwiML or URL) in the outbox."""
        _check_call(twiml, url)
        entry: dict[str, Any] = {"kind": "call", "to": to}
        entry["twiml" if twiml is not None else "url"] = twiml if twiml is not None else url
        if status_callback:
            entry["status_callback"] = status_callback
        return self._append(entry)


class TwilioTransport:
    """Sends through the Twilio REST API (twilio.rest.Client) from the hotline number."""

    def __init__(self, client: Any, from_number: str):
        self.client = client
        self.from_number = from_number

    def send_sms(self, to: str, body: str, *, status_callback: str | None = None) -> str:
        """Send an SMS; raises twilio.base.exceptions.TwilioRestException on refusal."""
        kwargs: dict[str, Any] = {"to": to, "from_": self.from_number, "body": body}
        if status_callback:
            kwargs["status_callback"] = status_callback
        return str(self.client.messages.create(**kwargs).sid)

    def call(self, to: str, *, twiml: str | None = None, url: str | None = None,
             status_callback: str | None = None) -> str:
        """Place a call running `twiml` (or the TwiML at `url`); raises TwilioRestException."""
        _check_call(twiml, url)
        kwargs: dict[str, Any] = {"to": to, "from_": self.from_number}
        if twiml is not None:
            kwargs["twiml"] = twiml
        else:
            kwargs["url"] = url
        if status_callback:
            kwargs["status_callback"] = status_callback
            kwargs["status_callback_event"] = ["completed"]
        return str(self.client.calls.create(**kwargs).sid)


def transport_for(config: dict[str, Any], http_client: Any = None,
                  clock: Clock | None = None) -> Transport:
    """Return the Twilio transport when SID and token are set, else the outbox."""
    sid, token = config.get("TWILIO_ACCOUNT_SID"), config.get("TWILIO_AUTH_TOKEN")
    from_number = config.get("HOTLINE_NUMBER") or ""
    if sid and token:
        from twilio.rest import Client

        return TwilioTransport(Client(sid, token, http_client=http_client), from_number)
    return OutboxTransport(config.get("DATA_DIR") or "instance", from_number, clock)


def outbox_path(data_dir: str) -> str:
    """Return the outbox file under the data directory."""
    return os.path.join(data_dir, OUTBOX_FILE)


def read_outbox(data_dir: str) -> list[dict[str, Any]]:
    """Return every outbox entry, oldest first (empty when nothing was sent)."""
    try:
        with open(outbox_path(data_dir), encoding="utf-8") as handle:
            return [json.loads(line) for line in handle if line.strip()]
    except FileNotFoundError:
        return []
