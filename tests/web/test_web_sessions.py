"""Logins that can be ended, redirects that stay on this site, pages no cache keeps.

A cookie copied before logout, or kept in another browser after the account was removed,
its role or its password changed, opens nothing; `next` after login only ever leads to a
path of this site; logged-in pages and JSON answers carry `Cache-Control: no-store`.
Through Flask's test client on the real app and the run's Redis database.
"""

from __future__ import annotations

import re
from urllib.parse import urljoin, urlsplit

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hotline.cli.users import users as users_command
from hotline.people import accounts as users
from hotline.people import volunteers

PASSWORD = "correct horse battery"
SITE = "https://hotline.example.org"  # the test app's PUBLIC_URL
COOKIE = "hotline_session"


@pytest.fixture()
def store(app):
    runtime = app.extensions["hotline"]
    return runtime.redis, app.extensions["hotline"].config


@pytest.fixture()
def kim(store):
    conn, config = store
    volunteers.add(conn, config, "Kim", "+821011112222", ("ko",))
    return users.add(conn, config, "kim", "volunteer", PASSWORD)


@pytest.fixture()
def boss(store, second_steps):
    """A staff account with its second factor; the value gives its codes (log_in steps=)."""
    conn, config = store
    users.add(conn, config, "boss", "staff", PASSWORD)
    second_steps.enrol("boss")
    return second_steps


def csrf_of(response) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', response.get_data(as_text=True))
    assert found, "the page has no CSRF field"
    return found.group(1)


def log_in(client, name="kim", password=PASSWORD, next_url=None, steps=None):
    """Log in through the form as a browser does: the form carries what /login?next= gave;
    with `steps` (second_steps), the second step's code follows."""
    query = {"next": next_url} if next_url is not None else None
    page = client.get("/login", query_string=query)
    form = {"name": name, "password": password, "csrf_token": csrf_of(page)}
    hidden = re.search(r'name="next" value="([^"]*)"', page.get_data(as_text=True))
    if hidden and hidden.group(1):
        form["next"] = hidden.group(1)
    response = client.post("/login", data=form)
    if steps is not None and response.headers.get("Location") == "/login/code":
        token = csrf_of(client.get("/login/code"))
        response = client.post("/login/code", data={"code": steps.code(name),
                                                    "csrf_token": token})
    return response


def saved_cookie(client) -> str:
    cookie = client.get_cookie(COOKIE)
    assert cookie is not None, "not logged in"
    return cookie.value


def browser_with(app, cookie: str):
    """Another browser that holds a copy of the cookie."""
    other = app.test_client()
    other.set_cookie(COOKIE, cookie)
    return other


def log_out(client):
    return client.post("/logout", data={"csrf_token": csrf_of(client.get("/volunteer/"))})


def assert_local(location: str) -> None:
    """A Location that any browser resolves to a page of this site."""
    assert location.startswith("/") and not location.startswith(("//", "/\\")), location
    assert "\\" not in location and all(32 < ord(c) < 127 for c in location), location
    assert urlsplit(urljoin(SITE + "/login", location)).netloc == urlsplit(SITE).netloc


# --- Sessions that end -------------------------------------------------------------------

def test_a_cookie_saved_before_logout_no_longer_opens_anything(app, client, kim, boss):
    log_in(client, "boss", steps=boss)
    copied = saved_cookie(client)
    assert browser_with(app, copied).get("/admin/people/").status_code == 200
    assert log_out(client).status_code == 302
    replayed = browser_with(app, copied).get("/admin/people/")
    assert replayed.status_code == 302
    assert replayed.headers["Location"] == "/login?next=/admin/people/"


def test_a_late_answer_to_a_request_sent_before_the_second_step_keeps_the_login(app, client,
                                                                                 boss):
    """A browser fetches the code page's icon and style with the half-login cookie; when
    those answers come back after the code was accepted, they must not put the old cookie
    back (that logged staff out on their next click)."""
    client.post("/login", data={"name": "boss", "password": PASSWORD,
                                "csrf_token": csrf_of(client.get("/login"))})
    half = saved_cookie(client)
    token = csrf_of(client.get("/login/code"))
    client.post("/login/code", data={"code": boss.code("boss"), "csrf_token": token})
    full = saved_cookie(client)
    assert full != half
    stale = browser_with(app, half)  # the requests sent before the code, answered late
    for path in ("/assets/favicon.svg", "/assets/style.css", "/admin/", "/volunteer/"):
        late = stale.get(path).headers.get("Set-Cookie")
        if late:  # the browser would take it over the one the login gave
            client.set_cookie(COOKIE, late.split(";")[0].split("=", 1)[1])
    assert saved_cookie(client) == full
    assert client.get("/admin/people/").status_code == 200


def test_logging_out_in_one_browser_leaves_the_other_logged_in(app, kim):
    phone, desk = app.test_client(), app.test_client()
    log_in(phone)
    log_in(desk)
    log_out(desk)
    assert phone.get("/volunteer/").status_code == 200
    assert desk.get("/volunteer/").status_code == 302


def test_removing_an_account_ends_its_sessions_in_every_browser(app, client, kim, store):
    conn, config = store
    log_in(client)
    other = browser_with(app, saved_cookie(client))
    users.remove(conn, config, "kim")
    assert other.get("/volunteer/").status_code == 302
    users.add(conn, config, "kim", "volunteer", PASSWORD)  # the same name again
    assert other.get("/volunteer/").status_code == 302  # is not the old session


def test_a_changed_role_ends_the_account_s_sessions(app, client, boss, store):
    conn, config = store
    log_in(client, "boss", steps=boss)
    other = browser_with(app, saved_cookie(client))
    assert other.get("/admin/people/").status_code == 200
    users.set_role(conn, config, "boss", "volunteer")
    assert other.get("/admin/people/").status_code == 302
    assert client.get("/volunteer/").status_code == 302
    log_in(client, "boss", steps=boss)
    assert client.get("/admin/people/").status_code == 403  # the new role, after a new login


def test_a_changed_password_ends_the_account_s_sessions(app, client, kim, store):
    conn, config = store
    log_in(client)
    other = browser_with(app, saved_cookie(client))
    users.set_password(conn, config, "kim", "a brand new password")
    assert other.get("/volunteer/").status_code == 302
    assert client.get("/volunteer/").status_code == 302
    assert log_in(client, password=PASSWORD).status_code == 401
    assert log_in(client, password="a brand new password").status_code == 302


def test_a_session_record_lives_in_redis_under_the_prefix_with_a_ttl_and_no_token(
        client, kim, store):
    conn, _ = store
    before = set(conn.keys("*"))
    log_in(client)
    new = [k.decode() for k in set(conn.keys("*")) - before]
    records = [k for k in new if k.startswith("hotline:user:sess:")]
    assert len(records) == 1, new
    assert 0 < conn.ttl(records[0]) <= 12 * 3600
    cookie = saved_cookie(client)
    assert not any(part and part in records[0] for part in re.split(r"[.\W]", cookie)
                   if len(part) > 20)  # the key is a hash, not the browser's token
    log_out(client)
    assert not conn.exists(records[0])


def test_the_users_command_changes_role_and_password_and_logs_out_everywhere(
        app, client, kim, store, redis_url, monkeypatch):
    conn, config = store
    monkeypatch.setenv("HOTLINE_REDIS_URL", redis_url)
    monkeypatch.setenv("HOTLINE_SECRET_KEY", config.secret_key)
    runner = CliRunner()

    log_in(client)
    done = runner.invoke(users_command, ["logout", "kim"])
    assert done.exit_code == 0, done.output
    assert client.get("/volunteer/").status_code == 302

    log_in(client)
    done = runner.invoke(users_command, ["role", "kim", "staff"])
    assert done.exit_code == 0 and "kim: staff" in done.output, done.output
    assert client.get("/volunteer/").status_code == 302
    assert users.get(conn, config, "kim").is_staff

    log_in(client)
    done = runner.invoke(users_command, ["password", "kim", "--password-stdin"],
                         input="another good password\n")
    assert done.exit_code == 0, done.output
    assert client.get("/volunteer/").status_code == 302
    assert users.check_password(conn, config, "kim", "another good password")

    for args in (["role", "nobody", "staff"], ["password", "nobody", "--password-stdin"],
                 ["logout", "nobody"]):
        missing = runner.invoke(users_command, args, input=PASSWORD + "\n")
        assert missing.exit_code != 0 and "no account named" in missing.output
        assert "Traceback" not in missing.output
    short = runner.invoke(users_command, ["password", "kim", "--password-stdin"], input="x\n")
    assert short.exit_code != 0 and "at least 8" in short.output


PIECES = ["/", "\\", "\t", "\r", "\n", "\x00", " ", "%2F", "%5C", ":", "evil.example", "@",
          "http", "?", "#", "\u3000", "\uff0f", "..", "a", "\x7f", "\u200b"]


# --- Redirects after login ---------------------------------------------------------------

@pytest.mark.parametrize("next_url", [
    "/\t/evil.example/phish", "//evil.example/x", "https://evil.example/x",
    "/\\evil.example/x", "\\\\evil.example", "/\\/evil.example", " //evil.example",
    "\x00//evil.example", "/\r\n/evil.example", "javascript:alert(1)", "/%2F/evil.example",
    "%2F%2Fevil.example", "/%5Cevil.example", "///evil.example", "http:/evil.example",
    "/\u3000/evil.example", "\t/\t/evil.example",
])
def test_next_never_leads_to_another_site(client, kim, next_url):
    response = log_in(client, next_url=next_url)
    assert response.status_code == 302
    assert_local(response.headers["Location"])
    assert "evil.example" not in urlsplit(urljoin(SITE, response.headers["Location"])).netloc


def test_the_reported_tab_trick_falls_back_to_the_home_page(client, kim):
    response = log_in(client, next_url="/\t/evil.example/phish")
    assert response.headers["Location"] == "/volunteer/"


def test_next_with_cr_lf_is_no_server_error(client, kim):
    for next_url in ("/volunteer/\r\nSet-Cookie: x=1", "/\r\n", "\n"):
        response = log_in(client, next_url=next_url)
        assert response.status_code == 302
        assert_local(response.headers["Location"])
        assert "Set-Cookie: x=1" not in str(response.headers)


def test_a_path_of_this_site_is_kept_after_login(client, kim):
    response = log_in(client, next_url="/volunteer/urgent?page=2")
    assert response.headers["Location"] == "/volunteer/urgent?page=2"


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(next_url=st.one_of(
    st.text(max_size=40),
    st.text(max_size=40).map(lambda text: "/" + text),
    st.builds("".join, st.lists(st.sampled_from(PIECES), min_size=1, max_size=8)),
    st.builds("".join, st.lists(st.sampled_from(PIECES), max_size=8)).map(
        lambda text: "/" + text),
))
@pytest.mark.slow
def test_any_next_gives_a_redirect_to_a_path_of_this_site(client, kim, next_url):
    token = csrf_of(client.get("/login"))
    response = client.post("/login", data={"name": "kim", "password": PASSWORD,
                                           "csrf_token": token, "next": next_url})
    assert response.status_code == 302
    assert_local(response.headers["Location"])


# --- No cache keeps a logged-in page -----------------------------------------------------

@pytest.mark.parametrize("path", ["/volunteer/", "/volunteer/urgent", "/admin/",
                                  "/admin/people/", "/admin/scripts/", "/login"])
def test_logged_in_pages_are_never_stored_by_a_cache(client, boss, path):
    log_in(client, "boss", steps=boss)
    response = client.get(path)
    assert response.status_code == 200
    assert "no-store" in response.headers.get("Cache-Control", "")


def test_json_answers_are_never_stored_by_a_cache(client, boss):
    log_in(client, "boss", steps=boss)
    token = csrf_of(client.get("/admin/scripts/"))
    response = client.post("/admin/scripts/check", json={"file": "main.yaml", "text": ""},
                           headers={"X-CSRF-Token": token})
    assert response.is_json, response.get_data(as_text=True)[:200]
    assert "no-store" in response.headers.get("Cache-Control", "")
