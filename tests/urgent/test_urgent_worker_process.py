"""Done means, end to end: an urgent SMS webhook, a worker as a separate process, real Redis.

Level 1 is paged, level 2 after the (1 s) timeout, ACK stops the escalation and the
outbox shows the bridged call.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import xml.etree.ElementTree as ET

import pytest
from rq import Worker
from rq.job import Job

from hotline.people import rota, volunteers
from hotline.privacy.vault import new_key
from hotline.telephony import read_outbox
from hotline.urgent import cases as urgent
from hotline.urgent.intake import acknowledge, urgent_capability
from tests.processes import stop

# Workers as processes and real ACK timeouts (a restart may take up to 45 s).
pytestmark = [pytest.mark.slow, pytest.mark.timeout(180)]

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CALLER = "+821099998888"
SCRIPT = """\
spec_version: 1
name: urgent_only
default_language: ko
start: main_menu
languages:
  ko: {name: 한국어}
  en: {name: English}
phrases:
  invalid: {ko: 다시 골라 주세요., en: Sorry.}
  silence: {ko: 못 들었어요., en: Nothing heard.}
  resume: {ko: 이어서 할까요?, en: Continue?}
  resume_yes: {ko: 이어서, en: Continue}
  resume_no: {ko: 처음부터, en: Start over}
  give_up: {ko: "급하면 {emergency}에 전화하세요.", en: "Call {emergency}."}
nodes:
  main_menu:
    type: menu
    text: {ko: 무엇을 도와드릴까요?, en: How can we help?}
    options:
      - {key: 0, label: {ko: 급해요, en: Urgent}, goto: urgent}
  urgent:
    type: urgent
    text:
      ko: "곧 사람이 연락드려요. 위험하면 바로 {emergency}에 전화하세요."
      en: "A person will contact you soon. If you are in danger, call {emergency} now."
"""
ROTA = """\
timezone: Asia/Seoul
ack_timeout_seconds: 1
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
    scripts = tmp_path / "scripts"
    scripts.mkdir()
    (scripts / "urgent_only.yaml").write_text(SCRIPT, encoding="utf-8")
    return {**app_config, "SCRIPTS_DIR": str(scripts), "DATA_DIR": str(tmp_path / "data"),
            "ENCRYPTION_KEY": new_key()}


@pytest.fixture()
def worker_process(app, redis_url, redis_conn, tmp_path):
    config = app.extensions["hotline"].config
    env = {**os.environ, "HOTLINE_REDIS_URL": redis_url, "HOTLINE_DATA_DIR": config.data_dir,
           "HOTLINE_SECRET_KEY": config.secret_key,
           "HOTLINE_ENCRYPTION_KEY": config.encryption_key,
           "HOTLINE_PUBLIC_URL": config.public_url}
    log = open(tmp_path / "worker.log", "w")  # noqa: SIM115  (open while the worker runs)
    process = subprocess.Popen([sys.executable, "-m", "hotline.cli", "worker"], cwd=ROOT,
                               env=env, stdout=log, stderr=subprocess.STDOUT)
    deadline = time.time() + 15
    while not Worker.all(connection=redis_conn):
        assert process.poll() is None and time.time() < deadline, (tmp_path / "worker.log")
        time.sleep(0.05)
    yield process
    stop(process, log=tmp_path / "worker.log")
    log.close()


def wait_for(predicate, seconds=6.0):
    deadline = time.time() + seconds
    while time.time() < deadline:
        found = predicate()
        if found:
            return found
        time.sleep(0.02)
    raise AssertionError("timed out")


def test_urgent_sms_pages_escalates_and_ack_bridges(app, redis_conn, signed_post,
                                                    worker_process):
    config = app.extensions["hotline"].config
    capabilities = app.extensions["hotline"].capabilities
    if "urgent" not in capabilities:  # until create_app registers it
        capabilities.register("urgent", urgent_capability)
    people = {name: volunteers.add(redis_conn, config, name, phone, ("ko",))
              for name, phone in [("Kim", "+821011110001"), ("Lee", "+821011110003")]}
    rota.import_rota(redis_conn, config, ROTA, "rota.yaml", 0.0,
                     rota.resolver(redis_conn, config))

    def sms(to):
        return [e["body"] for e in read_outbox(config.data_dir)
                if e["kind"] == "sms" and e["to"] == to]

    params = {"From": CALLER, "To": "+15005550006", "Body": "살려 주세요 숨을 못쉬겠어요",
              "MessageSid": "SMurgent1", "NumMedia": "0"}
    reply = signed_post("/twilio/sms", params)
    assert reply.status_code == 200
    text = ET.fromstring(reply.data).find("Message").text
    assert text == "곧 사람이 연락드려요. 위험하면 바로 119에 전화하세요."
    assert signed_post("/twilio/sms", params).status_code == 200  # Twilio retries

    first = wait_for(lambda: sms("+821011110001"))
    code = first[0].split()[1]
    assert first == [f"긴급 {code} ko: '살려 주세요 숨을 못쉬겠어요' 맡으려면 확인 {code}"]
    second = wait_for(lambda: sms("+821011110003"))  # after level 1's 1 s timeout
    assert second == first
    assert acknowledge(redis_conn, config, people["Lee"], [code], time.time()).startswith(code)
    call = wait_for(lambda: [e for e in read_outbox(config.data_dir) if e["kind"] == "call"])
    assert call[0]["to"] == "+821011110003"
    # The step scheduled after level 2 runs (after its 1 s timeout) and pages nobody.
    after_level_2 = Job.fetch(f"urgent-{code}-2", connection=redis_conn)
    wait_for(lambda: after_level_2.get_status(refresh=True) == "finished")
    assert after_level_2.return_value() == "stopped"
    assert len(sms("+821011110001")) == 2  # the page, then "taken by another volunteer"
    assert sms("+821011110003") == first
    steps = [e["step"] for e in urgent.timeline(redis_conn, config, code)]
    assert steps[:5] == ["created", "paged", "escalated", "acked", "calling"]
    assert urgent.get(redis_conn, config, code).state == urgent.State.CLAIMED


def start_worker(app, redis_url, redis_conn, log_path):
    """A `hotline worker` in its own session, so it can be killed -9 with its scheduler."""
    config = app.extensions["hotline"].config
    env = {**os.environ, "HOTLINE_REDIS_URL": redis_url, "HOTLINE_DATA_DIR": config.data_dir,
           "HOTLINE_SECRET_KEY": config.secret_key,
           "HOTLINE_ENCRYPTION_KEY": config.encryption_key,
           "HOTLINE_PUBLIC_URL": config.public_url}
    process = subprocess.Popen([sys.executable, "-m", "hotline.cli", "worker"], cwd=ROOT,
                               env=env, stdout=open(log_path, "a"),  # noqa: SIM115
                               stderr=subprocess.STDOUT, start_new_session=True)
    wait_for(lambda: any(w.pid == process.pid for w in Worker.all(connection=redis_conn)),
             seconds=20)
    return process


def test_a_worker_killed_between_levels_does_not_stop_the_escalation(app, redis_url,
                                                                     redis_conn, signed_post,
                                                                     tmp_path):
    import signal

    config = app.extensions["hotline"].config
    capabilities = app.extensions["hotline"].capabilities
    if "urgent" not in capabilities:
        capabilities.register("urgent", urgent_capability)
    for name, phone in [("Kim", "+821011110001"), ("Lee", "+821011110003")]:
        volunteers.add(redis_conn, config, name, phone, ("ko",))
    rota.import_rota(redis_conn, config, ROTA.replace("ack_timeout_seconds: 1",
                                                      "ack_timeout_seconds: 4"),
                     "rota.yaml", 0.0, rota.resolver(redis_conn, config))

    def pages(to):
        return [e for e in read_outbox(config.data_dir) if e["kind"] == "sms" and e["to"] == to]

    first = start_worker(app, redis_url, redis_conn, tmp_path / "worker1.log")
    try:
        signed_post("/twilio/sms", {"From": CALLER, "To": "+15005550006", "MessageSid": "SMk1",
                                    "Body": "살려주세요", "NumMedia": "0"})
        wait_for(lambda: pages("+821011110001"))
    finally:
        os.killpg(first.pid, signal.SIGKILL)  # a crash: the worker and its scheduler, at once
        first.wait(10)
    assert pages("+821011110003") == []  # level 2 is due in 4 s, scheduled in Redis
    killed = time.time()
    second = start_worker(app, redis_url, redis_conn, tmp_path / "worker2.log")
    try:
        # RQ alone keeps the dead scheduler's lock for a minute, then looks again only at
        # its 10-minute maintenance: level 2 would wait that long. Here it comes within
        # seconds; 45 leaves room for a slow worker start on a busy machine, still well
        # under RQ's own minute.
        try:
            wait_for(lambda: pages("+821011110003"), seconds=45)
        except AssertionError:  # say what the workers did, and which locks were held
            logs = [(tmp_path / f"worker{i}.log").read_text(errors="replace")[-3000:]
                    for i in (1, 2)]
            locks = {k.decode(): redis_conn.get(k) for k in redis_conn.keys("rq:scheduler*")}
            raise AssertionError(f"level 2 not paged; locks {locks}\n" + "\n---\n".join(logs))
        assert time.time() - killed < 45
    finally:
        stop(second, log=tmp_path / "worker2.log")
