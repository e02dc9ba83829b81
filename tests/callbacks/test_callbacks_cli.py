"""`hotline callbacks list`: what staff see of the queue (numbers masked)."""

import json
import time

from click.testing import CliRunner

from hotline.callbacks import queue as callbacks
from hotline.callbacks.queue import Priority, Status
from hotline.cli.callbacks import callbacks as command
from hotline.config import load_config
from hotline.privacy.vault import new_key


def test_list_shows_masked_numbers_and_the_queue_state(redis_url, redis_conn, tmp_path,
                                                      monkeypatch):
    key = new_key()
    for name, value in {"HOTLINE_REDIS_URL": redis_url, "HOTLINE_DATA_DIR": str(tmp_path),
                        "HOTLINE_SECRET_KEY": "s", "HOTLINE_ENCRYPTION_KEY": key}.items():
        monkeypatch.setenv(name, value)
    config = load_config({"KEY_PREFIX": "hotline:", "SECRET_KEY": "s", "ENCRYPTION_KEY": key}, environ={})
    now = time.time()
    old = callbacks.create(redis_conn, config, "+821012345678", language="ko", topic="shelter",
                           now=now - 2 * 3600).request
    urgent = callbacks.create(redis_conn, config, "+12025550123", language="en",
                              topic="clinic", now=now - 60, priority=Priority.URGENT).request
    done = callbacks.create(redis_conn, config, "+821055556666", language="ko",
                            topic="other", now=now - 30).request
    callbacks.close(redis_conn, config, done.id, Status.DONE, now)

    runner = CliRunner()
    rows = json.loads(runner.invoke(command, ["list", "--json"]).output)
    assert [r["id"] for r in rows] == [old.id, urgent.id]  # closed ones only with --all
    first = rows[0]
    assert first["number"] == "+82 10-****-**78" and first["language"] == "ko"
    assert first["topic"] == "shelter" and first["priority"] == "normal"
    assert first["status"] == "waiting" and 7100 < first["age_seconds"] < 7300
    assert rows[1]["priority"] == "urgent" and rows[1]["number"] == "+1 202-***-**23"

    text = runner.invoke(command, ["list"]).output
    assert "+82 10-****-**78" in text and "2h00m" in text and "urgent" in text
    assert "12345678" not in text and "5550123" not in text
    everything = json.loads(runner.invoke(command, ["list", "--json", "--all"]).output)
    assert [r["status"] for r in everything] == ["waiting", "waiting", "done"]
