"""`hotline worker --queues`: a worker for some queues only (e.g. one just for urgent)."""

from __future__ import annotations

from click.testing import CliRunner
from rq import Queue

from hotline.cli import main
from hotline.privacy.vault import new_key


def test_a_worker_for_urgent_leaves_the_other_queues_alone(redis_conn, redis_url, tmp_path):
    urgent = Queue("urgent", connection=redis_conn).enqueue("builtins.len", "ab")
    other = Queue("default", connection=redis_conn).enqueue("builtins.len", "abc")
    env = {"HOTLINE_REDIS_URL": redis_url, "HOTLINE_DATA_DIR": str(tmp_path),
           "HOTLINE_SECRET_KEY": "worker-queues-secret", "HOTLINE_ENCRYPTION_KEY": new_key()}
    result = CliRunner().invoke(main, ["worker", "--queues", "urgent", "--burst"], env=env)
    assert result.exit_code == 0, result.output
    urgent.refresh()
    other.refresh()
    assert urgent.get_status() == "finished" and urgent.return_value() == 2
    assert other.get_status() == "queued"


def test_an_unknown_queue_is_refused_with_the_names_that_exist():
    result = CliRunner().invoke(main, ["worker", "--queues", "urgnet"])
    assert result.exit_code == 2
    assert "urgent, callbacks, default" in result.output
