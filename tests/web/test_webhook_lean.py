"""The webhook path carries no cookie session, and its hot-path values are sealed with
AES-GCM (sessions, kept answers) that still open after a key rotation; the web pages keep
their cookie session."""

from __future__ import annotations

from flask.sessions import NullSession

from hotline.privacy.vault import SEAL_PREFIX, NumberVault, is_sealed, new_key
from tests.concurrent_draws import drawn_everywhere

CALLER = "+821055501234"


def _sms(signed_post, body: str, sid: str):
    return signed_post("/twilio/sms", {"From": CALLER, "To": "+15005550006", "Body": body,
                                       "MessageSid": sid})


def test_a_webhook_opens_no_cookie_session_and_sets_no_cookie(app, signed_post, client):
    client.set_cookie("hotline_session", "anything-a-browser-might-send")
    reply = _sms(signed_post, "안녕하세요", "SM" + "1" * 32)
    assert reply.status_code == 200 and b"<Response>" in reply.data
    assert "Set-Cookie" not in reply.headers
    with app.test_request_context("/twilio/sms", method="POST"):
        assert app.session_interface.open_session(app, __import__("flask").request) is None
    with app.test_request_context("/twilio/voice", method="POST") as ctx:
        ctx.push()
        try:
            assert isinstance(ctx.session, NullSession)
        finally:
            ctx.pop()


def test_the_web_pages_still_have_their_cookie_session(client):
    page = client.get("/login")
    assert page.status_code == 200
    assert "hotline_session=" in page.headers.get("Set-Cookie", "")  # the CSRF token's


def test_session_and_kept_answer_are_sealed_with_aes_gcm(app, signed_post, redis_conn):
    _sms(signed_post, "안녕하세요", "SM" + "2" * 32)
    (session_key,) = redis_conn.keys("hotline:session:*")
    stored = redis_conn.get(session_key)
    assert stored.startswith(SEAL_PREFIX.encode()) and is_sealed(stored)
    vault = NumberVault(app.config["ENCRYPTION_KEY"])
    assert '"language"' in (vault.decrypt(stored) or "")  # the session's JSON inside
    answers = [redis_conn.get(k) for k in redis_conn.keys("hotline:*") if
               (redis_conn.type(k) == b"string" and
                (redis_conn.get(k) or b"").startswith(SEAL_PREFIX.encode()) and k != session_key)]
    assert answers and all("<Response>" in (vault.decrypt(a) or "") for a in answers)


def test_a_seal_opens_under_a_rotated_key_list_and_not_without_its_key():
    old, new = new_key(), new_key()
    token = NumberVault(old).seal("무지개마을")
    assert token.startswith(SEAL_PREFIX)
    assert NumberVault(f"{new},{old}").decrypt(token) == "무지개마을"
    assert NumberVault(new).decrypt(token) is None
    assert NumberVault(old).decrypt(token[:-4] + "AAAA") is None  # tampered: refused
    assert NumberVault(old).decrypt(NumberVault(old).encrypt("x")) == "x"  # Fernet still opens
    assert NumberVault(old).seal("x") != NumberVault(old).seal("x")  # a fresh nonce each time


def _nonce_of(token: str) -> bytes:
    import base64

    return base64.urlsafe_b64decode(token[len(SEAL_PREFIX):])[:12]


def test_no_two_seals_share_a_nonce_across_threads_and_forked_children():
    # Nonces are drawn a batch at a time (hotline/entropy.py); reusing one under a key
    # would break AES-GCM. Seals in several threads, and in forked children (gunicorn
    # workers, RQ work horses) of a process that had drawn some already, all get nonces of
    # their own.
    vault = NumberVault(new_key())
    everything = drawn_everywhere(lambda: _nonce_of(vault.seal("x")), parent=300, threads=4,
                                  per_thread=600, children=2, per_child=300)
    assert len(everything) == 2 * 300 + 4 * 600 + 2 * 300
    assert len(set(everything)) == len(everything)
    assert all(len(nonce) == 12 for nonce in everything)
