"""Caller numbers: HMAC for look-ups, Fernet encryption where a call back needs the number."""

from __future__ import annotations

import hashlib
import hmac

from cryptography.fernet import Fernet, InvalidToken, MultiFernet


def number_hash(secret: str, number: str) -> str:
    """Return the look-up key for a caller number: HMAC-SHA256 hex under the secret key."""
    return hmac.new(secret.encode("utf-8"), number.encode("utf-8"), hashlib.sha256).hexdigest()


def log_id(secret: str, number: str) -> str:
    """Return the short HMAC prefix that stands for a caller in logs."""
    return number_hash(secret, number)[:10]


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
