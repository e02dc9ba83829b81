"""Simulated callers: whole SMS and voice conversations as data, posted like Twilio posts.

Each conversation is a list of steps (path, form parameters, what the answer must
contain). A caller gets a fresh number per conversation (+82 10-9xxx-xxxx), so per-number
rate limits and "you already asked" answers do not get in the way. Every post carries a
valid X-Twilio-Signature over PUBLIC_URL + path. An answer counts as an error when it is
not HTTP 200, not TwiML (<Response>), or lacks the expected text: the fallback answer
("지금은 연결이 어렵습니다") is 200 but counts as an error here.
"""

from __future__ import annotations

import asyncio
import itertools
import random
import time
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import dataclass, field

from rawhttp import Connection, HTTPError
from twilio.request_validator import RequestValidator

PUBLIC_URL = "https://hotline.bench.example"
HOTLINE_NUMBER = "+15005550006"
ACCOUNT_SID = "AC" + "b" * 32
URGENT_SMS = "살려주세요 숨을 못 쉬겠어요"
URGENT_ANSWERS = ("곧 사람이 연락드려요", "지금 바로")  # paging / nobody on call


@dataclass(frozen=True)
class Step:
    """One post of a conversation and a piece of text its answer must hold (any of)."""

    path: str
    params: dict[str, str]
    expect: tuple[str, ...] = ()
    route: str = ""


@dataclass(frozen=True)
class Conversation:
    """A whole conversation of one caller; `kind` says what it leaves in the books."""

    name: str
    number: str
    steps: tuple[Step, ...]
    kind: str = "menu"  # menu | directory | callback | urgent


_numbers = itertools.count(random.Random().randrange(10_000_000))


def new_number() -> str:
    """A Korean mobile number not used earlier in this run (+82 10 9xxx xxxx)."""
    return f"+82109{next(_numbers) % 10_000_000:07d}"


def _sms(number: str, body: str, *expect: str) -> Step:
    sid = "SM" + uuid.uuid4().hex
    return Step("/twilio/sms", {
        "AccountSid": ACCOUNT_SID, "From": number, "To": HOTLINE_NUMBER, "Body": body,
        "MessageSid": sid, "SmsSid": sid, "NumMedia": "0", "NumSegments": "1",
        "FromCountry": "KR", "SmsStatus": "received", "ApiVersion": "2010-04-01"},
        expect, "sms")


def _voice(number: str, call_sid: str, path: str, route: str, *expect: str,
           **extra: str) -> Step:
    params = {"AccountSid": ACCOUNT_SID, "From": number, "To": HOTLINE_NUMBER,
              "CallSid": call_sid, "CallStatus": "in-progress", "Direction": "inbound",
              "FromCountry": "KR", "ApiVersion": "2010-04-01", **extra}
    return Step(path, params, expect, route)


def sms_conversation(kind: str) -> Conversation:
    """An SMS conversation of the given kind."""
    n = new_number()
    steps = {
        "menu": [_sms(n, "안녕하세요", "무엇을 도와드릴까요?"), _sms(n, "1", "무료 건강 지원이에요"),
                 _sms(n, "1", "무료 상담을 6시간"), _sms(n, "0", "무료 건강 지원이에요"),
                 _sms(n, "0", "무엇을 도와드릴까요?"), _sms(n, "5", "이름은 묻지 않아요")],
        "directory": [_sms(n, "안녕하세요", "2 병원"), _sms(n, "2", "어느 지역인가요?"),
                      _sms(n, "강남구", "서울 무료 진료소"), _sms(n, "9", "결핵 무료 검진"),
                      _sms(n, "0", "무엇을 도와드릴까요?")],
        "callback": [_sms(n, "안녕하세요", "4 다시 전화"), _sms(n, "4", "봉사자가 다시 전화해요"),
                     _sms(n, "1", "요청을 받았어요")],
        "urgent": [_sms(n, URGENT_SMS, *URGENT_ANSWERS)],
    }[kind]
    return Conversation(f"sms-{kind}", n, tuple(steps), kind)


def voice_conversation(kind: str) -> Conversation:
    """A voice call of the given kind: the call, the Gathers, the end-of-call status."""
    n, sid = new_number(), "CA" + uuid.uuid4().hex
    call = _voice(n, sid, "/twilio/voice", "voice", "무엇을 도와드릴까요?", CallStatus="ringing")

    def press(digits: str, *expect: str) -> Step:
        return _voice(n, sid, "/twilio/voice/gather", "gather", *expect, Digits=digits)

    middle = {
        "menu": [press("1", "무료 건강 지원이에요"), press("2", "또래 상담가"),
                 press("0", "무료 건강 지원이에요"), press("0", "무엇을 도와드릴까요?")],
        "directory": [press("2", "어느 지역인가요?"), press("1", "전화 02-0000-0106"),
                      press("2", "서울 무료 진료소")],
        "callback": [press("4", "봉사자가 다시 전화해요"), press("1", "요청을 받았어요")],
        "urgent": [press("0", "<Dial", *URGENT_ANSWERS)],
    }[kind]
    status = _voice(n, sid, "/twilio/status", "status", CallStatus="completed",
                    CallDuration="40")
    return Conversation(f"voice-{kind}", n, (call, *middle, status), kind)


# The mix of a surge: mostly menus and searches, a quarter asking for a call back, a few
# urgent. (kind, channel) -> weight.
MIX = {("menu", "sms"): 18, ("menu", "voice"): 12, ("directory", "sms"): 14,
       ("directory", "voice"): 8, ("callback", "sms"): 12, ("callback", "voice"): 10,
       ("urgent", "sms"): 4, ("urgent", "voice"): 2}


# The menu, directory and voice steps alone (no callback request, no urgent case): the
# steps whose own cost the issue asks to keep within twice the floor's.
CORE_MIX = {key: weight for key, weight in MIX.items() if key[0] in ("menu", "directory")}
MIXES = {"full": MIX, "core": CORE_MIX}


def pick(rng: random.Random, mix: str = "full") -> Conversation:
    """A conversation drawn from MIX (or another of MIXES)."""
    weights = MIXES[mix]
    (kind, channel), = rng.choices(list(weights), weights=list(weights.values()))
    return sms_conversation(kind) if channel == "sms" else voice_conversation(kind)


@dataclass
class Tally:
    """What a run of callers measured and what it left in the books."""

    latencies: list[float] = field(default_factory=list)  # seconds per request
    by_route: dict[str, list[float]] = field(default_factory=dict)
    errors: dict[str, int] = field(default_factory=dict)
    conversations: int = 0
    callbacks: list[str] = field(default_factory=list)  # numbers that were told "요청을 받았어요"
    urgent: list[str] = field(default_factory=list)  # numbers that reached the urgent node
    error_samples: list[str] = field(default_factory=list)

    def error(self, kind: str, detail: str) -> None:
        """Count one wrong answer (and keep a few to show)."""
        self.errors[kind] = self.errors.get(kind, 0) + 1
        if len(self.error_samples) < 5:
            self.error_samples.append(f"{kind}: {detail[:300]}")

    def add(self, other: Tally) -> None:
        """Add another run's figures to these."""
        self.latencies += other.latencies
        for route, values in other.by_route.items():
            self.by_route.setdefault(route, []).extend(values)
        for kind, n in other.errors.items():
            self.errors[kind] = self.errors.get(kind, 0) + n
        self.error_samples = (self.error_samples + other.error_samples)[:5]
        self.conversations += other.conversations
        self.callbacks += other.callbacks
        self.urgent += other.urgent

    @property
    def error_count(self) -> int:
        """All wrong answers."""
        return sum(self.errors.values())


def check(body: bytes, expect: tuple[str, ...]) -> str | None:
    """Return what is wrong with an answer, or None when it is valid TwiML as expected."""
    try:
        root = ET.fromstring(body)
    except ET.ParseError:
        return "not XML"
    if root.tag != "Response":
        return f"root <{root.tag}>"
    if expect:
        text = body.decode("utf-8", "replace")
        if not any(piece in text for piece in expect):
            return f"missing {expect[0]!r}"
    return None


def gather_action(body: bytes) -> str:
    """The path and query of the answer's <Gather action>, relative to PUBLIC_URL, or ''."""
    try:
        gather = ET.fromstring(body).find("Gather")
    except ET.ParseError:
        return ""
    url = gather.get("action", "") if gather is not None else ""
    return url[len(PUBLIC_URL):] if url.startswith(PUBLIC_URL) else ""


class Signer:
    """Signs form posts with the auth token, as Twilio does."""

    def __init__(self, token: str):
        self.validator = RequestValidator(token)

    def headers(self, path: str, params: dict[str, str]) -> dict[str, str]:
        """The X-Twilio-Signature header for a post to PUBLIC_URL + path."""
        return {"X-Twilio-Signature": self.validator.compute_signature(PUBLIC_URL + path,
                                                                       params)}


class Cursor:
    """Where one conversation is: its next post, and what its answers showed so far.

    A keypress goes to the action URL of the Gather that asked for it, as Twilio posts it
    (each menu Gather carries its own token, so the same key at two questions is two
    deliveries, not a retry)."""

    def __init__(self, conv: Conversation, signer: Signer, tally: Tally, verify: bool):
        self.conv, self.signer, self.tally, self.verify = conv, signer, tally, verify
        self.index, self.action, self.failed = 0, "", False

    @property
    def done(self) -> bool:
        """True when every step was posted (or one failed)."""
        return self.failed or self.index >= len(self.conv.steps)

    async def post_next(self, conn: Connection, started: float | None = None) -> None:
        """Post the next step on `conn` and check its answer; the latency counts from
        `started` (an open loop's scheduled arrival) or from now."""
        step = self.conv.steps[self.index]
        self.index += 1
        path = self.action if step.route == "gather" and self.action else step.path
        headers = self.signer.headers(path, step.params)
        started = time.perf_counter() if started is None else started
        try:
            status, body = await conn.post(path, step.params, headers)
        except HTTPError as exc:
            self.tally.error("transport", f"{path}: {exc}")
            self.failed = True
            return
        elapsed = time.perf_counter() - started
        self.tally.latencies.append(elapsed)
        self.tally.by_route.setdefault(step.route, []).append(elapsed)
        if status != 200:
            self.tally.error(f"http {status}", f"{step.path}: {body[:300]!r}")
            self.failed = True
            return
        problem = check(body, step.expect if self.verify else ())
        if problem:
            text = body.decode("utf-8", "replace")
            self.tally.error("answer", f"{self.conv.name} {step.path}: {problem}: {text}")
            self.failed = True
            return
        self.action = gather_action(body)
        conv = self.conv
        if self.verify and conv.kind == "callback" and "요청을 받았어요" in step.expect:
            self.tally.callbacks.append(conv.number)
        if self.verify and conv.kind == "urgent" and step.route in ("sms", "gather"):
            self.tally.urgent.append(conv.number)
        if self.index >= len(conv.steps):
            self.tally.conversations += 1


async def run_conversation(conn: Connection, signer: Signer, conv: Conversation,
                           tally: Tally, verify: bool, budget: Budget,
                           pause: Callable[[], float] | None = None) -> None:
    """Post the steps of one conversation in order; stop early when the budget runs out.

    `pause()`: seconds to wait after each answer (a person reading it), none when None."""
    cursor = Cursor(conv, signer, tally, verify)
    while not cursor.done:
        if not budget.take():
            return
        await cursor.post_next(conn)
        if pause is not None and not cursor.done:
            await asyncio.sleep(pause())


class Budget:
    """Bounds a run: at most `requests` posts (None: no limit) and until `deadline`."""

    def __init__(self, requests: int | None, seconds: float | None):
        self.left = requests
        self.deadline = time.monotonic() + seconds if seconds else None

    def take(self) -> bool:
        """Claim one request; False when the run is over."""
        if self.deadline is not None and time.monotonic() >= self.deadline:
            return False
        if self.left is not None:
            if self.left <= 0:
                return False
            self.left -= 1
        return True

    @property
    def over(self) -> bool:
        """True once no further request may start."""
        return ((self.deadline is not None and time.monotonic() >= self.deadline)
                or (self.left is not None and self.left <= 0))
