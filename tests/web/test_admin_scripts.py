"""/admin/ and /admin/scripts through Flask's test client: staff only, check, draft,
simulator on the draft (nothing written for callers), publish gated by lint, history, diff,
rollback."""

from __future__ import annotations

import re

import pytest

from hotline.config import load_config
from hotline.people import accounts as users
from hotline.scripts import drafts as script_drafts
from hotline.scripts import versions as script_versions

PASSWORD = "correct horse battery"
OLD = "무엇을 도와드릴까요?"
NEW = "어떻게 도와드릴까요?"


def csrf_of(response) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', response.get_data(as_text=True))
    assert found, "the page has no CSRF field"
    return found.group(1)


@pytest.fixture()
def store(app):
    return app.extensions["hotline"].redis, app.extensions["hotline"].config


@pytest.fixture()
def staff(client, store):
    conn, config = store
    users.add(conn, config, "minji", "staff", PASSWORD)
    token = csrf_of(client.get("/login"))
    client.post("/login", data={"name": "minji", "password": PASSWORD, "csrf_token": token})
    page = client.get("/admin/scripts/")
    assert page.status_code == 200
    return csrf_of(page)


@pytest.fixture()
def live_text(store):
    conn, config = store
    return script_versions.live_texts(conn, config)[1]["main.yaml"]


def post_json(client, token, path, body):
    return client.post(path, json=body, headers={"X-CSRF-Token": token})


def test_staff_only(client, store):
    conn, config = store
    assert client.get("/admin/scripts/").status_code == 302  # to the login page
    users.add(conn, config, "kim", "volunteer", PASSWORD)
    token = csrf_of(client.get("/login"))
    client.post("/login", data={"name": "kim", "password": PASSWORD, "csrf_token": token})
    assert client.get("/admin/").status_code == 403
    assert client.get("/admin/scripts/").status_code == 403
    token = csrf_of(client.get("/volunteer/"))  # a fresh token comes with the login
    assert client.post("/admin/scripts/check", json={}, headers={"X-CSRF-Token": token}
                       ).status_code == 403


def test_admin_home_links_to_every_staff_section(client, staff):
    page = client.get("/admin/").get_data(as_text=True)
    for href in ("/admin/scripts/", "/admin/directory/", "/admin/people/", "/admin/figures/"):
        assert f'href="{href}"' in page


def test_the_editor_shows_the_yaml_with_its_comments(client, staff, live_text):
    page = client.get("/admin/scripts/").get_data(as_text=True)
    assert "# The hotline&#39;s main menu. Staff edit this file" in page
    assert OLD in page


def test_check_names_the_node_of_each_problem(client, staff, live_text):
    broken = live_text.replace("goto: programmes", "goto: nowhere", 1)
    data = post_json(client, staff, "/admin/scripts/check",
                     {"file": "main.yaml", "text": broken}).get_json()
    assert data["errors"] >= 1
    # (warnings may come first: phrases written in languages not declared yet)
    first = next(p for p in data["problems"] if "nowhere" in p["message"])
    assert first["node"] == "main_menu" and first["line"] > 0
    fine = post_json(client, staff, "/admin/scripts/check",
                     {"file": "main.yaml", "text": live_text}).get_json()
    assert fine["errors"] == 0


def test_saving_a_draft_keeps_it_and_queues_its_transcript_tests(client, staff, store,
                                                                 live_text):
    conn, config = store
    draft = live_text.replace(OLD, NEW, 1)
    data = post_json(client, staff, "/admin/scripts/draft",
                     {"file": "main.yaml", "text": draft}).get_json()
    assert data["errors"] == 0
    assert client.get(data["tests_url"]).get_json()["status"] == "queued"
    assert script_drafts.load(conn, config, "minji").texts == {"main.yaml": draft}
    assert NEW in client.get("/admin/scripts/").get_data(as_text=True)  # the draft is shown
    assert script_versions.current_number(conn, config) == 0  # nothing published


def test_the_simulator_runs_the_draft_and_writes_nothing_for_callers(client, staff, store,
                                                                    live_text):
    conn, _config = store
    before = set(conn.keys("*"))
    draft = live_text.replace(OLD, NEW, 1)

    def turn(action, value="", session=None, channel="sms", language="ko", text=draft):
        response = post_json(client, staff, "/admin/scripts/simulate", {
            "file": "main.yaml", "text": text, "channel": channel, "language": language,
            "action": action, "value": value, "session": session})
        assert response.status_code == 200
        return response.get_json()

    first = turn("start", "안녕하세요")
    assert NEW in first["messages"][0]["text"] and first["messages"][0]["segments"] == 1
    callback = turn("send", "4", first["session"])
    assert callback["session"]["node"] != first["session"]["node"]
    english = turn("start", "", channel="voice", language="en")
    assert "How can we help?" in " ".join(english["spoken"]) and english["listening"]
    assert "<Gather" in english["twiml"]
    urgent = turn("send", "살려주세요", first["session"])
    assert any("page" in note for note in urgent["notes"])  # said, not done
    after = set(conn.keys("*"))
    written = {k.decode() for k in after - before}
    assert not any(":session:" in k or "callback" in k or "urgent" in k or "rq:" in k
                   for k in written), written
    broken = turn("start", "안녕", text="nodes: [1")
    assert broken["problems"] and broken["problems"][0]["message"]


def test_publish_is_refused_with_lint_errors_shown(client, staff, store, live_text):
    conn, config = store
    broken = live_text.replace("goto: programmes", "goto: nowhere", 1)
    response = client.post("/admin/scripts/publish", data={
        "csrf_token": staff, "file": "main.yaml", "text": broken, "base": "0"})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "not published" in page and "main_menu" in page and "nowhere" in page
    assert script_versions.current_number(conn, config) == 0


def test_publish_history_diff_and_rollback(client, staff, store, live_text, signed_post):
    conn, config = store
    edited = live_text.replace(OLD, NEW, 1).replace("\n", "\r\n")  # as a browser sends it
    response = client.post("/admin/scripts/publish", data={
        "csrf_token": staff, "file": "main.yaml", "text": edited, "base": "0",
        "message": "새 인사말"})
    assert response.status_code == 302
    version = script_versions.current(conn, config)
    assert version.number == 2 and version.by == "minji"
    assert version.texts["main.yaml"] == live_text.replace(OLD, NEW, 1)
    reply = signed_post("/twilio/sms", {"From": "+821012345678", "To": "+15005550006",
                                        "Body": "안녕하세요", "MessageSid": "SM1"})
    assert NEW in reply.get_data(as_text=True)

    stale = client.post("/admin/scripts/publish", data={
        "csrf_token": staff, "file": "main.yaml", "text": live_text, "base": "0"})
    assert stale.status_code == 409  # someone published since this page was opened

    history = client.get("/admin/scripts/history").get_data(as_text=True)
    assert "minji" in history and "새 인사말" in history and "ivr_scripts/" in history
    diff = client.get("/admin/scripts/history/2").get_data(as_text=True)
    assert f"-    text: {{ko: {OLD}" in diff and f"+    text: {{ko: {NEW}" in diff

    back = client.post("/admin/scripts/rollback/1", data={"csrf_token": staff})
    assert back.status_code == 302
    assert script_versions.current(conn, config).texts["main.yaml"] == live_text
    reply = signed_post("/twilio/sms", {"From": "+821055556666", "To": "+15005550006",
                                        "Body": "안녕하세요", "MessageSid": "SM2"})
    assert OLD in reply.get_data(as_text=True)
    assert client.get("/admin/scripts/history/3").status_code == 200
    assert client.get("/admin/scripts/history/99").status_code == 404


TRANSCRIPT = """\
script: main
tests:
  - name: greeting
    channel: sms
    steps:
      - send: 안녕하세요
        expect: 무엇을 도와드릴까요?
"""


def test_the_draft_tests_run_in_a_worker_and_name_what_failed(redis_conn, app_config, tmp_path,
                                                             live_text):
    from rq import SimpleWorker

    from hotline import job_context as context
    from hotline import jobs

    scripts = tmp_path / "scripts"
    scripts.mkdir()
    (scripts / "main.yaml").write_text(live_text, encoding="utf-8")
    (scripts / "main.test.yaml").write_text(TRANSCRIPT, encoding="utf-8")
    config = load_config({**app_config, "SCRIPTS_DIR": str(scripts), "KEY_PREFIX": "hotline:"})
    context.configure(config)
    try:
        good = script_drafts.request_tests(redis_conn, config, {"main.yaml": live_text})
        bad = script_drafts.request_tests(redis_conn, config,
                                          {"main.yaml": live_text.replace(OLD, NEW, 1)})
        assert script_drafts.request_tests(redis_conn, config, {"main.yaml": live_text}) == good
        SimpleWorker(list(jobs.QUEUES), connection=redis_conn).work(burst=True)
    finally:
        context.configure({})
    passed = script_drafts.results(redis_conn, config, good)
    assert (passed["status"], passed["passed"], passed["failed"]) == ("done", 1, 0)
    failed = script_drafts.results(redis_conn, config, bad)
    assert failed["failed"] == 1 and failed["results"][0]["name"] == "greeting"
    assert OLD in failed["results"][0]["failures"][0]


def test_a_draft_older_than_the_live_version_is_shown_with_a_warning(client, staff, store,
                                                                    live_text):
    conn, config = store
    mine = "\n" + live_text.replace(OLD, NEW, 1)  # a leading blank line survives the page
    post_json(client, staff, "/admin/scripts/draft", {"file": "main.yaml", "text": mine})
    theirs = live_text.replace("비밀 지키기", "비밀 지킴", 1)
    script_versions.publish(conn, config, {"main.yaml": theirs}, "junho", "", 1.0)
    page = client.get("/admin/scripts/").get_data(as_text=True)
    assert "Your draft started from version 0; version 2 was published since" in page
    assert 'autocomplete="off">\n\n# The hotline' in page and NEW in page
