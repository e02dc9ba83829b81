"""`hotline simulate` driven through stdin: walks the whole menu, records transcripts, fails cleanly."""

from __future__ import annotations

import os
import subprocess
import sys
import threading

import pytest
from click.testing import CliRunner
from werkzeug.serving import make_server

from hotline.cli import main
from hotline.engine import load_scripts
from hotline.transcripts import (
    TranscriptResult,
    load_transcripts,
    run_file,
    transcript_paths,
    uncovered,
)

SCRIPTS_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))),
                           "ivr_scripts")


@pytest.fixture()
def env(redis_url, redis_conn, tmp_path, monkeypatch):
    """A demo-ish environment: this run's Redis, a temporary data dir, the shipped scripts."""
    for name in ("TWILIO_AUTH_TOKEN", "TWILIO_ACCOUNT_SID", "HOTLINE_SECRET_KEY",
                 "HOTLINE_ENCRYPTION_KEY", "HOTLINE_PUBLIC_URL", "HOTLINE_SIMULATE_URL"):
        monkeypatch.delenv(name, raising=False)
    values = {"HOTLINE_REDIS_URL": redis_url, "HOTLINE_DATA_DIR": str(tmp_path / "data"),
              "HOTLINE_SCRIPTS_DIR": SCRIPTS_DIR}
    for name, value in values.items():
        monkeypatch.setenv(name, value)
    return values


def _typed(step) -> str:
    """What a person types into the simulator to do a transcript step."""
    return {"send": step.value, "press": step.value, "say": step.value, "silence": "",
            "call": "/call", "hangup": "/hangup",
            "dial_ends": f"/done {step.value or 'completed'}",
            "record": f"/record {step.value}"}[step.action]


def _walks():
    """The shipped transcripts a person could type (no `wait:`: the simulator's clock is real)."""
    return [t for path in transcript_paths(SCRIPTS_DIR) for t in load_transcripts(path)
            if all(s.action != "wait" for s in t.steps)]


def _lines(transcript) -> str:
    steps = list(transcript.steps)
    if transcript.channel == "voice" and steps and steps[0].action == "call":
        steps = steps[1:]  # the simulator calls by itself when it starts
    return "".join(f"{_typed(s)}\n" for s in steps)


@pytest.mark.slow
def test_simulate_walks_the_whole_menu_in_every_language_on_both_channels(env, redis_conn):
    """Typing the shipped conversations shows every node, SMS and voice, Korean and English."""
    outputs = []
    for walk in _walks():
        redis_conn.flushdb()  # each conversation starts fresh, as its transcript does
        result = CliRunner().invoke(main, ["simulate", "--channel", walk.channel,
                                           "--from", walk.number], input=_lines(walk))
        assert result.exit_code == 0, f"{walk.name}: {result.output}"
        assert "Traceback" not in result.output
        outputs.append(TranscriptResult(walk.file, walk.name, walk.channel, walk.script,
                                        replies=[result.stdout]))
        if walk.channel == "sms":
            assert "segment" in result.stdout
    assert {(w.channel) for w in _walks()} == {"sms", "voice"}
    for script in load_scripts(SCRIPTS_DIR).values():
        assert uncovered(script, outputs) == [], f"{script.name}: nodes the walks never showed"


@pytest.mark.slow
def test_piped_stdin_in_a_real_process(env):
    """`printf '...' | hotline simulate --channel sms`: the first Korean and English SMS walks."""
    for language in ("ko", "en"):
        walk = next(w for w in _walks() if w.channel == "sms" and (
            (language == "ko") == any("\uac00" <= ch <= "\ud7a3" for ch in w.steps[0].value)))
        done = subprocess.run(
            [sys.executable, "-m", "hotline.cli", "simulate", "--channel", "sms",
             "--from", walk.number],
            input=_lines(walk), capture_output=True, text=True, timeout=60, check=False,
            env={**os.environ, **env})
        assert done.returncode == 0, done.stderr
        assert "Traceback" not in done.stderr
        output = " ".join(done.stdout.split())
        for step in walk.steps:
            assert f"> {step.value}" in done.stdout
            for fragment in step.expect:
                assert " ".join(fragment.split()) in output, (walk.name, fragment)
        expected = "UCS-2]" if language == "ko" else "GSM-7]"
        assert expected in done.stdout


def test_voice_keys_speech_silence_and_hangup(env):
    result = CliRunner().invoke(main, ["simulate", "--channel", "voice"],
                                input="1\n상담\n\n/hangup\n/quit\n")
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "(listening for keys or speech, ko-KR)" in out
    assert "> 상담" in out and "무료 상담을 6시간" in out
    assert "아무 소리도 듣지 못했어요" in out
    assert "(you hung up" in out


def test_record_writes_a_transcript_that_passes(env, tmp_path, redis_url):
    path = tmp_path / "recorded.test.yaml"
    walk = "안녕하세요\n1\n1\n7\n0\n9\n2\n1\n"
    sms = CliRunner().invoke(main, ["simulate", "--channel", "sms", "--record", str(path)],
                             input=walk)
    assert sms.exit_code == 0, sms.output
    voice = CliRunner().invoke(main, ["simulate", "--channel", "voice", "--record", str(path)],
                               input="1\n상담\n\n/hangup\n/call\n2\n")
    assert voice.exit_code == 0, voice.output
    tests = load_transcripts(str(path))
    assert [t.channel for t in tests] == ["sms", "voice"]
    assert [s.action for s in tests[0].steps] == ["send"] * 8
    assert [s.action for s in tests[1].steps] == ["call", "press", "say", "silence", "hangup",
                                                  "call", "press"]
    assert all(s.expect for s in tests[0].steps)
    results = run_file(str(path), {"SCRIPTS_DIR": SCRIPTS_DIR, "REDIS_URL": redis_url})
    assert [r.failures for r in results] == [[], []]
    # The recording is a real check: a changed reply makes it fail.
    text = path.read_text(encoding="utf-8")
    first_expect = tests[0].steps[0].expect[0]
    path.write_text(text.replace(first_expect, first_expect + "!!", 1), encoding="utf-8")
    results = run_file(str(path), {"SCRIPTS_DIR": SCRIPTS_DIR, "REDIS_URL": redis_url})
    assert not results[0].passed and "step 1" in results[0].failures[0]


def test_a_recorded_directory_and_urgent_conversation_replays_with_the_sample_data(
        env, tmp_path, redis_url):
    # In-process the simulator loads the sample directory, volunteers and rota, as the demo
    # does; the recording says so in `given:`, or its replay would search an empty directory.
    path = tmp_path / "recorded.test.yaml"
    sms = CliRunner().invoke(main, ["simulate", "--channel", "sms", "--record", str(path)],
                             input="안녕하세요\n2\n강남구\n9\n0\n0\n")
    assert sms.exit_code == 0, sms.output
    assert "서울 무료 진료소" in sms.stdout
    voice = CliRunner().invoke(main, ["simulate", "--channel", "voice", "--record", str(path)],
                               input="2\n1\n3\n0\n0\n")
    assert voice.exit_code == 0, voice.output
    tests = load_transcripts(str(path))
    assert all(t.given.directory.endswith("directory.sample.csv") for t in tests)
    assert all(t.given.oncall.endswith("oncall.sample.yaml") and t.given.volunteers
               for t in tests)
    assert tests[1].steps[-1].connects  # the urgent call was put through to the rota
    results = run_file(str(path), {"SCRIPTS_DIR": SCRIPTS_DIR, "REDIS_URL": redis_url})
    assert [r.failures for r in results] == [[], []]


@pytest.mark.parametrize("args,message", [
    (["--channel", "fax"], "Invalid value for '--channel'"),
    ([], "Missing option '--channel'"),
    (["--channel", "sms", "--from", "not-a-number"], "is not a phone number"),
    (["--channel", "sms", "--url", "ftp://example.org"], "is not an http:// or https:// URL"),
    (["--channel", "sms", "--public-url", "https://example.org"], "only goes with --url"),
])
def test_bad_options_are_clear_errors(env, args, message):
    result = CliRunner().invoke(main, ["simulate", *args], input="")
    assert result.exit_code != 0
    assert message in result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    assert result.exception is None or isinstance(result.exception, SystemExit)


def test_url_that_nobody_answers_is_a_clear_error(env, monkeypatch):
    monkeypatch.setenv("TWILIO_AUTH_TOKEN", "token")
    result = CliRunner().invoke(main, ["simulate", "--channel", "sms", "--url",
                                       "http://127.0.0.1:9"], input="안녕\n")
    assert result.exit_code == 1
    assert "cannot reach http://127.0.0.1:9" in result.stderr
    assert isinstance(result.exception, SystemExit)


def test_url_without_a_token_says_where_to_get_one(env):
    result = CliRunner().invoke(main, ["simulate", "--channel", "sms", "--url",
                                       "http://127.0.0.1:9"], input="안녕\n")
    assert result.exit_code == 1 and "no auth token to sign with" in result.stderr


def test_url_talks_to_a_running_hotline_with_the_demo_token(env, app_config, tmp_path,
                                                             redis_url):
    """A running demo: the simulator signs with the token the demo keeps in its data dir."""
    from hotline import create_app
    from hotline.config import demo_secrets

    secrets, _ = demo_secrets(env["HOTLINE_DATA_DIR"])
    recording = tmp_path / "from-server.test.yaml"
    app = create_app({**app_config, "TWILIO_AUTH_TOKEN": secrets["TWILIO_AUTH_TOKEN"]})
    server = make_server("127.0.0.1", 0, app, threaded=True)
    url = f"http://127.0.0.1:{server.server_port}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        result = CliRunner().invoke(main, ["simulate", "--channel", "sms", "--url", url,
                                           "--public-url", app.config["PUBLIC_URL"],
                                           "--record", str(recording)],
                                    input="Hello\n1\n")
    finally:
        server.shutdown()
    assert result.exit_code == 0, result.output
    assert "hotline: How can we help?" in result.stdout
    assert "Free health programmes" in result.stdout
    # Recorded from a number of its own (the server may remember the default one)...
    [test] = load_transcripts(str(recording))
    assert test.number.startswith("+8210") and test.number != "+821012345678"
    # ...and the recording passes when replayed on a fresh app.
    results = run_file(str(recording), {"SCRIPTS_DIR": SCRIPTS_DIR, "REDIS_URL": redis_url})
    assert [r.failures for r in results] == [[]]


def test_a_connected_call_and_its_end_are_shown_and_recorded(capsys):
    """<Dial> comes with later capabilities; a stand-in app built with the twilio library."""
    import io

    from flask import Flask, request
    from twilio.twiml.voice_response import Gather, VoiceResponse

    from hotline.cli.simulate import Conversation
    from hotline.transcripts.phone import AppTransport, Phone

    public = "https://hotline.example.org"
    stand_in = Flask(__name__)

    @stand_in.post("/twilio/voice")
    def voice():
        r = VoiceResponse()
        r.append(Gather(action=public + "/twilio/voice/gather", input="dtmf"))
        return str(r)

    @stand_in.post("/twilio/voice/gather")
    def gather():
        r = VoiceResponse()
        r.dial(action=public + "/twilio/voice/dialled").number("+821011112222")
        return str(r)

    @stand_in.post("/twilio/voice/dialled")
    def dialled():
        r = VoiceResponse()
        r.say(f"status {request.form['DialCallStatus']}")
        r.hangup()
        return str(r)

    @stand_in.post("/twilio/status")
    def status():
        return str(VoiceResponse())

    phone = Phone(AppTransport(stand_in), public, "token")
    talk = Conversation(phone, "voice", io.StringIO("5\n/done no-answer\n"))
    talk.run()
    out = capsys.readouterr().out
    assert "(connecting the call to +821011112222;" in out
    assert "status no-answer" in out and "(the hotline hung up" in out
    assert [(s.action, s.value, s.ends, s.connects) for s in talk.steps][1:] == [
        ("press", "5", None, True), ("dial_ends", "no-answer", True, None)]


def test_a_volunteer_answers_the_hotlines_call_from_the_outbox_and_presses_1(env, redis_conn,
                                                                             monkeypatch):
    """Done means of the callback queue, from the simulator: ask, NEXT, the call, press 1."""
    from rq import SimpleWorker

    from hotline import job_context as context
    from hotline.config import demo_config, load_config
    from hotline.jobs import QUEUES

    caller, volunteer = "+821055550042", "+821011110001"  # a sample volunteer
    asked = CliRunner().invoke(main, ["simulate", "--channel", "sms", "--from", caller],
                               input="안녕하세요\n4\n1\n")
    assert "보통 24시간 안에" in asked.stdout, asked.output
    taken = CliRunner().invoke(main, ["simulate", "--channel", "sms", "--from", volunteer],
                               input="다음\n")
    assert "곧 전화가 가요" in taken.stdout, taken.output
    context.configure(demo_config(load_config()))
    try:
        SimpleWorker(list(QUEUES), connection=redis_conn).work(burst=True)
    finally:
        context.configure({})
    answered = CliRunner().invoke(main, ["simulate", "--channel", "voice", "--from", volunteer],
                                  input="/answer\n1\n/quit\n")
    out = answered.stdout
    assert "(the hotline calls +82 10-****-**01" in out, answered.output
    assert "연결하려면 1번을 누르세요" in out
    assert "(connecting the call to +82 10-****-**42;" in out  # the volunteer sees it masked
    assert caller not in out
