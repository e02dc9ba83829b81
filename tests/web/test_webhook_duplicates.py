"""Twilio retries and duplicate deliveries: every webhook delivered twice acts once.

For each /twilio route of the app's url map there is a scenario that makes the route do
something real (a callback request, an urgent case and its pages, a NEXT that rings a
volunteer, a claimed case, a call put back in the queue). The delivery is sent, the jobs
it queued run in a real worker, and everything the hotline keeps is photographed: its
Redis keys and values, the RQ jobs (with when they were enqueued), the outbox. The same
delivery again must give the same answer and leave the photograph as it was: no second
callback, case, page, call or outbox line. A route without a scenario fails the test.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

import pytest
from rq import SimpleWorker

from hotline import create_app, jobs
from hotline import job_context as context
from hotline.callbacks import bridge
from hotline.callbacks import queue as callbacks
from hotline.conversation.capabilities import CapabilityContext
from hotline.people import rota, volunteers
from hotline.privacy.vault import new_key
from hotline.telephony import read_outbox
from hotline.urgent import cases as urgent
from hotline.web import urgent as urgent_web
from tests.capabilities import urgent_capability

CALLER = "+821012345678"
HOTLINE = "+15005550006"
FLASH = "+15005550007"
KIM, LEE = "+821011110001", "+821011110003"
ROTA = """\
timezone: Asia/Seoul
ack_timeout_seconds: 60
levels:
  - name: primary
    shifts:
      - {volunteer: Kim, days: [mon, tue, wed, thu, fri, sat, sun], from: "00:00", to: "24:00"}
  - name: backup
    shifts:
      - {volunteer: Lee, days: [mon, tue, wed, thu, fri, sat, sun], from: "00:00", to: "24:00"}
"""


@pytest.fixture()
def app_config(app_config, tmp_path):
    return {**app_config, "ENCRYPTION_KEY": new_key(), "DATA_DIR": str(tmp_path),
            "HOTLINE_NUMBER": HOTLINE, "FLASH_NUMBER": FLASH}


@dataclass
class World:
    """The app with volunteers Kim (level 1) and Lee (level 2) on call, and a worker."""

    app: object
    post_signed: Callable
    clock: object

    @property
    def conn(self):
        return self.app.extensions["hotline"].redis

    @property
    def config(self):
        return self.app.extensions["hotline"].config

    def post(self, url: str, params: dict[str, str]):
        parts = urlsplit(url)
        response = self.post_signed(parts.path + (f"?{parts.query}" if parts.query else ""),
                                    params)
        assert response.status_code == 200, (url, response.status_code)
        assert ET.fromstring(response.data).tag == "Response"
        return response

    def sms(self, body: str, sid: str, sender: str = CALLER):
        return self.post("/twilio/sms", {"From": sender, "To": HOTLINE, "Body": body,
                                         "MessageSid": sid, "NumMedia": "0"})

    def call(self, sid: str, to: str = HOTLINE):
        return self.post("/twilio/voice", {"From": CALLER, "To": to, "CallSid": sid,
                                           "CallStatus": "ringing", "Direction": "inbound"})

    def work(self) -> None:
        SimpleWorker(list(jobs.QUEUES), connection=self.conn).work(burst=True)

    def request(self, topic: str = "clinic") -> callbacks.Request:
        return callbacks.create(self.conn, self.config, CALLER, language="ko", topic=topic,
                                now=self.clock() - 600).request

    def taken_by_kim(self) -> callbacks.Request:
        self.request()
        kim = volunteers.by_phone(self.conn, self.config, KIM)
        return callbacks.take_next(self.conn, self.config, ["ko"], kim.id, self.clock())

    def urgent_case(self, channel: str = "voice") -> str:
        ctx = CapabilityContext(self.conn, self.config, CALLER,
                                urgent.caller_hash(self.config, CALLER), channel, "ko",
                                call_sid="CAurgent", now=self.clock())
        code = urgent_capability(ctx, {"language": "ko", "reason": "menu"})["code"]
        self.work()  # level 1 paged
        return code

    def snapshot(self) -> dict:
        """Everything a second delivery could add to: hotline keys, RQ jobs, the outbox."""
        conn, prefix = self.conn, self.config.key_prefix
        kept = {}
        for raw in conn.scan_iter(f"{prefix}*"):
            key = raw.decode()
            if key.startswith(f"{prefix}replay:"):
                continue  # the guard's own memory of answers
            kept[key] = read_value(conn, raw)
        for raw in conn.scan_iter("rq:job:*"):
            if conn.type(raw) == b"hash":
                kept[raw.decode()] = (conn.hget(raw, "status"), conn.hget(raw, "enqueued_at"))
        for raw in conn.scan_iter("rq:scheduled:*"):
            kept[raw.decode()] = conn.zrange(raw, 0, -1, withscores=True)
        kept["outbox"] = [(e["kind"], e["to"], e.get("body") or e.get("twiml") or e.get("url"))
                          for e in read_outbox(self.config.data_dir)]
        return kept


def read_value(conn, key):
    kind = conn.type(key).decode()
    if kind == "string":
        return conn.get(key)
    if kind == "hash":
        return sorted(conn.hgetall(key).items())
    if kind == "zset":
        return conn.zrange(key, 0, -1, withscores=True)
    if kind == "list":
        return conn.lrange(key, 0, -1)
    return sorted(conn.smembers(key))


@pytest.fixture()
def world(app, signed_post, clock, redis_conn):
    config = app.extensions["hotline"].config
    for name, phone in [("Kim", KIM), ("Lee", LEE)]:
        volunteers.add(redis_conn, config, name, phone, ("ko",))
    rota.import_rota(redis_conn, config, ROTA, "rota.yaml", 0.0,
                     rota.resolver(redis_conn, config))
    context.configure(config, clock=clock)
    yield World(app, signed_post, clock)
    context.configure({})


def gather_action(response) -> str:
    return ET.fromstring(response.data).find("Gather").get("action")


# --- One scenario per route: set the scene, return the delivery (url, params) under test --

def voice_new_call(w: World):
    return "/twilio/voice", {"From": CALLER, "To": HOTLINE, "CallSid": "CA100",
                             "CallStatus": "ringing", "Direction": "inbound"}


def voice_ring_on_the_flash_number(w: World):
    return "/twilio/voice", {"From": CALLER, "To": FLASH, "CallSid": "CA101",
                             "CallStatus": "ringing"}


def flash(w: World):
    return "/twilio/calls/flash", {"From": CALLER, "To": FLASH, "CallSid": "CA102",
                                   "CallStatus": "ringing"}


def gather_asks_for_a_callback(w: World):
    action = gather_action(w.post(gather_action(w.call("CA103")),
                                  {"CallSid": "CA103", "From": CALLER, "Digits": "4"}))
    return action, {"CallSid": "CA103", "From": CALLER, "To": HOTLINE, "Digits": "1"}


def gather_presses_0_for_a_person(w: World):
    return gather_action(w.call("CA104")), {"CallSid": "CA104", "From": CALLER,
                                            "To": HOTLINE, "Digits": "0"}


def sms_asks_for_a_callback(w: World):
    w.sms("안녕하세요", "SM01")
    w.sms("4", "SM02")
    return "/twilio/sms", {"From": CALLER, "To": HOTLINE, "Body": "1", "MessageSid": "SM03",
                           "NumMedia": "0"}


def sms_urgent_words(w: World):
    return "/twilio/sms", {"From": CALLER, "To": HOTLINE, "Body": "살려주세요 숨을 못쉬겠어요",
                           "MessageSid": "SM04", "NumMedia": "0"}


def sms_volunteer_next(w: World):
    w.request()
    return "/twilio/sms", {"From": KIM, "To": HOTLINE, "Body": "NEXT", "MessageSid": "SM05"}


def sms_volunteer_done(w: World):
    req = w.taken_by_kim()
    return "/twilio/sms", {"From": KIM, "To": HOTLINE, "Body": f"DONE {req.id}",
                           "MessageSid": "SM06"}


def sms_volunteer_ack(w: World):
    code = w.urgent_case(channel="sms")
    return "/twilio/sms", {"From": KIM, "To": HOTLINE, "Body": f"ACK {code}",
                           "MessageSid": "SM07"}


def message_status(w: World):
    w.sms("안녕하세요", "SM08")
    return "/twilio/status", {"MessageSid": "SM08", "MessageStatus": "delivered",
                              "To": CALLER, "From": HOTLINE}


def bridged_call_connect(w: World):
    req = w.taken_by_kim()
    return bridge.url(w.config, "connect", req.id, lang="ko"), {
        "CallSid": "CA105", "To": KIM, "From": HOTLINE, "Digits": "1"}


def bridged_call_caller_missed(w: World):
    req = w.taken_by_kim()
    w.post(bridge.url(w.config, "connect", req.id, lang="ko"),
           {"CallSid": "CA106", "To": KIM, "From": HOTLINE, "Digits": "1"})
    return bridge.url(w.config, "dialed", req.id, lang="ko"), {
        "CallSid": "CA106", "DialCallStatus": "no-answer", "To": KIM}


def bridged_call_volunteer_did_not_answer(w: World):
    req = w.taken_by_kim()
    return bridge.url(w.config, "status", req.id, leg="volunteer"), {
        "CallSid": "CA107", "CallStatus": "no-answer", "To": KIM}


def urgent_whisper(w: World):
    code = w.urgent_case()
    return f"/twilio/urgent/whisper?case={code}&lang=ko", {"CallSid": "CA108", "To": KIM,
                                                           "From": HOTLINE}


def urgent_accept(w: World):
    code = w.urgent_case()
    urgent_web.dial_twiml(w.conn, w.config, code, "ko", 0, w.clock())
    return f"/twilio/urgent/accept?case={code}&lang=ko", {"CallSid": "CA109", "To": KIM,
                                                          "From": HOTLINE, "Digits": "1"}


def urgent_nobody_accepted_level_1(w: World):
    code = w.urgent_case()
    urgent_web.dial_twiml(w.conn, w.config, code, "ko", 0, w.clock())
    return f"/twilio/urgent/dialed?case={code}&step=1&lang=ko", {
        "CallSid": "CAurgent", "From": CALLER, "DialCallStatus": "no-answer"}


def programme_reminder_call_key_3(w: World):
    import os

    from hotline.programmes import model, signups, store, voice
    from tests.conftest import SCRIPTS_DIR

    store.save(w.conn, w.config,
               model.read_file(os.path.join(SCRIPTS_DIR, "programmes.sample.yaml")))
    programme = store.get(w.conn, w.config, "checkup-la")
    joined, _ = signups.join(w.conn, w.config, programme, programme.sessions[0], number=CALLER,
                             caller_hash=urgent.caller_hash(w.config, CALLER), language="ko",
                             now=w.clock(), channel="voice")
    return str(w.config.public_url).rstrip("/") + voice.path(joined.id, "ko"), {
        "CallSid": "CA110", "To": CALLER, "From": HOTLINE, "Digits": "3"}


def voicemail_recorded(w: World):
    return "/twilio/voicemail/recorded?topic=other&lang=ko", {
        "CallSid": "CA110", "From": CALLER, "To": HOTLINE, "RecordingSid": "RE" + "1" * 32,
        "RecordingDuration": "12"}


def voicemail_transcribed(w: World):
    url, params = voicemail_recorded(w)
    w.post(url, params)
    return "/twilio/voicemail/transcribed", {
        "CallSid": "CA110", "RecordingSid": "RE" + "1" * 32,
        "TranscriptionStatus": "completed", "TranscriptionText": "please call me"}


# (route, scenario, does the first delivery change anything? a status callback may not)
SCENARIOS: list[tuple[str, Callable, bool]] = [
    ("/twilio/voice", voice_new_call, True),
    ("/twilio/voice", voice_ring_on_the_flash_number, True),
    ("/twilio/calls/flash", flash, True),
    ("/twilio/voice/gather", gather_asks_for_a_callback, True),
    ("/twilio/voice/gather", gather_presses_0_for_a_person, True),
    ("/twilio/sms", sms_asks_for_a_callback, True),
    ("/twilio/sms", sms_urgent_words, True),
    ("/twilio/sms", sms_volunteer_next, True),
    ("/twilio/sms", sms_volunteer_done, True),
    ("/twilio/sms", sms_volunteer_ack, True),
    ("/twilio/status", message_status, False),
    ("/twilio/calls/connect", bridged_call_connect, True),
    ("/twilio/calls/dialed", bridged_call_caller_missed, True),
    ("/twilio/calls/status", bridged_call_volunteer_did_not_answer, True),
    ("/twilio/urgent/whisper", urgent_whisper, False),
    ("/twilio/urgent/accept", urgent_accept, True),
    ("/twilio/urgent/dialed", urgent_nobody_accepted_level_1, True),
    ("/twilio/programmes/reminder", programme_reminder_call_key_3, True),
    ("/twilio/voicemail/recorded", voicemail_recorded, True),
    ("/twilio/voicemail/transcribed", voicemail_transcribed, True),
]


@pytest.mark.parametrize("route, scenario, changes", SCENARIOS,
                         ids=[s.__name__ for _, s, _ in SCENARIOS])
def test_a_webhook_delivered_twice_acts_once(world, route, scenario, changes):
    url, params = scenario(world)
    assert urlsplit(url).path == route
    world.work()
    before = world.snapshot()
    first = world.post(url, params)
    world.work()
    once = world.snapshot()
    again = world.post(url, params)  # Twilio retries, or delivers the callback twice
    world.work()
    assert again.data == first.data
    assert world.snapshot() == once
    if changes:
        assert once != before, "the scenario should make the route do something"


def deliver_twice_then_work(world, scenario):
    url, params = scenario(world)
    world.post(url, params)
    world.post(url, params)
    world.work()
    return read_outbox(world.config.data_dir)


# Spot checks that the photographs above hold the things a user would count.

def test_next_twice_rings_the_volunteer_once(world):
    calls = [e for e in deliver_twice_then_work(world, sms_volunteer_next) if e["kind"] == "call"]
    assert [c["to"] for c in calls] == [KIM]


def test_urgent_words_twice_open_one_case_and_page_once(world):
    sent = deliver_twice_then_work(world, sms_urgent_words)
    pages = [e for e in sent if e["kind"] == "sms" and e["to"] == KIM]
    assert len(pages) == 1 and pages[0]["body"].startswith("긴급 ")  # Kim reads Korean
    assert len(urgent.recent(world.conn, world.config)) == 1


def test_ack_twice_bridges_one_call(world):
    sent = deliver_twice_then_work(world, sms_volunteer_ack)
    assert [e["to"] for e in sent if e["kind"] == "call"] == [KIM]


def test_asking_twice_files_one_callback(world):
    deliver_twice_then_work(world, sms_asks_for_a_callback)
    (req,) = callbacks.all_requests(world.conn, world.config)
    assert req.topic == "counselling"


def test_every_twilio_route_has_a_scenario():
    app = create_app({"TESTING": True, "REDIS_URL": "redis://127.0.0.1:1/0"})
    routes = {rule.rule for rule in app.url_map.iter_rules() if rule.rule.startswith("/twilio/")}
    missing = routes - {route for route, _, _ in SCENARIOS}
    assert not missing, f"routes without a delivered-twice scenario: {sorted(missing)}"


def test_a_twin_arriving_while_the_first_is_still_running_acts_once(world, app, monkeypatch):
    """Twilio gave up waiting and retried while the first delivery is still being handled."""
    import threading
    import time

    from hotline.conversation import volunteer_commands

    real, entered = volunteer_commands.handle_for, threading.Event()

    def slow_handle(*args, **kwargs):
        entered.set()
        time.sleep(0.5)  # the first delivery is slow (a slow Redis, a busy node)
        return real(*args, **kwargs)

    monkeypatch.setattr(volunteer_commands, "handle_for", slow_handle)
    url, params = sms_volunteer_next(world)
    answers = {}
    first = threading.Thread(target=lambda: answers.update(first=world.post(url, params).data))
    first.start()
    assert entered.wait(5)
    answers["twin"] = world.post(url, params).data  # waits for the first one's answer
    first.join(10)
    assert answers["twin"] == answers["first"] and b"<Message>" in answers["first"]
    world.work()
    calls = [e for e in read_outbox(world.config.data_dir) if e["kind"] == "call"]
    assert [c["to"] for c in calls] == [KIM]
