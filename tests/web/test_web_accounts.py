"""Account gaps closed for the staff pages: the per-address login limit behind a proxy,
and `hotline users` without Redis.

Through Flask's test client on the real app and the run's Redis database.
"""

import re

import pytest
from click.testing import CliRunner

from hotline import create_app
from hotline.cli.users import users as users_command
from hotline.people import accounts as users
from hotline.people import login_limits

PASSWORD = "correct horse battery"


def log_in(client, name, password=PASSWORD, forwarded=None):
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    headers = {"X-Forwarded-For": forwarded} if forwarded else {}
    return client.post("/login", data={"name": name, "password": password,
                                       "csrf_token": token}, headers=headers)


def lock_out(client, forwarded):
    for n in range(login_limits.PER_ADDRESS):
        log_in(client, f"guess{n}", "wrong password", forwarded)


@pytest.fixture()
def kim(app):
    runtime = app.extensions["hotline"]
    return users.add(runtime.redis, app.extensions["hotline"].config, "kim", "volunteer", PASSWORD)


@pytest.mark.slow
def test_behind_one_trusted_proxy_each_client_address_has_its_own_limit(app_config,
                                                                       redis_conn):
    app = create_app({**app_config, "PROXY_HOPS": 1})
    users.add(app.extensions["hotline"].redis, app.extensions["hotline"].config, "kim", "volunteer", PASSWORD)
    client = app.test_client()
    lock_out(client, "203.0.113.7")
    assert log_in(client, "kim", forwarded="203.0.113.7").status_code == 429
    assert log_in(client, "kim", forwarded="198.51.100.2").status_code == 302


def test_without_a_proxy_a_forged_forwarded_header_does_not_escape_the_limit(client, kim):
    lock_out(client, "203.0.113.7")
    assert log_in(client, "kim", forwarded="198.51.100.2").status_code == 429


def test_users_commands_without_redis_say_so_without_a_traceback(monkeypatch):
    monkeypatch.setenv("HOTLINE_REDIS_URL", "redis://127.0.0.1:1/0")
    monkeypatch.setenv("HOTLINE_SECRET_KEY", "x")
    runner = CliRunner()
    for args in (["add", "zed", "--password-stdin"], ["list"], ["remove", "zed"]):
        result = runner.invoke(users_command, args, input=PASSWORD + "\n")
        assert result.exit_code == 1 and "Redis is not reachable" in result.output
        assert result.exception is None or isinstance(result.exception, SystemExit)
