"""Voice messages at Twilio: delete a recording, and stream its audio, through the REST API
with the account's credentials (never through a public link).

The twilio Client deletes (`client.recordings(sid).delete()`); the audio is fetched with
requests (the library's HTTP client reads bodies as text), streamed in chunks. With
HOTLINE_TWILIO_API_URL set (a local stand-in in tests), both go there instead of
https://api.twilio.com.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import requests

from hotline.config import Settings
from hotline.telephony import API_URL, TIMEOUT, RebasedHttpClient

CHUNK = 16384


class NoAccount(RuntimeError):
    """No Twilio credentials: there are no recordings to reach (demo mode)."""


class RecordingApi:
    """The recordings of one Twilio account."""

    def __init__(self, config: Settings):
        if not (config.twilio_account_sid and config.twilio_auth_token):
            raise NoAccount("TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN are not set")
        self.account = str(config.twilio_account_sid)
        self.token = str(config.twilio_auth_token)
        self.base = str(config.twilio_api_url or API_URL).rstrip("/")

    def _client(self) -> Any:
        from twilio.rest import Client

        http = RebasedHttpClient(self.base) if self.base != API_URL else None
        return Client(self.account, self.token, http_client=http)

    def delete(self, sid: str) -> bool:
        """Delete recording `sid`; False when Twilio no longer has it (deleted before).
        Any other refusal raises TwilioRestException (the job is retried)."""
        from twilio.base.exceptions import TwilioRestException

        try:
            return bool(self._client().recordings(sid).delete())
        except TwilioRestException as exc:
            if exc.status == 404:
                return False
            raise

    def audio(self, sid: str) -> tuple[str, Iterator[bytes]]:
        """(content type, chunks) of recording `sid` as MP3; raises LookupError when
        Twilio does not have it, requests.RequestException when it cannot be reached."""
        url = f"{self.base}/2010-04-01/Accounts/{self.account}/Recordings/{sid}.mp3"
        response = requests.get(url, auth=(self.account, self.token), stream=True,
                                timeout=TIMEOUT)
        if response.status_code == 404:
            response.close()
            raise LookupError(sid)
        response.raise_for_status()

        def chunks() -> Iterator[bytes]:
            with response:
                yield from response.iter_content(CHUNK)

        return response.headers.get("Content-Type", "audio/mpeg"), chunks()
