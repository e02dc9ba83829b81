"""The second step of a login: TOTP codes (each time step spent once), ten one-time
recovery codes, the secret sealed at rest, reset; and through the web: nothing opens after
the password alone, staff enrol first, wrong codes are rate-limited like passwords."""

from __future__ import annotations

import re

import pyotp
import pytest

from hotline.people import access_log, login_limits, second_factor
from hotline.people import accounts as users

PASSWORD = "correct horse battery"


@pytest.fixture()
def store(app):
    runtime = app.extensions["hotline"]
    return runtime.redis, runtime.config


def csrf_of(response) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', response.get_data(as_text=True))
    assert found, "the page has no CSRF field"
    return found.group(1)


def password_step(client, name):
    token = csrf_of(client.get("/login"))
    return client.post("/login", data={"name": name, "password": PASSWORD,
                                       "csrf_token": token})


def code_step(client, code):
    token = csrf_of(client.get("/login/code"))
    return client.post("/login/code", data={"code": code, "csrf_token": token})


def test_enrolment_keeps_the_secret_sealed_and_gives_ten_different_recovery_codes(store, clock):
    conn, config = store
    kim = users.add(conn, config, "kim", "volunteer", PASSWORD)
    offer = second_factor.offer(conn, config, kim)
    assert offer.uri.startswith("otpauth://totp/Hotline:kim?secret=" + offer.secret)
    assert second_factor.offer(conn, config, kim).secret == offer.secret  # same until confirmed
    assert second_factor.confirm(conn, config, kim, "000000", clock()) is None
    codes = second_factor.confirm(conn, config, kim, pyotp.TOTP(offer.secret).at(clock()),
                                  clock())
    assert len(codes) == 10 == len(set(codes))
    assert all(re.fullmatch(r"[a-z2-9]{5}-[a-z2-9]{5}", c) for c in codes)
    raw = conn.hgetall(users.account_key(config, "kim"))
    assert raw[b"totp"].startswith(b"hg1.") and offer.secret.encode() not in raw[b"totp"]
    dump = b" ".join(conn.smembers(users.recovery_key(config, "kim")))
    assert not any(c.encode() in dump or c.replace("-", "").encode() in dump for c in codes)
    assert users.get(conn, config, "kim").two_factor


def test_a_code_opens_one_login_only_and_never_an_older_step(store, clock):
    conn, config = store
    kim = users.add(conn, config, "kim", "volunteer", PASSWORD)
    secret, _ = second_factor.enrol_directly(conn, config, kim, clock())
    totp = pyotp.TOTP(secret)
    now = clock()
    assert second_factor.verify(conn, config, kim, totp.at(now), now) == "totp"
    assert second_factor.verify(conn, config, kim, totp.at(now), now + 5) == ""  # replayed
    assert second_factor.verify(conn, config, kim, totp.at(now - 30), now) == ""  # older
    assert second_factor.verify(conn, config, kim, totp.at(now + 30), now + 30) == "totp"
    assert second_factor.verify(conn, config, kim, totp.at(now + 300), now) == ""  # too far


def test_each_recovery_code_works_once_typed_any_way(store, clock):
    conn, config = store
    kim = users.add(conn, config, "kim", "volunteer", PASSWORD)
    _, codes = second_factor.enrol_directly(conn, config, kim, clock())
    typed = " " + codes[0].upper().replace("-", " ") + " "
    assert second_factor.verify(conn, config, kim, typed, clock()) == "recovery"
    assert second_factor.verify(conn, config, kim, codes[0], clock()) == ""
    assert second_factor.recovery_left(conn, config, "kim") == 9
    lee = users.add(conn, config, "lee", "volunteer", PASSWORD)
    second_factor.enrol_directly(conn, config, lee, clock())
    assert second_factor.verify(conn, config, lee, codes[1], clock()) == ""  # kim's, not lee's


def test_a_reset_removes_the_factor_and_ends_every_login(store, clock):
    conn, config = store
    kim = users.add(conn, config, "kim", "volunteer", PASSWORD)
    second_factor.enrol_directly(conn, config, kim, clock())
    token = users.start_login(conn, config, users.get(conn, config, "kim"))
    second_factor.reset(conn, config, "kim")
    assert users.logged_in(conn, config, "kim", token) is None
    assert not users.get(conn, config, "kim").two_factor
    assert second_factor.recovery_left(conn, config, "kim") == 0


def test_the_password_alone_opens_no_page(client, store, second_steps):
    conn, config = store
    users.add(conn, config, "kim", "volunteer", PASSWORD)
    second_steps.enrol("kim")
    answer = password_step(client, "kim")
    assert answer.status_code == 302 and answer.headers["Location"] == "/login/code"
    for path in ("/volunteer/", "/account/", "/volunteer/urgent"):
        assert client.get(path).headers["Location"] == "/login/code"
    assert code_step(client, second_steps.code("kim")).status_code == 302
    assert client.get("/volunteer/").status_code == 200


def test_staff_without_a_second_factor_must_enrol_before_anything(client, store, clock):
    conn, config = store
    users.add(conn, config, "boss", "staff", PASSWORD)
    password_step(client, "boss")
    assert client.get("/admin/people/").headers["Location"] == "/login/code"
    assert client.get("/login/code").headers["Location"] == "/login/enrol"
    page = client.get("/login/enrol").get_data(as_text=True)
    secret = re.search(r'id="totp-secret">([A-Z2-7 ]+)<', page).group(1).replace(" ", "")
    qr = client.get("/login/qr.svg")
    assert qr.status_code == 200 and qr.mimetype == "image/svg+xml" and b"<svg" in qr.data
    done = client.post("/login/enrol", data={"code": pyotp.TOTP(secret).at(clock()),
                                             "csrf_token": csrf_of(client.get("/login/enrol"))})
    assert done.status_code == 200 and len(re.findall(r"<li><code>", done.get_data(
        as_text=True))) == 10
    assert client.get("/admin/people/").status_code == 200
    assert [(e.who, e.action) for e in access_log.entries(conn, config)] == [
        ("boss", "second_factor_enrolled")]


def test_a_staff_login_made_without_a_second_factor_opens_nothing(client, store):
    conn, config = store
    boss = users.add(conn, config, "boss", "staff", PASSWORD)
    token = users.start_login(conn, config, boss)  # e.g. made before the second step existed
    with client.session_transaction() as session:
        session["user"], session["login"] = "boss", token
    assert client.get("/admin/").status_code == 302


def test_wrong_codes_lock_the_account_like_wrong_passwords(client, store, second_steps):
    conn, config = store
    users.add(conn, config, "kim", "volunteer", PASSWORD)
    second_steps.enrol("kim")
    password_step(client, "kim")
    for _ in range(login_limits.PER_ACCOUNT):
        assert code_step(client, "123456").status_code == 401
    locked = code_step(client, second_steps.code("kim"))
    assert locked.status_code == 429 and "Too many" in locked.get_data(as_text=True)
    assert client.get("/volunteer/").status_code == 302
    # a right password again does not clear the count (no endless guessing of codes)
    password_step(client, "kim")
    assert code_step(client, second_steps.code("kim")).status_code == 429


def test_a_volunteer_may_enrol_from_the_account_page(client, store, clock, client_login):
    conn, config = store
    users.add(conn, config, "kim", "volunteer", PASSWORD)
    client_login("kim", PASSWORD)  # no second step yet
    assert "The second step is off." in client.get("/account/").get_data(as_text=True)
    page = client.get("/account/two-factor").get_data(as_text=True)
    secret = re.search(r'id="totp-secret">([A-Z2-7 ]+)<', page).group(1).replace(" ", "")
    token = csrf_of(client.get("/account/two-factor"))
    wrong = client.post("/account/two-factor", data={"code": "000000", "csrf_token": token})
    assert wrong.status_code == 400
    done = client.post("/account/two-factor", data={"code": pyotp.TOTP(secret).at(clock()),
                                                     "csrf_token": token})
    assert done.status_code == 200 and "Recovery codes" in done.get_data(as_text=True)
    assert "Recovery codes left: 10" in client.get("/account/").get_data(as_text=True)
    assert client.get("/login/qr.svg").status_code == 403  # no new secret once enrolled
