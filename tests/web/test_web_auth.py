"""Web accounts and login: scrypt hashes, cookie flags, CSRF, rate limits, roles, logout.

Through Flask's test client on the real app and the run's Redis database.
"""

import re

import pytest
from click.testing import CliRunner

from hotline.cli.users import users as users_command
from hotline.people import accounts as users
from hotline.people import login_limits, volunteers

PASSWORD = "correct horse battery"


@pytest.fixture()
def store(app):
    runtime = app.extensions["hotline"]
    return runtime.redis, app.extensions["hotline"].config


@pytest.fixture()
def kim(store):
    conn, config = store
    volunteers.add(conn, config, "Kim", "+821011112222", ("ko",))
    return users.add(conn, config, "kim", "volunteer", PASSWORD)


def csrf_of(response) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', response.get_data(as_text=True))
    assert found, "the page has no CSRF field"
    return found.group(1)


def log_in(client, name="kim", password=PASSWORD, **environ):
    token = csrf_of(client.get("/login"))
    return client.post("/login", data={"name": name, "password": password, "csrf_token": token},
                       environ_base=environ)


def test_an_account_keeps_a_scrypt_hash_and_links_to_the_volunteer_of_its_name(store, kim):
    conn, config = store
    stored = conn.hget("hotline:user:acct:kim", "hash").decode()
    assert stored.startswith("scrypt:") and PASSWORD not in stored
    assert kim.volunteer == volunteers.find(conn, config, "Kim").id
    assert users.check_password(conn, config, "KIM", PASSWORD) == kim
    assert users.check_password(conn, config, "kim", "wrong password") is None
    assert users.check_password(conn, config, "nobody", PASSWORD) is None


def test_bad_accounts_are_refused_with_a_reason(store, kim):
    conn, config = store
    with pytest.raises(users.UserError, match="already exists"):
        users.add(conn, config, "Kim", "staff", PASSWORD)
    with pytest.raises(users.UserError, match="at least 8"):
        users.add(conn, config, "lee", "volunteer", "short")
    with pytest.raises(users.UserError, match="no volunteer"):
        users.add(conn, config, "lee", "volunteer", PASSWORD, volunteer="+821099990000")


def test_users_command_adds_lists_and_removes(redis_url, store, monkeypatch):
    conn, config = store
    monkeypatch.setenv("HOTLINE_REDIS_URL", redis_url)
    monkeypatch.setenv("HOTLINE_SECRET_KEY", config.secret_key)
    volunteers.add(conn, config, "Park Mina", "+821033334444", ("ko", "en"))
    runner = CliRunner()
    added = runner.invoke(users_command, ["add", "mina", "--volunteer", "+821033334444",
                                          "--password-stdin"], input=PASSWORD + "\n")
    assert added.exit_code == 0, added.output
    assert "added mina (volunteer, volunteer v1)" in added.output
    staff = runner.invoke(users_command, ["add", "boss", "--role", "staff"],
                          input=f"{PASSWORD}\n{PASSWORD}\n")
    assert staff.exit_code == 0, staff.output
    listed = runner.invoke(users_command, ["list", "--json"])
    assert '"name": "boss"' in listed.output and '"role": "staff"' in listed.output
    assert users.check_password(conn, config, "boss", PASSWORD) is not None
    short = runner.invoke(users_command, ["add", "x", "--password-stdin"], input="abc\n")
    assert short.exit_code != 0 and "at least 8" in short.output
    removed = runner.invoke(users_command, ["remove", "mina"])
    assert removed.exit_code == 0 and users.get(conn, config, "mina") is None
    missing = runner.invoke(users_command, ["remove", "mina"])
    assert missing.exit_code != 0 and "Traceback" not in missing.output


def test_login_sets_a_httponly_samesite_cookie_secure_under_https(client, kim):
    response = log_in(client)
    assert response.status_code == 302 and response.headers["Location"] == "/volunteer/"
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Secure" in cookie  # the test app's PUBLIC_URL is https
    assert client.get("/volunteer/").status_code == 200


def test_pages_need_a_login(client):
    response = client.get("/volunteer/urgent")
    assert response.status_code == 302
    assert response.headers["Location"] == "/login?next=/volunteer/urgent"


def test_login_returns_to_the_page_asked_for_but_never_off_site(client, kim):
    token = csrf_of(client.get("/login"))
    back = client.post("/login", data={"name": "kim", "password": PASSWORD,
                                       "csrf_token": token, "next": "/volunteer/urgent"})
    assert back.headers["Location"] == "/volunteer/urgent"
    client.post("/logout", data={"csrf_token": csrf_of(client.get("/volunteer/"))})
    token = csrf_of(client.get("/login"))
    away = client.post("/login", data={"name": "kim", "password": PASSWORD,
                                       "csrf_token": token, "next": "//evil.example/x"})
    assert away.headers["Location"] == "/volunteer/"


def test_a_post_without_the_csrf_token_is_refused_and_changes_nothing(client, kim, store):
    conn, config = store
    log_in(client)
    refused = client.post("/volunteer/availability", data={"available": "0"})
    assert refused.status_code == 400
    assert volunteers.get(conn, config, kim.volunteer).available is True
    forged = client.post("/volunteer/availability",
                         data={"available": "0", "csrf_token": "forged"})
    assert forged.status_code == 400
    token = csrf_of(client.get("/volunteer/"))
    done = client.post("/volunteer/availability", data={"available": "0", "csrf_token": token})
    assert done.status_code == 302
    assert volunteers.get(conn, config, kim.volunteer).available is False


def test_login_itself_needs_the_csrf_token(client, kim):
    client.get("/login")
    response = client.post("/login", data={"name": "kim", "password": PASSWORD})
    assert response.status_code == 400
    assert client.get("/volunteer/").status_code == 302


def test_twilio_webhooks_need_no_csrf_token(signed_post):
    response = signed_post("/twilio/sms", {"From": "+821012345678", "To": "+15005550006",
                                           "Body": "안녕하세요", "MessageSid": "SMcsrf1"})
    assert response.status_code == 200


def test_five_wrong_passwords_lock_the_account_even_for_the_right_one(client, kim):
    for _ in range(login_limits.PER_ACCOUNT):
        assert log_in(client, password="wrong password").status_code == 401
    locked = log_in(client)
    assert locked.status_code == 429
    assert "Too many failed attempts" in locked.get_data(as_text=True)
    assert client.get("/volunteer/").status_code == 302  # not logged in


def test_an_address_trying_many_accounts_is_locked_out(client, store, kim):
    for n in range(login_limits.PER_ADDRESS):
        log_in(client, name=f"guess{n}", password="wrong password",
               REMOTE_ADDR="203.0.113.7")
    assert log_in(client, REMOTE_ADDR="203.0.113.7").status_code == 429
    assert log_in(client, REMOTE_ADDR="198.51.100.2").status_code == 302  # others still can
    conn, _ = store
    assert not any(b"203.0.113.7" in key for key in conn.keys("*"))  # only an HMAC is kept


def test_a_right_password_clears_the_account_s_failures(client, kim):
    for _ in range(login_limits.PER_ACCOUNT - 1):
        log_in(client, password="wrong password")
    assert log_in(client).status_code == 302
    client.post("/logout", data={"csrf_token": csrf_of(client.get("/volunteer/"))})
    for _ in range(login_limits.PER_ACCOUNT - 1):
        log_in(client, password="wrong password")
    assert log_in(client).status_code == 302


def test_logout_ends_the_session(client, kim):
    log_in(client)
    token = csrf_of(client.get("/volunteer/"))
    assert client.get("/logout").status_code == 405  # a link cannot log anyone out
    response = client.post("/logout", data={"csrf_token": token})
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    assert client.get("/volunteer/").status_code == 302


def test_a_removed_account_is_logged_out_at_its_next_request(client, kim, store):
    conn, config = store
    log_in(client)
    users.remove(conn, config, "kim")
    assert client.get("/volunteer/").status_code == 302


def test_a_volunteer_gets_403_on_staff_pages_and_staff_get_in(app, client, kim, store,
                                                              second_steps, client_login):
    from hotline.web.auth import login_required

    @app.get("/admin/probe")
    @login_required(role="staff")
    def probe():
        return "staff only"

    log_in(client)
    assert client.get("/admin/probe").status_code == 403
    conn, config = store
    users.add(conn, config, "boss", "staff", PASSWORD)
    second_steps.enrol("boss")
    client.post("/logout", data={"csrf_token": csrf_of(client.get("/volunteer/"))})
    client_login("boss", PASSWORD)
    assert client.get("/admin/probe").get_data(as_text=True) == "staff only"
    assert client.get("/volunteer/").status_code == 200  # staff may open volunteer pages


def test_outside_the_tests_passwords_are_hashed_at_full_scrypt_strength():
    """The suite lowers scrypt's cost (tests/conftest.py); the hotline itself never does."""
    import subprocess
    import sys

    program = ("from hotline.people import accounts as a; "
               "print(a.HASH_METHOD, a.hash_password('x' * 8).split('$')[0])")
    shown = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True,
                           check=True).stdout.split()
    assert shown == ["scrypt", "scrypt:32768:8:1"]
