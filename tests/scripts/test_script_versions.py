"""Script versions in Redis: publish, history, rollback, and web nodes that follow them."""

from __future__ import annotations

import socket
import xml.etree.ElementTree as ET

import pytest

from hotline import create_app
from hotline.config import load_config
from hotline.engine.session import Session
from hotline.redisdb import connect
from hotline.scripts import versions as script_versions
from tests.conftest import SCRIPTS_DIR

OLD = "무엇을 도와드릴까요?"
NEW = "어떻게 도와드릴까요?"
NOW = 1_800_000_000.0


@pytest.fixture()
def config(app_config):
    return load_config({**app_config, "KEY_PREFIX": "hotline:"})


@pytest.fixture()
def files():
    return script_versions.read_directory(SCRIPTS_DIR)


def edited(files, old=OLD, new=NEW):
    texts = dict(files)
    assert old in texts["main.yaml"]
    texts["main.yaml"] = texts["main.yaml"].replace(old, new, 1)
    return texts


def test_first_publish_keeps_the_files_as_version_1_then_the_new_texts(redis_conn, config,
                                                                       files):
    assert script_versions.current_number(redis_conn, config) == 0
    assert script_versions.history(redis_conn, config) == []
    texts = edited(files)
    texts["main.yaml"] = "# 직원 메모: 인사말을 바꿈\n" + texts["main.yaml"]
    version, made = script_versions.publish(redis_conn, config, texts, "민지", "새 인사말",
                                            NOW)
    assert made and version.number == 2
    assert script_versions.current_number(redis_conn, config) == 2
    newest, start = script_versions.history(redis_conn, config)
    assert (newest.number, newest.by, newest.message, newest.at) == (2, "민지", "새 인사말", NOW)
    assert newest.texts == texts  # stored as written: the comment is still there
    assert newest.changed == ("main.yaml",)
    assert start.number == 1 and start.texts == files and start.by == "ivr_scripts/"


def test_publishing_the_same_texts_again_makes_no_version(redis_conn, config, files):
    script_versions.publish(redis_conn, config, edited(files), "민지", "", NOW)
    version, made = script_versions.publish(redis_conn, config, edited(files), "민지", "", NOW)
    assert not made and version.number == 2
    assert len(script_versions.history(redis_conn, config)) == 2


def test_a_script_with_lint_errors_is_not_published(redis_conn, config, files):
    broken = edited(files, "goto: programmes", "goto: nowhere")
    with pytest.raises(script_versions.LintFailed) as failed:
        script_versions.publish(redis_conn, config, broken, "민지", "", NOW)
    assert any(p.node == "main_menu" and "nowhere" in p.message for p in failed.value.problems)
    assert script_versions.current_number(redis_conn, config) == 0
    with pytest.raises(script_versions.LintFailed):
        script_versions.publish(redis_conn, config, {"main.yaml": "nodes: [1"}, "민지", "", NOW)


def test_warnings_do_not_stop_a_publish(redis_conn, config, files):
    texts = edited(files, OLD, "센터 " + OLD)  # a loanword: a warning only
    version, made = script_versions.publish(redis_conn, config, texts, "민지", "", NOW)
    assert made and version.texts == texts


def test_rollback_makes_an_earlier_version_current_as_a_new_one(redis_conn, config, files):
    script_versions.publish(redis_conn, config, edited(files), "민지", "", NOW)
    back = script_versions.rollback(redis_conn, config, 1, "준호", "", NOW + 60)
    assert back.number == 3 and back.rollback_of == 1 and back.texts == files
    assert back.by == "준호" and back.message == "rollback to version 1"
    assert script_versions.current_number(redis_conn, config) == 3
    with pytest.raises(script_versions.VersionError, match="no version 9"):
        script_versions.rollback(redis_conn, config, 9, "준호", "", NOW)
    with pytest.raises(script_versions.VersionError, match="current version already"):
        script_versions.rollback(redis_conn, config, 3, "준호", "", NOW)


def test_diff_shows_the_changed_lines():
    text = script_versions.diff({"main.yaml": "a\nb\n"}, {"main.yaml": "a\nc\n"}, "v1", "v2")
    assert "--- main.yaml (v1)" in text and "+++ main.yaml (v2)" in text
    assert "-b\n" in text and "+c\n" in text


# --- web nodes follow the current version ---------------------------------------------------

def sms_reply(app, body="안녕하세요", caller="+821012345678", sid="SM1"):
    from twilio.request_validator import RequestValidator

    params = {"From": caller, "To": "+15005550006", "Body": body, "MessageSid": sid}
    url = app.config["PUBLIC_URL"] + "/twilio/sms"
    signature = RequestValidator(app.config["TWILIO_AUTH_TOKEN"]).compute_signature(url, params)
    response = app.test_client().post("/twilio/sms", data=params,
                                      headers={"X-Twilio-Signature": signature})
    assert response.status_code == 200
    return " ".join(m.text or "" for m in ET.fromstring(response.data).iter("Message"))


def test_every_node_answers_with_a_new_version_within_a_second(redis_conn, app_config, clock,
                                                               files):
    nodes = [create_app(app_config), create_app(app_config)]
    assert all(OLD in sms_reply(node, sid=f"SMa{i}") for i, node in enumerate(nodes))
    script_versions.publish(redis_conn, load_config(app_config), edited(files), "민지", "", clock())
    clock.advance(1.0)  # the next check is due at most one second after the last
    replies = [sms_reply(node, caller=f"+8210555500{i}1", sid=f"SMb{i}")
               for i, node in enumerate(nodes)]
    assert all(NEW in reply and OLD not in reply for reply in replies)
    restarted = create_app(app_config)  # a node started later answers with it at once
    assert NEW in sms_reply(restarted, caller="+821055550099", sid="SMc")


def test_a_node_checks_redis_at_most_once_per_interval(redis_conn, app_config, clock, files):
    node = create_app(app_config)
    sms_reply(node, sid="SM1")
    script_versions.publish(redis_conn, load_config(app_config), edited(files), "민지", "", clock())
    clock.advance(0.5)
    assert OLD in sms_reply(node, caller="+821055550001", sid="SM2")
    clock.advance(0.5)
    assert NEW in sms_reply(node, caller="+821055550002", sid="SM3")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_redis_down_keeps_the_last_good_scripts(redis_conn, app_config, clock, files):
    node = create_app(app_config)
    script_versions.publish(redis_conn, load_config(app_config), edited(files), "민지", "", clock())
    live = node.extensions["live_scripts"]
    live.refresh()
    assert live.version == 2
    runtime = node.extensions["hotline"]
    # Redis gone, as the webhooks' own connection sees it (fast: 0.3 s, no retry)
    runtime._redis = connect(load_config({"REDIS_URL": f"redis://127.0.0.1:{free_port()}/0"}, environ={}), fast=True)
    clock.advance(5)
    live.refresh()  # no exception, nothing swapped
    assert live.version == 2 and NEW in runtime.scripts.entry().source
    reply = sms_reply(node, sid="SMdown")  # the webhook still answers: the fallback
    assert "119" in reply


def test_a_stored_version_that_does_not_load_is_ignored(redis_conn, app_config, clock, files):
    node = create_app(app_config)
    script_versions.publish(redis_conn, load_config(app_config), edited(files), "민지", "", clock())
    assert NEW in sms_reply(node, sid="SMgood")
    # Written past the linter (as an older engine might have accepted it):
    script_versions._store(redis_conn, load_config(app_config), {"main.yaml": "nodes: [1"}, "x", clock(),
                           "", None, [])
    clock.advance(1)
    assert NEW in sms_reply(node, caller="+821055550003", sid="SMbad")
    assert node.extensions["live_scripts"].version == 2  # version 3 was never swapped in


def test_a_caller_waiting_at_a_removed_node_starts_again_safely(redis_conn, app_config, clock,
                                                               files):
    node = create_app(app_config)
    runtime = node.extensions["hotline"]
    caller = "+821012345678"
    session = Session(script="main", node="gone_node", language="ko", channel="sms",
                      wait="menu", updated=clock())
    runtime.sessions.save(runtime.caller_hash(caller), session)
    reply = sms_reply(node, body="1", caller=caller, sid="SMgone")
    assert OLD in reply  # the main menu again, not the emergency fallback
    voice = Session(script="main", node="gone_node", language="ko", channel="voice",
                    wait="menu", updated=clock())
    runtime.sessions.save(runtime.caller_hash(caller), voice)
    from twilio.request_validator import RequestValidator

    params = {"From": caller, "To": "+15005550006", "CallSid": "CA1", "Digits": "1"}
    url = node.config["PUBLIC_URL"] + "/twilio/voice/gather"
    signature = RequestValidator(node.config["TWILIO_AUTH_TOKEN"]).compute_signature(url, params)
    response = node.test_client().post("/twilio/voice/gather", data=params,
                                       headers={"X-Twilio-Signature": signature})
    assert response.status_code == 200
    spoken = " ".join(s.text or "" for s in ET.fromstring(response.data).iter("Say"))
    assert OLD in spoken



def test_a_version_is_compiled_once_per_node_not_per_request(redis_conn, app_config, clock,
                                                             files, monkeypatch):
    from hotline.scripts import live as live_scripts

    compiled = []
    real = script_versions.compile_texts
    monkeypatch.setattr(live_scripts.script_versions, "compile_texts",
                        lambda texts: compiled.append(1) or real(texts))
    node = create_app(app_config)
    script_versions.publish(redis_conn, load_config(app_config), edited(files), "민지", "", clock())
    for i in range(5):
        assert NEW in sms_reply(node, caller=f"+82105555100{i}", sid=f"SMo{i}")
        clock.advance(2)
    assert len(compiled) == 1
