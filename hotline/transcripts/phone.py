"""A simulated phone that talks to the hotline the way Twilio does: signed webhooks, TwiML back.

The phone posts Twilio's standard form parameters, signs them with the auth token over
the public URL, reads the TwiML it gets back (xml.etree) and follows it like Twilio:
Say and Gather for voice (then the Gather's action with Digits or SpeechResult), Redirect,
Hangup, Dial, Reject; Message for SMS. Two transports carry the posts: an in-process
Flask app (its test client) or a server over HTTP.
"""

from __future__ import annotations

import uuid
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from typing import Any, Protocol
from urllib.parse import urljoin

from twilio.request_validator import RequestValidator

from hotline.engine.segments import SegmentCount, count_segments
from hotline.numbers import country_of

API_VERSION = "2010-04-01"
MAX_REDIRECTS = 10  # Twilio gives up on a redirect loop too


class PhoneError(Exception):
    """The phone cannot do what was asked (no call, not listening for that input...)."""


class WebhookError(PhoneError):
    """The hotline answered a webhook with something Twilio would not accept."""

    def __init__(self, url: str, status: int, body: bytes):
        text = body.decode("utf-8", "replace")
        super().__init__(f"POST {url} -> HTTP {status}: {text[:200]!r}")
        self.url, self.status, self.body = url, status, text


class Transport(Protocol):
    """Carries one signed form post to the app; `path` is relative to the public URL."""

    def post(self, path: str, params: dict[str, str], headers: dict[str, str]) -> tuple[int, bytes]:
        ...


class AppTransport:
    """Posts to an in-process Flask app through its test client."""

    def __init__(self, app: Any):
        self.client = app.test_client()

    def post(self, path: str, params: dict[str, str], headers: dict[str, str]) -> tuple[int, bytes]:
        """Post the form and return (status, body)."""
        response = self.client.post(path, data=params, headers=headers)
        return response.status_code, response.get_data()


class HttpTransport:
    """Posts to a running server at base_url over HTTP (Twilio waits 15 s at most)."""

    def __init__(self, base_url: str, timeout: float = 15.0):
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout

    def post(self, path: str, params: dict[str, str], headers: dict[str, str]) -> tuple[int, bytes]:
        """Post the form and return (status, body)."""
        import requests  # twilio's own dependency; imported only when used

        response = requests.post(self.base_url + path, data=params, headers=headers,
                                 timeout=self.timeout)
        return response.status_code, response.content


@dataclass(frozen=True)
class Spoken:
    """One thing the caller hears: the text, its language and voice."""

    text: str
    language: str = ""
    voice: str = ""


@dataclass(frozen=True)
class Gather:
    """The hotline is listening: where the answer goes and what kinds of input it takes."""

    action: str
    input: tuple[str, ...] = ("dtmf",)
    language: str = "en-US"
    num_digits: int = 0
    finish_on_key: str = "#"
    action_on_empty_result: bool = False


@dataclass
class VoiceReply:
    """What one turn of a call did: what was said, and how the turn ended."""

    spoken: list[Spoken] = field(default_factory=list)
    gather: Gather | None = None
    hangup: bool = False
    rejected: str | None = None  # Reject reason ("rejected", "busy")
    dialed: list[str] = field(default_factory=list)  # numbers a <Dial> is ringing
    dial_action: str | None = None  # where Twilio posts when the dialled call ends
    record_action: str | None = None  # a <Record> is listening: where Twilio posts it
    redirects: list[str] = field(default_factory=list)

    @property
    def text(self) -> str:
        """Everything said, one piece per line."""
        return "\n".join(s.text for s in self.spoken)

    @property
    def ended(self) -> bool:
        """True when the call is over (hung up, rejected, or nothing left to do)."""
        return self.gather is None and not self.dialed and self.record_action is None


@dataclass(frozen=True)
class SmsMessage:
    """One SMS the hotline sends back, with how many segments it costs."""

    text: str
    to: str = ""
    segments: SegmentCount = field(default_factory=lambda: count_segments(""))


@dataclass
class SmsReply:
    """The messages one incoming SMS produced."""

    messages: list[SmsMessage] = field(default_factory=list)

    @property
    def text(self) -> str:
        """All message bodies, separated by a blank line."""
        return "\n\n".join(m.text for m in self.messages)


def _sid(prefix: str) -> str:
    return prefix + uuid.uuid4().hex


def _parse(body: bytes, url: str, status: int) -> ET.Element:
    if status != 200:
        raise WebhookError(url, status, body)
    try:
        root = ET.fromstring(body)  # bytes: the XML declaration names the encoding
    except ET.ParseError as exc:
        raise WebhookError(url, status, body) from exc
    if root.tag != "Response":
        raise WebhookError(url, status, body)
    return root


def _say(element: ET.Element) -> Spoken:
    # itertext: a Latin name inside a Korean sentence is a nested SSML <lang> element
    return Spoken("".join(element.itertext()).strip(), element.get("language", "en-US"),
                  element.get("voice", ""))


def _gather(element: ET.Element, url: str) -> Gather:
    return Gather(
        action=urljoin(url, element.get("action") or url),
        input=tuple((element.get("input") or "dtmf").split()),
        language=element.get("language", "en-US"),
        num_digits=int(element.get("numDigits") or 0),
        finish_on_key=element.get("finishOnKey", "#"),
        action_on_empty_result=element.get("actionOnEmptyResult") == "true",
    )


class Phone:
    """A caller's phone: call the hotline, press keys, speak, stay silent, or text it."""

    def __init__(self, transport: Transport, public_url: str, auth_token: str,
                 number: str = "+821012345678", hotline_number: str = "+15005550006",
                 account_sid: str = "AC" + "0" * 32, status_path: str | None = "/twilio/status"):
        self.transport = transport
        self.public_url = public_url.rstrip("/")
        self.validator = RequestValidator(auth_token)
        self.number = number
        self.hotline_number = hotline_number
        self.account_sid = account_sid
        self.status_path = status_path
        self.call_sid: str | None = None
        self.last: VoiceReply | None = None
        self._rest: list[ET.Element] = []  # verbs after a Gather or Dial: run when it ends
        self._rest_url = ""
        self.status_replies: list[int] = []  # HTTP status of each status callback sent
        self.answered: str | None = None  # a call from the hotline: its status callback URL

    # -- the wire ------------------------------------------------------------------

    def post(self, url: str, params: dict[str, str]) -> tuple[int, bytes]:
        """Sign and post form params to an absolute URL on the public URL."""
        if not url.startswith(self.public_url + "/") and url != self.public_url:
            raise PhoneError(f"{url} is not under the public URL {self.public_url}")
        signature = self.validator.compute_signature(url, params)
        path = url[len(self.public_url):] or "/"
        return self.transport.post(path, params, {"X-Twilio-Signature": signature})

    def _base(self) -> dict[str, str]:
        return {"AccountSid": self.account_sid, "From": self.number, "To": self.hotline_number,
                "FromCountry": country_of(self.number), "ToCountry": country_of(self.hotline_number),
                "ApiVersion": API_VERSION}

    def _voice_params(self, status: str) -> dict[str, str]:
        assert self.call_sid is not None
        if self.answered is not None:  # the hotline called this phone
            return {**self._base(), "From": self.hotline_number, "To": self.number,
                    "CallSid": self.call_sid, "CallStatus": status, "Direction": "outbound-api"}
        return {**self._base(), "CallSid": self.call_sid, "CallStatus": status,
                "Direction": "inbound", "Caller": self.number, "Called": self.hotline_number}

    # -- voice ---------------------------------------------------------------------

    def call(self, path: str = "/twilio/voice") -> VoiceReply:
        """Ring the hotline; return what the caller hears first."""
        self.call_sid, self.answered = _sid("CA"), None
        return self._request(self.public_url + path, self._voice_params("ringing"))

    def answer(self, twiml: str, status_callback: str = "") -> VoiceReply:
        """Pick up a call the hotline placed to this phone (an outbox entry): run its TwiML,
        as Twilio runs it on the answered leg (a volunteer hearing the whisper)."""
        self.call_sid, self.answered = _sid("CA"), status_callback
        reply = VoiceReply()
        self._run(list(_parse(twiml.encode(), self.public_url + "/", 200)),
                  self.public_url + "/", reply, 0)
        return self._finish(reply)

    def press(self, digits: str) -> VoiceReply:
        """Press keys while the hotline listens (stops at finishOnKey, keeps numDigits)."""
        gather = self._listening("dtmf")
        if gather.finish_on_key and gather.finish_on_key in digits:
            digits = digits.split(gather.finish_on_key, 1)[0]
        if gather.num_digits:
            digits = digits[:gather.num_digits]
        if not digits:
            return self.silence()
        return self._request(gather.action, {**self._voice_params("in-progress"),
                                             "Digits": digits})

    def say(self, words: str, confidence: float = 0.9) -> VoiceReply:
        """Speak while the hotline listens for speech."""
        gather = self._listening("speech")
        return self._request(gather.action, {**self._voice_params("in-progress"),
                                             "SpeechResult": words,
                                             "Confidence": f"{confidence:.2f}"})

    def silence(self) -> VoiceReply:
        """Say nothing until the Gather times out; Twilio then runs the verbs after it."""
        gather = self._listening(None)
        if gather.action_on_empty_result:
            return self._request(gather.action, self._voice_params("in-progress"))
        rest, url = self._rest, self._rest_url
        reply = VoiceReply()
        self._run(rest, url, reply, 0)
        return self._finish(reply)

    def dial_ends(self, status: str = "completed", duration: int = 60) -> VoiceReply:
        """The call a <Dial> connected ends (completed, busy, no-answer, failed)."""
        last = self.last
        if last is None or not last.dialed:
            raise PhoneError("no <Dial> is connecting this call")
        if last.dial_action:
            return self._request(last.dial_action, {
                **self._voice_params("in-progress"), "DialCallStatus": status,
                "DialCallSid": _sid("CA"),
                "DialCallDuration": str(duration if status == "completed" else 0)})
        reply = VoiceReply()
        self._run(self._rest, self._rest_url, reply, 0)
        return self._finish(reply)

    def record(self, seconds: int) -> VoiceReply:
        """Speak for `seconds` after a <Record>'s beep, then press #: Twilio posts the
        recording (a made-up RecordingSid) to the Record's action."""
        last = self.last
        if last is None or last.record_action is None:
            raise PhoneError("no <Record> is listening on this call")
        sid = _sid("RE")
        return self._request(last.record_action, {
            **self._voice_params("in-progress"), "RecordingSid": sid,
            "RecordingUrl": f"https://api.twilio.com/2010-04-01/Accounts/"
                            f"{self.account_sid}/Recordings/{sid}",
            "RecordingDuration": str(seconds), "Digits": "#"})

    def hangup(self) -> None:
        """The caller hangs up; Twilio tells the status callback."""
        if self.call_sid and self.last is not None and not self.last.ended:
            self.last = VoiceReply(hangup=True)
            self._status("completed")

    def _listening(self, kind: str | None) -> Gather:
        gather = self.last.gather if self.last else None
        if gather is None:
            raise PhoneError("no call is waiting for input (call first, or the call ended)")
        if kind and kind not in gather.input:
            raise PhoneError(f"the hotline is not listening for {kind} here "
                             f"(Gather input={' '.join(gather.input)})")
        return gather

    def _request(self, url: str, params: dict[str, str]) -> VoiceReply:
        status, body = self.post(url, params)
        reply = VoiceReply()
        self._run(list(_parse(body, url, status)), url, reply, 0)
        return self._finish(reply)

    def _finish(self, reply: VoiceReply) -> VoiceReply:
        self.last = reply
        if reply.ended:
            self._status("busy" if reply.rejected == "busy" else
                         "no-answer" if reply.rejected else "completed")
        return reply

    def _status(self, status: str) -> None:
        if self.answered is not None:  # the hotline's own call: its status callback, if any
            if self.answered and self.call_sid:
                code, _ = self.post(self.answered, self._voice_params(status))
                self.status_replies.append(code)
            return
        if self.status_path and self.call_sid:
            code, _ = self.post(self.public_url + self.status_path,
                                self._voice_params(status))
            self.status_replies.append(code)

    def _run(self, verbs: list[ET.Element], url: str, reply: VoiceReply, depth: int) -> None:
        """Carry out TwiML verbs in order, as Twilio would, until one stops the turn."""
        for index, verb in enumerate(verbs):
            if verb.tag == "Say":
                reply.spoken.append(_say(verb))
            elif verb.tag == "Play":
                reply.spoken.append(Spoken(f"[sound {verb.text or ''}]".strip()))
            elif verb.tag == "Gather":
                reply.spoken.extend(_say(child) for child in verb if child.tag == "Say")
                reply.gather = _gather(verb, url)
                self._rest, self._rest_url = verbs[index + 1:], url
                return
            elif verb.tag == "Hangup":
                reply.hangup = True
                return
            elif verb.tag == "Reject":
                reply.rejected = verb.get("reason", "rejected")
                return
            elif verb.tag == "Dial":
                targets = [(child.text or "").strip() for child in verb]
                reply.dialed.extend(t for t in [(verb.text or "").strip(), *targets] if t)
                action = verb.get("action")
                reply.dial_action = urljoin(url, action) if action else None
                self._rest, self._rest_url = verbs[index + 1:], url
                return
            elif verb.tag == "Record":
                action = verb.get("action")
                reply.record_action = urljoin(url, action) if action else url
                self._rest, self._rest_url = verbs[index + 1:], url
                return
            elif verb.tag == "Redirect":
                if depth >= MAX_REDIRECTS:
                    raise PhoneError(f"more than {MAX_REDIRECTS} redirects in a row")
                target = urljoin(url, (verb.text or "").strip())
                reply.redirects.append(target)
                status, body = self.post(target, self._voice_params("in-progress"))
                self._run(list(_parse(body, target, status)), target, reply, depth + 1)
                return
        # Nothing left to do: Twilio ends the call.

    # -- SMS -----------------------------------------------------------------------

    def text(self, body: str, path: str = "/twilio/sms") -> SmsReply:
        """Send an SMS to the hotline; return the messages it sends back."""
        sid = _sid("SM")
        segments = max(count_segments(body).segments, 1)
        params = {**self._base(), "MessageSid": sid, "SmsSid": sid, "SmsMessageSid": sid,
                  "Body": body, "NumMedia": "0", "NumSegments": str(segments),
                  "SmsStatus": "received"}
        reply = SmsReply()
        url = self.public_url + path
        for _ in range(MAX_REDIRECTS):
            status, answer = self.post(url, params)
            redirect = None
            for verb in _parse(answer, url, status):
                if verb.tag == "Message":
                    reply.messages.append(_message(verb))
                elif verb.tag == "Redirect":
                    redirect = urljoin(url, (verb.text or "").strip())
                    break
            if redirect is None:
                return reply
            url = redirect
        raise PhoneError(f"more than {MAX_REDIRECTS} redirects in a row")


def _message(verb: ET.Element) -> SmsMessage:
    body = verb.find("Body")
    text = (body.text if body is not None else verb.text) or ""
    return SmsMessage(text, verb.get("to", ""), count_segments(text))

