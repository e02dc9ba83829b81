"""The access log: each action a volunteer or staff member takes writes one entry (who,
what, about which case or request), never a caller's number; entries last the retention
period and no longer."""

from __future__ import annotations

import json
import re
from datetime import datetime

import pytest
from click.testing import CliRunner
from rq import SimpleWorker

from hotline import domains
from hotline import job_context as context
from hotline import keys as hotline_keys
from hotline.callbacks import queue as callbacks
from hotline.callbacks.outcomes import Outcome, record
from hotline.config import load_config
from hotline.conversation import volunteer_commands
from hotline.conversation.capabilities import CapabilityContext
from hotline.jobs import QUEUES
from hotline.people import access_log, rota, second_factor, volunteers
from hotline.people import accounts as users
from hotline.privacy.vault import new_key
from hotline.telephony import OutboxTransport
from hotline.urgent import cases as urgent
from tests.capabilities import urgent_capability

CALLER = "+821099998888"
KIM, SAM = "+821011110001", "+821011110002"
NOW = datetime.fromisoformat("2026-11-25T10:00:00+09:00").timestamp()
PASSWORD = "correct horse battery"
ROTA = """\
timezone: Asia/Seoul
ack_timeout_seconds: 60
levels:
  - name: primary
    shifts:
      - {volunteer: Kim, days: [mon, tue, wed, thu, fri, sat, sun], from: "00:00", to: "24:00"}
      - {volunteer: Sam, days: [mon, tue, wed, thu, fri, sat, sun], from: "00:00", to: "24:00"}
"""


@pytest.fixture()
def team(redis_conn, tmp_path):
    config = load_config({"KEY_PREFIX": "hotline:", "SECRET_KEY": "s3cret",
                          "ENCRYPTION_KEY": new_key(), "DATA_DIR": str(tmp_path),
                          "PUBLIC_URL": "https://hotline.example"}, environ={})
    config = config.replace(clock=lambda: NOW)
    context.configure(config, OutboxTransport(str(tmp_path)), clock=config.clock)
    people = {"Kim": volunteers.add(redis_conn, config, "Kim", KIM, ("ko",)),
              "Sam": volunteers.add(redis_conn, config, "Sam", SAM, ("ko",))}
    rota.import_rota(redis_conn, config, ROTA, "rota.yaml", 0.0,
                     rota.resolver(redis_conn, config))
    yield redis_conn, config, people
    context.configure({})


def open_case(conn, config):
    ctx = CapabilityContext(conn, config, CALLER, urgent.caller_hash(config, CALLER), "sms",
                            "ko", message_sid="SM1")
    return urgent_capability(ctx, {"language": "ko", "first_words": "살려주세요",
                                   "reason": "words"})["code"]


def logged(conn, config):
    return [(e.who, e.action, e.target, e.via) for e in access_log.entries(conn, config)]


def no_caller_number_in_the_log(conn, config):
    raw = b" ".join(conn.zrange(hotline_keys.of(config).access_log, 0, -1)).decode()
    digits = re.sub(r"\D", "", CALLER)
    assert digits[-8:] not in re.sub(r"\D", "", raw), raw


def test_pass_and_ack_by_sms_are_logged_with_the_case_code(team):
    conn, config, people = team
    code = open_case(conn, config)
    SimpleWorker(list(QUEUES), connection=conn).work(burst=True)  # Kim and Sam are paged
    volunteer_commands.run(conn, config, people["Sam"], f"PASS {code}", NOW + 5)
    volunteer_commands.run(conn, config, people["Kim"], f"확인 {code}", NOW + 9)
    assert logged(conn, config) == [("Kim", "case_taken", code, "sms"),
                                    ("Sam", "case_passed", code, "sms")]
    no_caller_number_in_the_log(conn, config)


def test_next_and_done_by_sms_and_a_web_outcome_are_logged_with_the_request_id(team):
    conn, config, people = team
    first = callbacks.create(conn, config, CALLER, language="ko", topic="clinic",
                             now=NOW).request
    second = callbacks.create(conn, config, "+821077776666", language="ko", topic="clinic",
                              now=NOW + 1).request
    third = callbacks.create(conn, config, "+821077775555", language="ko", topic="clinic",
                             now=NOW + 2).request
    volunteer_commands.run(conn, config, people["Kim"], "NEXT", NOW + 10)
    volunteer_commands.run(conn, config, people["Kim"], f"DONE {first.id} talked", NOW + 20)
    volunteer_commands.next_request(conn, config, people["Sam"], NOW + 30, via="web")
    record(conn, config, people["Sam"], second.id, Outcome.NO_ANSWER, NOW + 40)
    volunteer_commands.next_request(conn, config, people["Kim"], NOW + 50, via="web")
    record(conn, config, people["Kim"], third.id, Outcome.DONE, NOW + 60)
    assert logged(conn, config) == [
        ("Kim", "callback_closed", f"{third.id} done", "web"),
        ("Kim", "callback_taken", third.id, "web"),
        ("Sam", "callback_outcome", f"{second.id} no_answer", "web"),
        ("Sam", "callback_taken", second.id, "web"),
        ("Kim", "callback_closed", f"{first.id} done", "sms"),
        ("Kim", "callback_taken", first.id, "sms")]
    no_caller_number_in_the_log(conn, config)


def test_entries_last_the_retention_period_and_no_longer(team):
    conn, config, _ = team
    day = 86400.0
    access_log.record(conn, config, "boss", "rota_changed", "imported rota.yaml", NOW - 8 * day)
    access_log.record(conn, config, "boss", "rota_changed", "imported rota.yaml", NOW - 6 * day)
    assert len(access_log.entries(conn, config)) == 2
    done = domains.purge(conn, config, NOW)  # the retention purge (7 days)
    assert done["access_log_dropped"] == 1
    assert [e.at for e in access_log.entries(conn, config)] == [NOW - 6 * day]
    # a write drops what is past the period too, and the log expires as a whole after it
    access_log.record(conn, config, "boss", "rota_changed", "x", NOW + 2 * day)
    assert [e.at for e in access_log.entries(conn, config)] == [NOW + 2 * day]
    assert 0 < conn.ttl(hotline_keys.of(config).access_log) <= 7 * day
    with pytest.raises(ValueError):
        access_log.record(conn, config, "boss", "made_tea", "", NOW)


def test_the_log_filters_by_person_newest_first(team):
    conn, config, _ = team
    for n, who in enumerate(["kim", "Boss", "kim", "sam"]):
        access_log.record(conn, config, who, "case_taken", f"C{n}", NOW + n)
    assert [e.target for e in access_log.entries(conn, config, person="KIM")] == ["C2", "C0"]
    assert access_log.people(conn, config) == ["Boss", "kim", "sam"]


def test_cli_account_changes_and_case_closes_are_logged_as_cli(team, redis_url, tmp_path):
    conn, config, _ = team
    env = {"HOTLINE_REDIS_URL": redis_url, "HOTLINE_SECRET_KEY": "s3cret",
           "HOTLINE_ENCRYPTION_KEY": config.encryption_key}
    from hotline.cli import main

    cli = CliRunner(env=env)
    added = cli.invoke(main, ["users", "add", "kim", "--password-stdin"],
                       input=PASSWORD + "\n")
    assert added.exit_code == 0, added.output
    second_factor.enrol_directly(conn, config, users.get(conn, config, "kim"), NOW)
    reset = cli.invoke(main, ["users", "reset-2fa", "kim"])
    assert reset.exit_code == 0 and "second step removed" in reset.output, reset.output
    assert not users.get(conn, config, "kim").two_factor
    missing = cli.invoke(main, ["users", "reset-2fa", "nobody"])
    assert missing.exit_code != 0 and "no account" in missing.output
    code = open_case(conn, config)
    closed = cli.invoke(main, ["cases", "close", code])
    assert closed.exit_code == 0, closed.output
    added = cli.invoke(main, ["volunteers", "add", "--name", "Lee", "--phone", "+821055550000",
                              "--languages", "ko"])
    assert added.exit_code == 0, added.output
    lee = volunteers.find(conn, config, "Lee")
    (tmp_path / "week.yaml").write_text(ROTA, encoding="utf-8")
    imported = cli.invoke(main, ["oncall", "import", str(tmp_path / "week.yaml")])
    assert imported.exit_code == 0, imported.output
    assert [(who, action, target, via) for who, action, target, via
            in logged(conn, config)] == [("cli", "rota_changed", "imported week.yaml", "cli"),
                                         ("cli", "volunteer_changed", f"added {lee.id}", "cli"),
                                         ("cli", "case_closed", code, "cli"),
                                         ("cli", "second_factor_reset", "kim", "cli"),
                                         ("cli", "account_changed", "kim", "cli")]
    entry = json.loads(conn.zrange(hotline_keys.of(config).access_log, 0, 0)[0])
    assert set(entry) == {"at", "who", "action", "target", "via", "n"}
