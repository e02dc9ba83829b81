"""A local HTTP server playing the Twilio REST API (Messages, Calls and Recordings), for
offline tests.

The real twilio Client talks to it through LocalHttpClient, which rewrites
https://api.twilio.com/... to http://127.0.0.1:<port>/... and otherwise runs the
library's own request code.
"""

from __future__ import annotations

import json
import re
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit, urlunsplit

from twilio.http.http_client import TwilioHttpClient

_PATH = re.compile(r"^/2010-04-01/Accounts/(?P<account>AC\w+)/(?P<what>Messages|Calls)\.json$")
_RECORDING = re.compile(
    r"^/2010-04-01/Accounts/(?P<account>AC\w+)/Recordings/(?P<sid>RE\w+)\.(?P<ext>json|mp3)$")

# Numbers the stub refuses, with the Twilio error code it answers.
REFUSED = {"+15005550009": (400, 21610, "Attempt to send to unsubscribed recipient")}


class TwilioApiStub:
    """Runs the stand-in API on a random port; `requests` lists what it received.

    Recordings: `recordings` maps a RecordingSid to its audio (GET <sid>.mp3 answers it,
    DELETE <sid>.json removes it: 204, then 404); `fail_deletes` DELETEs in a row answer
    500 first, as Twilio does when it cannot delete now; `deleted` lists the sids deleted.
    """

    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self.recordings: dict[str, bytes] = {}
        self.deleted: list[str] = []
        self.fail_deletes = 0
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def _recording(self) -> re.Match[str] | None:
                match = _RECORDING.match(urlsplit(self.path).path)
                if match and not self.headers.get("Authorization", "").startswith("Basic "):
                    self._send(401, {"code": 20003, "message": "Authenticate", "status": 401})
                    return None
                if match is None:
                    self._send(404, {"code": 20404, "message": "Not found", "status": 404})
                return match

            def do_GET(self) -> None:
                match = self._recording()
                if match is None:
                    return
                stub.requests.append({"what": "Recording", "method": "GET", "sid": match["sid"]})
                audio = stub.recordings.get(match["sid"])
                if audio is None or match["ext"] != "mp3":
                    return self._send(404, {"code": 20404, "message": "Not found", "status": 404})
                self.send_response(200)
                self.send_header("Content-Type", "audio/mpeg")
                self.send_header("Content-Length", str(len(audio)))
                self.end_headers()
                self.wfile.write(audio)

            def do_DELETE(self) -> None:
                match = self._recording()
                if match is None:
                    return
                stub.requests.append({"what": "Recording", "method": "DELETE",
                                      "sid": match["sid"]})
                if stub.fail_deletes > 0:
                    stub.fail_deletes -= 1
                    return self._send(500, {"code": 20500, "message": "Internal Server Error",
                                            "status": 500})
                if stub.recordings.pop(match["sid"], None) is None:
                    return self._send(404, {"code": 20404, "message": "Not found", "status": 404})
                stub.deleted.append(match["sid"])
                self.send_response(204)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                form = {k: v if len(v) > 1 else v[0]
                        for k, v in parse_qs(self.rfile.read(length).decode()).items()}
                match = _PATH.match(urlsplit(self.path).path)
                if not match:
                    return self._send(404, {"code": 20404, "message": "Not found",
                                            "status": 404})
                if not self.headers.get("Authorization", "").startswith("Basic "):
                    return self._send(401, {"code": 20003, "message": "Authenticate",
                                            "status": 401})
                stub.requests.append({"what": match["what"], "form": form})
                refused = REFUSED.get(str(form.get("To")))
                if refused:
                    status, code, message = refused
                    return self._send(status, {"code": code, "message": message,
                                               "status": status,
                                               "more_info": f"https://www.twilio.com/docs/errors/{code}"})
                return self._send(201, _resource(match["account"], match["what"], form))

            def _send(self, status: int, body: dict[str, Any]) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: Any) -> None:
                pass  # keep test output quiet (and free of numbers)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self._thread = threading.Thread(target=self.server.serve_forever, args=(0.05,),
                                        daemon=True)

    def start(self) -> TwilioApiStub:
        """Start serving in a background thread."""
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving."""
        self.server.shutdown()
        self.server.server_close()

    @property
    def url(self) -> str:
        """The stand-in's base URL (HOTLINE_TWILIO_API_URL)."""
        return f"http://127.0.0.1:{self.port}"

    def http_client(self) -> LocalHttpClient:
        """Return a twilio HTTP client that sends to this server."""
        return LocalHttpClient(f"127.0.0.1:{self.port}")


def _resource(account: str, what: str, form: dict[str, Any]) -> dict[str, Any]:
    sid = ("SM" if what == "Messages" else "CA") + uuid.uuid4().hex
    common = {"sid": sid, "account_sid": account, "to": form.get("To"),
              "from": form.get("From"), "api_version": "2010-04-01",
              "uri": f"/2010-04-01/Accounts/{account}/{what}/{sid}.json"}
    if what == "Messages":
        return {**common, "body": form.get("Body"), "status": "queued",
                "num_segments": "1", "direction": "outbound-api"}
    return {**common, "status": "queued", "direction": "outbound-api"}


class LocalHttpClient(TwilioHttpClient):
    """The library's HTTP client, sending to a local host instead of api.twilio.com."""

    def __init__(self, netloc: str):
        super().__init__(timeout=5)
        self.netloc = netloc

    def request(self, method: str, url: str, *args: Any, **kwargs: Any) -> Any:
        parts = urlsplit(url)
        local = urlunsplit(("http", self.netloc, parts.path, parts.query, parts.fragment))
        return super().request(method, local, *args, **kwargs)
