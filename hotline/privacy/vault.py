"""Caller numbers: HMAC for look-ups, Fernet encryption where a call back needs the number."""

from __future__ import annotations

import hashlib
import hmac

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

from hotline.config import Settings
from hotline.numbers import to_e164


def number_hash(secret: str, number: str) -> str:
    """Return HMAC-SHA256 hex of `number` under the secret key, exactly as given.

    The primitive under caller_hash(); callers use caller_hash(), which normalises first.
    """
    return hmac.new(secret.encode("utf-8"), number.encode("utf-8"), hashlib.sha256).hexdigest()


def caller_hash(config: Settings, number: str) -> str:
    """Return the HMAC that stands for a caller number in Redis: THE one caller hash.

    The number is normalised to E.164 first (a number phonenumbers cannot read is hashed
    as sent, stripped), so "+82 10-1234-5678" and "+821012345678" are one caller. For a
    number already in E.164 the value is number_hash() of it, as it always was.
    """
    return _normalised_hash(str(config.secret_key or ""), number)


def _normalised_hash(secret: str, number: str) -> str:
    return number_hash(secret, to_e164(number) or number.strip())


def log_id(secret: str, number: str) -> str:
    """Return the short HMAC prefix that stands for a caller in logs (caller_hash's)."""
    return _normalised_hash(secret, number)[:10]


class NumberVault:
    """Encrypts numbers with the first of several Fernet keys; decrypts with any of them."""

    def __init__(self, keys: str | list[str]):
        if isinstance(keys, str):
            keys = [k.strip() for k in keys.split(",") if k.strip()]
        if not keys:
            raise ValueError("at least one Fernet key is needed (HOTLINE_ENCRYPTION_KEY)")
        self._fernet = MultiFernet([Fernet(k.encode("ascii")) for k in keys])

    def encrypt(self, number: str) -> str:
        """Return the number encrypted under the first key."""
        return self._fernet.encrypt(number.encode("utf-8")).decode("ascii")

    def decrypt(self, token: str | bytes) -> str | None:
        """Return the number, or None when no key opens the token."""
        if isinstance(token, str):
            token = token.encode("ascii")
        try:
            return self._fernet.decrypt(token).decode("utf-8")
        except InvalidToken:
            return None


def new_key() -> str:
    """Return a fresh Fernet key (for demo mode and tests)."""
    return Fernet.generate_key().decode("ascii")
