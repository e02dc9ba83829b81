"""Nothing about a caller leaks: every conversation type, every volunteer command and every
job, run through the real webhooks, a real RQ worker and real Redis; then every Redis key
and value (RQ's compressed job data included), the outbox and every log line are searched
for the caller's number, in every form, and for the words they wrote or said.

The only places they may appear, by design:
- the outbox `to` of a message or call the caller receives (the outbox is the phone
  network's stand-in: its address is the caller's number);
- the text of an SMS to the volunteer working the caller's urgent case (the volunteer has
  to read what the caller wrote). Their numbers are never in it.
After DELETE even those are gone, and no key or value names the caller's HMAC.
"""

from __future__ import annotations

import json
import logging
import os
import xml.etree.ElementTree as ET
from urllib.parse import urlsplit

import pytest
from click.testing import CliRunner
from rq import SimpleWorker
from rq.job import Job
from rq.registry import ScheduledJobRegistry

from hotline import job_context as context
from hotline import jobs, logs
from hotline.callbacks import queue as callbacks
from hotline.cli import main
from hotline.conversation.caller_words import PHRASES as REPLY_PHRASES
from hotline.engine.loader import load_script as _load_script
from hotline.people import accounts as users
from hotline.privacy import retention
from hotline.privacy.vault import new_key, number_hash
from hotline.telephony import read_outbox
from hotline.transcripts.files import Given
from hotline.transcripts.phone import AppTransport, Phone
from hotline.urgent import cases as urgent
from tests.conftest import AUTH_TOKEN, PUBLIC_URL, SCRIPTS_DIR
from tests.redis_scan import dump, entries, holding
from tests.web.test_web_auth import PASSWORD

# What callers get for each caller word: the scripts' phrases (ivr_scripts/main.yaml).
REPLIES = {kind: _load_script(f"{SCRIPTS_DIR}/main.yaml").phrases[name]
           for kind, name in REPLY_PHRASES.items()}

CALLER = "+821012345678"
FORMS = ["+821012345678", "821012345678", "01012345678", "010-1234-5678", "010 1234 5678",
         "1012345678", "+82 10-1234-5678", "+82 10 1234 5678", "10-1234-5678"]
HOTLINE = "+15005550006"
FLASH = "+15005550007"
MINJI, JUNHO = "+821011110001", "+821011110002"
MONDAY_10_KST = 1_795_395_600.0  # 2026-11-23T10:00+09:00: 민지 is on the primary shift
# What the caller writes or says; none of it appears in the directory or the scripts.
WORDS = {
    "first": "배가 너무 아파서 잠을 못 자요",
    "place": "무지개마을",
    "urgent_sms": "숨을 못 쉬겠어요 살려주세요 남편이 때려요",
    "held": "문이 잠겨 있어요 삼층 맨 끝방",
    "relayed": "지금은 혼자 있어요 빨리 와 주세요",
    "speech": "살려주세요 가슴이 조여 와요 약이 없어요",
}
# Texts a volunteer on the caller's urgent case receives (pages, relayed texts).
FOR_VOLUNTEERS = ("urgent_sms", "held", "relayed", "speech")


@pytest.fixture()
def app_config(app_config, tmp_path):
    return {**app_config, "ENCRYPTION_KEY": new_key(), "DATA_DIR": str(tmp_path),
            "HOTLINE_NUMBER": HOTLINE, "FLASH_NUMBER": FLASH,
            "DIRECTORY_FILE": os.path.join(SCRIPTS_DIR, "directory.sample.csv")}


class Lines(logging.Handler):
    """Keeps every log record of every logger, formatted as the structured JSON line."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.setFormatter(logs.JsonFormatter())
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


@pytest.fixture()
def log_lines():
    """Every log line at DEBUG and above, from the root and from loggers that do not
    propagate (rq's, and ours once the structured handler is set)."""
    catcher = Lines()
    names = ["", *logs.LOGGERS, "rq.worker", "rq.scheduler", "rq.job", "werkzeug"]
    saved = {name: (logging.getLogger(name).level, logging.getLogger(name).propagate)
             for name in names}
    for name in names:
        logger = logging.getLogger(name)
        logger.addHandler(catcher)
        logger.setLevel(logging.DEBUG)
        logger.propagate = False
    yield catcher.lines
    for name, (level, propagate) in saved.items():
        logger = logging.getLogger(name)
        logger.removeHandler(catcher)
        logger.setLevel(level)
        logger.propagate = propagate


@pytest.fixture()
def hotline(app, clock):
    clock.now = MONDAY_10_KST
    runtime = app.extensions["hotline"]
    here = SCRIPTS_DIR
    Given(volunteers=({"name": "민지", "phone": MINJI, "languages": ["ko", "en"]},
                      {"name": "준호", "phone": JUNHO, "languages": ["ko"]},
                      {"name": "서연", "phone": "+821011110003", "languages": ["ko"]},
                      {"name": "도윤", "phone": "+821011110004", "languages": ["ko"]}),
          oncall=os.path.join(here, "oncall.sample.yaml"), at=MONDAY_10_KST,
          programmes=os.path.join(here, "programmes.sample.yaml")).apply(
        app, runtime.redis)
    context.configure(app.extensions["hotline"].config, clock=clock)
    yield runtime
    context.configure({})


class World:
    """The caller's phone, the volunteers' phones, the worker, and the bridged-call legs."""

    def __init__(self, app, runtime, clock):
        self.app, self.rt, self.clock = app, runtime, clock
        transport = AppTransport(app)
        self.caller = Phone(transport, PUBLIC_URL, AUTH_TOKEN, number=CALLER,
                            hotline_number=HOTLINE)
        self.minji = Phone(transport, PUBLIC_URL, AUTH_TOKEN, number=MINJI,
                           hotline_number=HOTLINE)
        self.flash = Phone(transport, PUBLIC_URL, AUTH_TOKEN, number=CALLER,
                           hotline_number=FLASH)
        self.sent = 0
        self.leg_sid = "CAleg"

    def work(self, due: bool = False) -> None:
        """Run the queued jobs in a real worker; `due`: scheduled ones too (time passes)."""
        if due:
            self.due(lambda job_id: not job_id.startswith("purge-"))
        SimpleWorker(list(jobs.QUEUES), connection=self.rt.redis).work(burst=True)

    def due(self, which) -> None:
        """Time passes: scheduled jobs go to their queue, as RQ's scheduler moves them."""
        for name in jobs.QUEUES:
            registry = ScheduledJobRegistry(name, connection=self.rt.redis)
            for job_id in registry.get_job_ids():
                if which(job_id):
                    job = Job.fetch(job_id, connection=self.rt.redis)
                    registry.remove(job)
                    jobs.queue(self.rt.redis, name).enqueue_job(job)

    def outbox(self) -> list[dict]:
        return read_outbox(self.rt.config.data_dir)

    def last_call_to(self, number: str) -> ET.Element:
        calls = [e for e in self.outbox() if e["kind"] == "call" and e["to"] == number]
        assert calls, f"no call to {number}"
        return ET.fromstring(calls[-1]["twiml"])

    def leg(self, url: str, params: dict[str, str]) -> ET.Element:
        """Post a bridged-call webhook (Twilio calling back on the volunteer's leg)."""
        parts = urlsplit(url)
        assert f"{parts.scheme}://{parts.netloc}" == PUBLIC_URL
        status, body = self.caller.post(url, {"CallSid": self.leg_sid, "From": HOTLINE,
                                              "To": MINJI, **params})
        assert status == 200
        return ET.fromstring(body)

    def bridge(self, outcome: str) -> None:
        """민지's phone rings (the whisper), she presses 1, the caller's leg ends `outcome`."""
        self.leg_sid = f"CAleg{len(self.outbox())}"  # each bridged call has its own CallSid
        gather = self.last_call_to(MINJI).find("Gather")
        dial = self.leg(gather.get("action"), {"Digits": "1"}).find("Dial")
        assert dial.find("Number").text == CALLER  # dialled from the hotline number
        self.leg(dial.get("action"), {"DialCallStatus": outcome, "DialCallDuration": "60"})

    def volunteer(self, command: str) -> str:
        return self.minji.text(command).text

    def assert_clean(self) -> None:
        """Nothing in Redis right now holds the caller's number or words, but sealed.
        (Checked along the way too: a session holds the caller's latest words only for
        a while, so a scan at the end alone could miss them.)"""
        stored = entries(self.rt.redis)
        for needle in needles():
            leaks = [k for k, v in stored.items() if needle in k or needle in v]
            assert not leaks, (needle, leaks)


def drive_everything(world: World, purge: bool = True) -> dict[str, str]:
    """Every conversation type, volunteer command and job; returns what was seen.

    `purge`: end with the scheduled retention purge (which also gives a TTL to a caller
    key found without one, so a test of the keys' own TTLs goes without it)."""
    caller, seen = world.caller, {}
    # -- SMS: the menu, the programmes, privacy ------------------------------------------
    assert "무엇을 도와드릴까요?" in caller.text(WORDS["first"]).text
    caller.text("1")
    caller.text("0")
    caller.text("5")
    # -- SMS: a programme's session joined (the number sealed; a reminder job waits) ----
    caller.text("1")
    caller.text("5")
    caller.text("2")
    assert "신청됐어요" in caller.text("1").text
    caller.text("0")
    world.assert_clean()
    # -- SMS: the directory, an unknown place and a known one ---------------------------
    caller.text("2")
    caller.text(WORDS["place"])
    world.assert_clean()  # the unknown place waits in the session (sealed)
    assert "02-0000-0104" in caller.text("강남구").text
    caller.text("0")
    # -- SMS: a call back; NEXT, the bridged call, no answer, retried, answered, DONE ---
    caller.text("4")
    assert "요청을 받았어요" in caller.text("1").text
    (req,) = callbacks.all_requests(world.rt.redis, world.rt.config)
    assert world.volunteer("HELP").startswith("명령")
    assert world.volunteer("NEXT").startswith(f"요청 {req.id}")
    world.work()
    world.bridge("no-answer")  # a retry is scheduled for daytime: its job runs "later"
    world.work(due=True)
    assert world.volunteer("NEXT").startswith(f"요청 {req.id}")
    world.work()
    world.bridge("completed")  # talked: the autoclose job is scheduled
    assert f"{req.id}" in world.volunteer(f"DONE {req.id}")
    world.work(due=True)  # autoclose: nothing left to close
    # -- a missed call: rejected busy, a call back; three unanswered tries, one SMS ----
    assert world.flash.call().rejected == "busy"
    for _ in range(3):
        world.volunteer("NEXT")
        world.work()
        world.bridge("no-answer")
        world.work(due=True)  # the requeue, and after the third try the one SMS
    tried = [e for e in world.outbox() if e["to"] == CALLER and e["kind"] == "sms"]
    assert tried and "연결되지 않았어요" in tried[-1]["body"]
    # -- voice: the directory, one result sent by SMS (a job) -----------------------------
    caller.call()
    caller.press("2")
    caller.press("1")
    assert "문자로 보냈어요" in caller.press("3").text
    caller.hangup()
    world.work()
    assert any(e["to"] == CALLER and "02-0000" in e.get("body", "") for e in world.outbox())
    # -- ON / OFF ------------------------------------------------------------------------
    assert "멈췄어요" in world.volunteer("OFF")
    assert "받아요" in world.volunteer("ON")
    # -- urgent SMS: paged, a held text, ACK, texts passed on, the bridged call --------
    assert "곧 사람이 연락드려요" in caller.text(WORDS["urgent_sms"]).text
    caller.text(WORDS["held"])
    world.assert_clean()  # the first words and the held text wait (sealed)
    world.work()  # page level 1
    case = urgent.open_case_of(world.rt.redis, world.rt.config, CALLER)
    assert case is not None
    pages = [e["body"] for e in world.outbox() if e["to"] == MINJI and "긴급" in e.get("body", "")]
    assert pages and f"확인 {case.code}" in pages[-1]  # 민지 reads Korean: ACK is 확인
    assert "맡으셨어요" in world.volunteer(f"ACK {case.code}")
    caller.text(WORDS["relayed"])
    world.assert_clean()  # the relay jobs carry the texts (sealed)
    world.work()  # the held and the new text reach 민지; her phone rings
    to_minji = " ".join(e.get("body", "") for e in world.outbox() if e["to"] == MINJI)
    assert WORDS["held"] in to_minji and WORDS["relayed"] in to_minji
    world.bridge("completed")
    urgent_req = callbacks.open_request(world.rt.redis, world.rt.config, CALLER)
    world.volunteer(f"DONE {urgent_req.id}")
    urgent.close(world.rt.redis, world.rt.config, case.code, world.clock(), "reached")
    # -- urgent voice: words said at the menu ring the people on call ------------------
    world.clock.advance(120)
    caller.call()
    dialing = caller.say(WORDS["speech"])
    assert dialing.dialed, "an urgent call rings the people on call"
    world.assert_clean()
    caller.dial_ends("no-answer")
    caller.hangup()
    world.work()
    seen["voice_case"] = urgent.open_case_of(world.rt.redis, world.rt.config, CALLER).code
    # -- STOP, a text while opted out, START, HELP -----------------------------------
    assert caller.text("STOP").messages == []
    assert caller.text("1").messages == []
    assert caller.text("START").messages == []
    assert caller.text("HELP").text == REPLIES["help"]["ko"]  # the conversation is Korean
    # -- the scheduled purge, in the worker like every other job ----------------------
    if not purge:
        return seen
    jobs.schedule_purge(world.rt.redis, world.rt.config)
    world.due(lambda job_id: job_id.startswith("purge-"))
    world.work()
    assert any(j.startswith("purge-") for j in  # it ran, and scheduled the next one
               ScheduledJobRegistry(jobs.DEFAULT, connection=world.rt.redis).get_job_ids())
    return seen


def needles(which: tuple[str, ...] = tuple(WORDS)) -> list[str]:
    return [*FORMS, *(WORDS[w] for w in which)]


def assert_outbox_clean(world: World) -> None:
    for entry in world.outbox():
        to_caller = entry["to"] == CALLER
        text = json.dumps({k: v for k, v in entry.items() if not (to_caller and k == "to")},
                          ensure_ascii=False)
        allowed = FOR_VOLUNTEERS if entry["to"] == MINJI and entry["kind"] == "sms" else ()
        for needle in needles():
            if needle in text and not any(needle == WORDS[w] for w in allowed):
                pytest.fail(f"{needle!r} in the outbox: {text}")


def test_no_caller_number_or_words_anywhere_but_sealed(hotline, app, clock, log_lines):
    world = World(app, hotline, clock)
    drive_everything(world)

    stored = entries(hotline.redis)
    assert any(k.startswith("rq:job:") for k in stored), "no job records: the scan is empty"
    assert any(k.startswith("hotline:session:") for k in stored)
    everything = dump(hotline.redis)
    world.assert_clean()
    lines = "\n".join(log_lines)
    assert len(log_lines) > 50, "hardly any log lines: the scan would prove nothing"
    for needle in needles():
        assert needle not in lines, (needle, [ln for ln in log_lines if needle in ln][:3])
    assert_outbox_clean(world)
    assert "gAAAAA" in everything  # what is kept is kept sealed

    # Everything that names the caller (their HMAC) expires by itself, but the opt-out set.
    digest = number_hash(hotline.config.secret_key, CALLER)
    for key in holding(hotline.redis, digest):
        assert hotline.redis.ttl(key) > 0 or key == "hotline:optout", key


def test_after_delete_nothing_names_the_caller_at_all(hotline, app, clock, log_lines):
    world = World(app, hotline, clock)
    seen = drive_everything(world)
    assert world.caller.text("삭제").text == REPLIES["delete"]["ko"]
    world.work(due=True)

    digest = number_hash(hotline.config.secret_key, CALLER)
    assert holding(hotline.redis, digest) == []
    stored = entries(hotline.redis)
    for needle in needles():
        assert not [k for k, v in stored.items() if needle in k or needle in v], needle
    assert [e for e in world.outbox() if e["to"] == CALLER] == []
    case = urgent.get(hotline.redis, hotline.config, seen["voice_case"])
    assert case.state == urgent.State.CLOSED and case.caller == "" and case.first_words == ""
    for needle in needles():
        assert needle not in "\n".join(log_lines), needle


def keys_without_ttl(conn, config) -> list[str]:
    """Keys with no TTL that are not on the documented list (retention.LONG_LIVED); an RQ
    job record may only be there while the job waits."""
    lasting = []
    for key in conn.scan_iter(count=1000):
        name = key.decode("utf-8", "replace")
        if conn.ttl(key) != -1:
            continue
        if retention.long_lived(config, name) is None:
            lasting.append(name)
        elif name.startswith("rq:job:") and conn.hget(key, "status") not in (
                b"queued", b"scheduled", b"deferred"):
            lasting.append(name)  # a job that ended keeps its record for result_ttl only
    return sorted(lasting)


def test_every_key_expires_but_the_few_documented_long_lived_ones(hotline, app, clock,
                                                                  client, second_steps,
                                                                  client_login):
    world = World(app, hotline, clock)
    # menu, directory, call backs, urgent cases, commands, STOP; no purge to mend TTLs
    drive_everything(world, purge=False)
    assert keys_without_ttl(hotline.redis, hotline.config) == []
    assert world.caller.text("삭제").text == REPLIES["delete"]["ko"]
    world.work(due=True)
    users.add(hotline.redis, hotline.config, "boss", "staff", PASSWORD)
    second_steps.enrol("boss")
    assert client_login("boss", PASSWORD).status_code == 302  # a web login (two steps)
    assert client.get("/admin/").status_code == 200  # and a page behind it
    assert client.get("/volunteer/urgent").status_code == 200  # the access log written
    assert keys_without_ttl(hotline.redis, hotline.config) == []


def bridged_callback(world: World) -> None:
    """The caller asks to be called back; 민지 takes it, is rung, presses 1: the hotline's
    answer dials the caller's number (kept for Twilio's retries); they talk."""
    world.caller.text("4")
    assert "요청을 받았어요" in world.caller.text("1").text
    assert world.volunteer("NEXT").startswith("요청 ")
    world.work()
    world.bridge("completed")


def urgent_case(world: World) -> None:
    """An urgent text pages 민지 with the caller's words; a text is held; she sends ACK,
    the held and a new text are passed on to her, and her phone bridges to the caller."""
    world.caller.text(WORDS["urgent_sms"])
    world.caller.text(WORDS["held"])
    world.work()
    case = urgent.open_case_of(world.rt.redis, world.rt.config, CALLER)
    assert "맡으셨어요" in world.volunteer(f"ACK {case.code}")
    world.caller.text(WORDS["relayed"])
    world.work()
    to_minji = " ".join(e.get("body", "") for e in world.outbox() if e["to"] == MINJI)
    assert WORDS["urgent_sms"] in to_minji and WORDS["relayed"] in to_minji
    world.bridge("completed")


def forget_by_cli(world: World, redis_url: str) -> None:
    config = world.rt.config
    env = {"HOTLINE_REDIS_URL": redis_url, "HOTLINE_SECRET_KEY": config.secret_key,
           "HOTLINE_ENCRYPTION_KEY": config.encryption_key,
           "HOTLINE_DATA_DIR": config.data_dir}
    done = CliRunner(env=env).invoke(main, ["forget", CALLER, "--json"])
    assert done.exit_code == 0, done.output


def programme_signup(world: World) -> None:
    """The caller joins a programme's session: a sign-up with the number sealed, and a
    reminder job scheduled for the day before."""
    for key in ("1", "5", "2"):
        world.caller.text(key)
    assert "신청됐어요" in world.caller.text("1").text
    assert any(j.startswith("progrem-") for j in ScheduledJobRegistry(
        jobs.DEFAULT, connection=world.rt.redis).get_job_ids())


@pytest.mark.parametrize("then", ["DELETE", "hotline forget"])
@pytest.mark.parametrize("scenario", [bridged_callback, urgent_case, programme_signup])
def test_after_erasure_nothing_holds_the_number_even_opened_with_the_key(
        hotline, app, clock, redis_url, scenario, then):
    world = World(app, hotline, clock)
    world.caller.text(WORDS["first"])
    scenario(world)
    key = hotline.config.encryption_key
    sealed = dump(hotline.redis, [key])
    assert CALLER in sealed, "the scan opens nothing: it would prove nothing"
    if then == "DELETE":
        assert world.caller.text("삭제").text == REPLIES["delete"]["ko"]
    else:
        forget_by_cli(world, redis_url)
    world.work(due=True)

    stored = entries(hotline.redis, [key])
    assert not [k for k, v in stored.items() if "<unopened token" in v]
    for needle in needles():  # the number in every form, and every word they wrote
        assert not [k for k, v in stored.items() if needle in k or needle in v], needle
    assert not [j for j in ScheduledJobRegistry(jobs.DEFAULT, connection=hotline.redis)
                .get_job_ids() if j.startswith("progrem-")]  # no reminder left to go
    outbox = [json.dumps(e, ensure_ascii=False) for e in world.outbox()]
    if scenario is programme_signup:
        assert not [e for e in world.outbox() if e["to"] == CALLER]
        return
    assert outbox and not [e for e in world.outbox() if e["to"] == CALLER]
    for needle in needles():
        assert not [line for line in outbox if needle in line], needle
    if scenario is urgent_case:  # the volunteer's page and texts stay, without the words
        to_minji = [e.get("body", "") for e in world.outbox() if e["to"] == MINJI]
        erased = [body for body in to_minji if body.endswith(": (erased)")]
        assert erased and all(len(body.split(":")[0]) <= 5 for body in erased)
