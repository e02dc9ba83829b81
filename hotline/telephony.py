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
from urllib.parse import urlsplit, urlunsplit

from twilio.http.http_client import TwilioHttpClient

from hotline.config import Settings

OUTBOX_FILE = "outbox.jsonl"
API_URL = "https://api.twilio.com"
TIMEOUT = 10  # seconds for one REST call

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


class OptedOut(Exception):
    """The number sent STOP: no SMS may go to it until START (Twilio refuses it too)."""


def scrubbed(exc: Exception) -> Exception:
    """The same error without phone numbers in its message: Twilio's messages name the
    'To' number, and a failed job's error is logged and kept in Redis for days."""
    from twilio.base.exceptions import TwilioRestException

    from hotline.logs import scrub

    if isinstance(exc, TwilioRestException):
        clean: Exception = TwilioRestException(exc.status, exc.uri, scrub(str(exc.msg or "")), exc.code,
                                   exc.method)  # details dropped: they may repeat the number
        return clean
    text = str(exc)
    if scrub(text) == text:
        return exc
    try:
        return type(exc)(scrub(text))
    except Exception:  # noqa: BLE001  an exception type that takes other arguments
        return RuntimeError(f"{type(exc).__name__}: {scrub(text)}")


class RebasedHttpClient(TwilioHttpClient):  # type: ignore[misc]
    """The library's HTTP client, sending to another base URL than api.twilio.com
    (HOTLINE_TWILIO_API_URL: a stand-in in tests, a proxy)."""

    def __init__(self, base: str):
        super().__init__(timeout=TIMEOUT)
        self.base = urlsplit(base)

    def request(self, method: str, url: str, *args: Any, **kwargs: Any) -> Any:
        parts = urlsplit(url)
        moved = urlunsplit((self.base.scheme, self.base.netloc, parts.path, parts.query,
                            parts.fragment))
        return super().request(method, moved, *args, **kwargs)


UNSUBSCRIBED = 21610  # Twilio's error code: "Attempt to send to unsubscribed recipient"


def transport_for(config: Settings, http_client: Any = None,
                  clock: Clock | None = None) -> Transport:
    """Return the Twilio transport when SID and token are set, else the outbox."""
    sid, token = config.twilio_account_sid, config.twilio_auth_token
    from_number = config.hotline_number or ""
    if sid and token:
        from twilio.rest import Client

        base = str(config.twilio_api_url or API_URL).rstrip("/")
        if http_client is None and base != API_URL:
            http_client = RebasedHttpClient(base)
        return TwilioTransport(Client(sid, token, http_client=http_client), from_number)
    return OutboxTransport(config.data_dir or "instance", from_number, clock)


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


def prune_outbox(data_dir: str, keep: Callable[[dict[str, Any]], bool]) -> int:
    """Rewrite the outbox with only the entries `keep` accepts; return how many went."""
    dropped, _ = rewrite_outbox(data_dir, lambda entry: entry if keep(entry) else None)
    return dropped


def rewrite_outbox(data_dir: str,
                   change: Callable[[dict[str, Any]], dict[str, Any] | None]) -> tuple[int, int]:
    """Rewrite the outbox through `change` (an entry as it should stay, or None to drop
    it); return (dropped, changed).

    The outbox stands in for the phone network in demo mode and tests, so erasure and
    the retention purge clean it too. The file is replaced whole and atomically (a
    temporary file, then rename), and only when something changed (an append racing
    from another process may be lost: demo mode only).
    """
    path = outbox_path(data_dir)
    with OutboxTransport._lock:
        try:
            with open(path, encoding="utf-8") as handle:
                lines = [line for line in handle if line.strip()]
        except FileNotFoundError:
            return 0, 0
        kept, dropped, changed = [], 0, 0
        for line in lines:
            try:
                entry = json.loads(line)
            except ValueError:
                dropped += 1  # a damaged line is dropped with the rest
                continue
            after = change(dict(entry))
            if after is None:
                dropped += 1
            elif after != entry:
                changed += 1
                kept.append(json.dumps(after, ensure_ascii=False) + "\n")
            else:
                kept.append(line)
        if not dropped and not changed:
            return 0, 0
        temporary = f"{path}.{uuid.uuid4().hex[:8]}.tmp"
        with open(temporary, "w", encoding="utf-8") as handle:
            handle.writelines(kept)
        os.replace(temporary, path)
    return dropped, changed
