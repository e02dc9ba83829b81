"""A caller's session as stored: JSON that the versions before and after read alike, so
an upgrade in the middle of a conversation does not send the caller back to the start."""

from __future__ import annotations

import json

from hotline.conversation.sessions import SessionStore
from hotline.engine.session import Session
from hotline.privacy.vault import NumberVault, new_key

SESSION = Session(script="main", node="clinic_city", language="ko", channel="sms",
                  wait="text", vars={"city": "서울", "topic": "병원"}, invalid=1,
                  updated=1765100000.25, country="KR")


def test_a_session_stored_by_the_standard_library_json_is_read_back_whole():
    vault = NumberVault(new_key())
    store = SessionStore(None, vault=vault)
    for old in (json.dumps(SESSION.to_dict()),  # spaced, Korean as \u escapes
                json.dumps(SESSION.to_dict(), ensure_ascii=False, separators=(",", ":"))):
        assert store.parse(vault.seal(old).encode()) == SESSION
        assert SessionStore(None).parse(old.encode()) == SESSION  # no key: plain JSON


def test_a_stored_session_is_compact_utf8_json_that_the_standard_library_reads():
    vault = NumberVault(new_key())
    store = SessionStore(None, vault=vault)
    opened = vault.decrypt(store.sealed(SESSION))
    assert opened is not None and "서울" in opened and " " not in opened  # no escapes
    assert json.loads(opened) == SESSION.to_dict()
    assert store.parse(store.sealed(SESSION).encode()) == SESSION
    plain = SessionStore(None).sealed(SESSION)  # no key: the JSON itself, as text
    assert isinstance(plain, str) and json.loads(plain) == SESSION.to_dict()


def test_a_damaged_session_starts_the_caller_afresh():
    store = SessionStore(None)
    for damaged in (b"{", b"[1, 2]", b"NaN", "\ud800".encode("utf-8", "surrogatepass"), b""):
        assert store.parse(damaged) is None
