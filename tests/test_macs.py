"""hotline.macs: the same HMACs as hmac.digest, from many threads at once."""

from __future__ import annotations

import hmac
import threading

import pytest

from hotline import macs


@pytest.mark.parametrize("algorithm", ["sha1", "sha256"])
def test_the_same_bytes_as_hmac_digest(algorithm):
    keys = [b"", b"k", "비밀 열쇠".encode(), b"x" * 200]  # 200: longer than a block
    messages = [b"", "https://example.org/twilio/sms?t=1Body다시 전화".encode(), b"m" * 5000]
    for key in keys:
        for message in messages:
            expected = hmac.digest(key, message, algorithm)
            assert macs.digest(key, message, algorithm) == expected  # the key set up
            assert macs.digest(key, message, algorithm) == expected  # its copy, kept


def test_threads_sharing_a_key_each_get_their_own_messages_mac():
    key = b"shared"
    wrong: list[int] = []

    def work(n: int) -> None:
        for i in range(300):
            message = f"{n}:{i}".encode() * (1 + i % 7)
            if macs.digest(key, message, "sha256") != hmac.digest(key, message, "sha256"):
                wrong.append(n)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert wrong == []
