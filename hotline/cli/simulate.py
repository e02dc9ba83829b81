"""`hotline simulate`: a terminal phone that texts or calls the hotline like Twilio would."""

from __future__ import annotations

import json
import os
import re
import secrets
import sys
import time
import uuid
from datetime import datetime
from typing import Any, TextIO

import click
from click.core import ParameterSource
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap

from hotline import keys as hotline_keys
from hotline.numbers import mask, to_e164
from hotline.transcripts import Exchange, Given, Transcript, TranscriptError
from hotline.transcripts.phone import (
    AppTransport,
    HttpTransport,
    Phone,
    PhoneError,
    SmsReply,
    VoiceReply,
)

KEYS = re.compile(r"[0-9*#]+")
HELP = ("Type keypad digits to press them, other words to speak them, an empty line to stay "
        "silent; /call to call again, /done [status] when a connected call ends, "
        "/record N to speak N seconds after a beep, /hangup, "
        "/answer to pick up the hotline's latest call to this number (outbox), /quit.")
SMS_HELP = "Type a message and press Enter to send it; /quit to leave."
FRAGMENT_MAX = 30  # characters of a reply kept as a recorded expectation
_PIECES = re.compile(r"(?<=[.?!。])\s+|\n+")


def _phone_in_process(number: str, fresh: bool) -> tuple[Phone, Given]:
    """Build the app here, demo-style: embedded Redis unless HOTLINE_REDIS_URL, demo secrets.

    Returns the phone and, for a fresh hotline (a recording), what it was given first: the
    sample directory, volunteers and rota, at this moment; a recording replays with them.
    """
    from hotline import create_app
    from hotline.config import demo_config, load_config
    from hotline.ops import demo_data

    config = demo_config(load_config())
    if fresh:  # a recording starts where its replay will: no earlier conversation
        config = config.replace(
            key_prefix=hotline_keys.nested(config, f"simulate-{uuid.uuid4().hex[:8]}"))
    given = Given()
    try:
        app = create_app(config)
        started = time.time()
        for line in demo_data.load_samples(app):  # as `hotline demo` does, into an empty hotline
            click.echo(line, err=True)
        if fresh:
            given = _sample_given(app, started)
    except Exception as exc:  # noqa: BLE001 - bad settings or a broken script: say what, no traceback
        raise click.ClickException(f"cannot start the hotline: {exc}") from None
    phone = Phone(AppTransport(app), config.public_url, config.twilio_auth_token or "",
                  number, config.hotline_number)
    return phone, given


def _sample_given(app: Any, at: float) -> Given:
    """What load_samples gives an empty hotline, as a transcript's `given:` (at time `at`)."""
    from hotline.ops import demo_data

    scripts_dir = app.extensions["hotline"].config.scripts_dir
    directory_file = os.path.join(scripts_dir, demo_data.SAMPLE_DIRECTORY)
    rota_file = os.path.join(scripts_dir, demo_data.SAMPLE_ROTA)
    people = tuple({"name": name, "phone": phone, "languages": list(languages)}
                   for name, phone, languages in demo_data.SAMPLE_VOLUNTEERS)
    return Given(volunteers=people,
                 oncall=os.path.abspath(rota_file) if os.path.exists(rota_file) else "",
                 directory=(os.path.abspath(directory_file)
                            if os.path.exists(directory_file) else ""),
                 at=at)


def _auth_token() -> str:
    """The token a running hotline checks: TWILIO_AUTH_TOKEN, else the demo's secrets file."""
    from hotline.config import SECRETS_FILE, load_config

    token = os.environ.get("TWILIO_AUTH_TOKEN")
    if token:
        return token
    path = os.path.join(load_config().data_dir, SECRETS_FILE)
    try:
        with open(path, encoding="utf-8") as handle:
            return str(json.load(handle)["TWILIO_AUTH_TOKEN"])
    except (OSError, ValueError, KeyError):
        raise click.ClickException(
            f"no auth token to sign with: set TWILIO_AUTH_TOKEN, or run `hotline demo` "
            f"(it keeps one in {path})") from None


def _check_url(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    if value is not None and not re.match(r"https?://[^/\s]+", value):
        raise click.BadParameter(f"{value!r} is not an http:// or https:// URL")
    return value.rstrip("/") if value else value


def _check_number(ctx: click.Context, param: click.Parameter, value: str) -> str:
    number = to_e164(value, "KR")  # a national number is read as Korean: 010-1234-5678
    if number is None:
        raise click.BadParameter(f"{value!r} is not a phone number (e.g. +821012345678)")
    return number


def fragment(reply: str, previous: str) -> str:
    """Pick a short piece of a reply to expect: the first sentence or line that is new."""
    pieces = [" ".join(p.split()) for p in _PIECES.split(reply)]
    pieces = [p for p in pieces if p]
    if not pieces:
        return ""
    seen = " ".join(previous.split())
    piece = next((p for p in pieces if p not in seen), pieces[0])
    if len(piece) > FRAGMENT_MAX:
        cut = piece[:FRAGMENT_MAX]
        piece = cut.rsplit(" ", 1)[0] if " " in cut[8:] else cut
    return piece


def _show_voice(reply: VoiceReply, masked: bool = False) -> None:
    """Show what the phone hears; `masked`: this phone is a volunteer's, who never sees the
    caller's number."""
    for spoken in reply.spoken:
        click.echo(f"  [{spoken.language} {spoken.voice}] {spoken.text}".replace(" ]", "]"))
    if reply.gather:
        kinds = " or ".join({"dtmf": "keys", "speech": "speech"}.get(k, k)
                            for k in reply.gather.input)
        click.echo(f"  (listening for {kinds}, {reply.gather.language})")
    elif reply.dialed:
        dialed = [mask(n) for n in reply.dialed] if masked else reply.dialed
        click.echo(f"  (connecting the call to {', '.join(dialed)}; "
                   "/done [completed|busy|no-answer|failed] when that call ends)")
    elif reply.record_action:
        click.echo("  (beep: recording a message; /record N to speak N seconds, then #)")
    elif reply.rejected:
        click.echo(f"  (the hotline rejected the call: {reply.rejected})")
    else:
        click.echo("  (the hotline hung up; /call to call again)")


def _show_sms(reply: SmsReply) -> None:
    if not reply.messages:
        click.echo("  (no reply)")
    for message in reply.messages:
        lines = message.text.split("\n")
        click.echo("hotline: " + lines[0])
        for line in lines[1:]:
            click.echo("         " + line)
        count = message.segments
        plural = "segment" if count.segments == 1 else "segments"
        click.echo(f"         [{count.segments} {plural}, {count.encoding}]")


class Conversation:
    """The terminal conversation: reads lines, works the phone, shows and records replies."""

    def __init__(self, phone: Phone, channel: str, stdin: TextIO):
        self.phone, self.channel, self.stdin = phone, channel, stdin
        self.tty = stdin.isatty()
        self.steps: list[Exchange] = []
        self.previous = ""

    def _record(self, action: str, value: str, text: str, reply: VoiceReply | None = None) -> None:
        piece = fragment(text, self.previous)
        self.previous = text or self.previous
        ended = reply is not None and reply.ended and action != "hangup"
        dialing = reply is not None and bool(reply.dialed)
        self.steps.append(Exchange(action, value, (piece,) if piece else (),
                                   ends=True if ended else None,
                                   connects=True if dialing else None))

    def call(self) -> None:
        click.echo(f"(calling the hotline from {mask(self.phone.number)})")
        reply = self.phone.call()
        _show_voice(reply)
        self._record("call", "", reply.text, reply)

    def answer(self) -> None:
        """Pick up the newest call the hotline placed to this number (from the outbox)."""
        from hotline.config import load_config
        from hotline.telephony import read_outbox

        calls = [e for e in read_outbox(load_config().data_dir)
                 if e.get("kind") == "call" and e.get("to") == self.phone.number
                 and e.get("twiml")]
        if not calls:
            click.echo(f"  (no call from the hotline to {mask(self.phone.number)} in the outbox)")
            return
        self.phone.hangup()
        click.echo(f"(the hotline calls {mask(self.phone.number)}, {calls[-1]['at']}; "
                   f"you pick up)")
        _show_voice(self.phone.answer(calls[-1]["twiml"], calls[-1].get("status_callback", "")),
                    masked=True)

    def _read(self) -> str | None:
        if self.tty:  # input() gives line editing and history at a terminal
            try:
                return input("> ")
            except EOFError:
                return None
        line = self.stdin.readline()
        if not line:
            return None
        line = line.rstrip("\r\n")
        if not self.tty:
            click.echo(f"> {line}")
        return line

    def run(self) -> None:
        """Talk until /quit or the end of input."""
        click.echo(HELP if self.channel == "voice" else SMS_HELP)
        if self.tty:
            import readline  # noqa: F401  (line editing and history for input())
        if self.channel == "voice":
            self.call()
        try:
            while (line := self._read()) is not None:
                command = line.strip().lower()
                if command == "/quit":
                    break
                try:
                    if not self._handle(line, command):
                        break
                except PhoneError as exc:
                    if exc.__class__ is not PhoneError:
                        raise
                    click.echo(f"  ({exc})")
        except KeyboardInterrupt:  # Ctrl-C leaves like /quit
            click.echo()
        if self.channel == "voice":
            self.phone.hangup()

    def _handle(self, line: str, command: str) -> bool:
        """Act on one line; return False to stop."""
        if command == "/help":
            click.echo(HELP if self.channel == "voice" else SMS_HELP)
        elif self.channel == "sms":
            if command == "/hangup":
                return False
            if line.startswith("/"):
                click.echo(f"  (unknown command {line}; {SMS_HELP})")
            elif line.strip():
                sms = self.phone.text(line)
                _show_sms(sms)
                self._record("send", line, sms.text)
        elif command == "/call":
            self.phone.hangup()
            self.call()
        elif command.startswith("/done"):
            status = command.split()[1] if len(command.split()) > 1 else "completed"
            reply = self.phone.dial_ends(status)
            _show_voice(reply, masked=self.phone.answered is not None)
            self._record("dial_ends", status, reply.text, reply)
        elif command.startswith("/record"):
            parts = command.split()
            seconds = parts[1] if len(parts) > 1 and parts[1].isdigit() else "10"
            reply = self.phone.record(int(seconds))
            _show_voice(reply, masked=self.phone.answered is not None)
            self._record("record", seconds, reply.text, reply)
        elif command == "/answer":
            self.answer()
        elif command == "/hangup":
            self.phone.hangup()
            self._record("hangup", "", "")
            click.echo("  (you hung up; /call to call again, /quit to leave)")
        elif line.startswith("/"):
            click.echo(f"  (unknown command {line}; {HELP})")
        else:
            text = line.strip()
            action = "silence" if not text else "press" if KEYS.fullmatch(text) else "say"
            spoken = {"silence": lambda: self.phone.silence(),
                      "press": lambda: self.phone.press(text),
                      "say": lambda: self.phone.say(text)}[action]()
            _show_voice(spoken, masked=self.phone.answered is not None)
            self._record(action, text, spoken.text, spoken)
        return True


@click.command()
@click.option("--channel", type=click.Choice(["sms", "voice"]), required=True,
              envvar="HOTLINE_SIMULATE_CHANNEL", help="Text the hotline or call it.")
@click.option("--from", "number", default="+821012345678", show_default=True,
              envvar="HOTLINE_SIMULATE_FROM", callback=_check_number,
              help="The caller's number (010-... is read as Korean).")
@click.option("--url", default=None, envvar="HOTLINE_SIMULATE_URL", callback=_check_url,
              help="A running hotline (e.g. http://127.0.0.1:5000); without it, in-process.")
@click.option("--public-url", default=None, callback=_check_url,
              envvar="HOTLINE_SIMULATE_PUBLIC_URL",
              help="The URL the running hotline signs against (default: --url).")
@click.option("--record", type=click.Path(dir_okay=False, writable=True), default=None,
              help="Save the conversation as a transcript test (appended to FILE).")
@click.pass_context
def simulate(ctx: click.Context, channel: str, number: str, url: str | None,
             public_url: str | None, record: str | None) -> None:
    """A terminal phone: text or call the hotline and see what a caller would."""
    if public_url and not url:
        raise click.UsageError("--public-url only goes with --url")
    if url:
        if record and ctx.get_parameter_source("number") == ParameterSource.DEFAULT:
            # A running hotline may remember the default number mid-conversation; a recording
            # must start where its replay will, so it calls from a number of its own.
            number = f"+8210{secrets.randbelow(10**8):08d}"
        phone = Phone(HttpTransport(url), public_url or url, _auth_token(), number)
        given = Given()
    else:
        phone, given = _phone_in_process(number, fresh=bool(record))
    session = Conversation(phone, channel, sys.stdin)
    try:
        session.run()
    except PhoneError as exc:
        raise click.ClickException(str(exc)) from None
    except OSError as exc:  # requests' connection errors are OSErrors too
        raise click.ClickException(f"cannot reach {url or 'the hotline'}: {exc}") from None
    if record:
        _write(record, channel, number, session.steps, given)
        if url:
            click.echo("The running hotline's directory, volunteers and rota are not recorded: "
                       "add a `given:` to the test if the conversation needs them "
                       "(ivr_scripts/README.md).", err=True)


def _write(path: str, channel: str, number: str, steps: list[Exchange], given: Given) -> None:
    if not steps:
        click.echo(f"Nothing to record: {path} left as it was", err=True)
        return
    name = f"Recorded {channel} conversation, {time.strftime('%Y-%m-%d %H:%M')}"
    try:
        append_transcript(path, Transcript(path, name, channel, number, tuple(steps),
                                           given=given))
    except (OSError, TranscriptError) as exc:
        raise click.ClickException(f"cannot write {path}: {exc}") from None
    click.echo(f"Recorded {len(steps)} steps as a transcript test in {path}", err=True)


def _given_map(given: Given, path: str) -> CommentedMap | None:
    """The `given:` of a recorded test, file paths relative to the transcript file."""
    if not (given.directory or given.oncall or given.volunteers):
        return None
    here = os.path.dirname(os.path.abspath(path))
    out = CommentedMap()
    if given.directory:
        out["directory"] = os.path.relpath(given.directory, here)
    if given.volunteers:
        out["volunteers"] = [dict(v) for v in given.volunteers]
    if given.oncall:
        out["oncall"] = os.path.relpath(given.oncall, here)
    out["at"] = datetime.fromtimestamp(given.at).astimezone().isoformat(timespec="seconds")
    return out


def _yaml() -> YAML:
    yaml = YAML(typ="rt")
    yaml.indent(mapping=2, sequence=4, offset=2)
    yaml.width = 200
    yaml.allow_unicode = True
    return yaml


def append_transcript(path: str, transcript: Transcript) -> None:
    """Add a test to a transcript file (made when missing), keeping what is there."""
    yaml = _yaml()
    data: Any = CommentedMap()
    if os.path.exists(path) and os.path.getsize(path):
        with open(path, encoding="utf-8") as handle:
            data = yaml.load(handle)
        if not isinstance(data, dict) or not isinstance(data.get("tests"), list):
            raise TranscriptError(f"{path}: not a transcript file (no `tests:` list)")
    elif transcript.script:
        data["script"] = transcript.script
    data.setdefault("tests", [])
    steps = []
    for step in transcript.steps:
        item = CommentedMap()
        item[step.action] = step.value or None
        if step.expect:
            item["expect"] = step.expect[0] if len(step.expect) == 1 else list(step.expect)
        if step.expect_not:
            item["expect_not"] = list(step.expect_not)
        if step.ends:
            item["ends"] = True
        if step.connects:
            item["connects"] = True
        steps.append(item)
    test = CommentedMap()
    test["name"] = transcript.name
    test["channel"] = transcript.channel
    test["from"] = transcript.number
    given = _given_map(transcript.given, path)
    if given is not None:
        test["given"] = given
    test["steps"] = steps
    data["tests"].append(test)
    with open(path, "w", encoding="utf-8") as handle:
        yaml.dump(data, handle)
