"""Caller numbers: HMAC for look-ups, Fernet encryption where a call back needs the number.

Values sealed on every webhook (a caller's session, the answer kept for Twilio's retries)
use seal(): AES-256-GCM from `cryptography` in one call, as `hg1.` + urlsafe base64 of
nonce and ciphertext, instead of Fernet's AES-CBC + HMAC + timestamp. Its keys are
derived from the same HOTLINE_ENCRYPTION_KEY list (HMAC-SHA256 of each Fernet key), so
rotation works the same way: the first key seals, every key opens. decrypt() opens both
forms.
"""

from __future__ import annotations

import base64
import binascii
import functools
import hashlib
import hmac

from cryptography.exceptions import InvalidTag
from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from hotline import entropy, macs
from hotline.config import Settings
from hotline.numbers import to_e164


def number_hash(secret: str, number: str) -> str:
    """Return HMAC-SHA256 hex of `number` under the secret key, exactly as given.

    The primitive under caller_hash(); callers use caller_hash(), which normalises first.
    """
    return macs.digest(secret.encode("utf-8"), number.encode("utf-8"), "sha256").hex()


def caller_hash(config: Settings, number: str) -> str:
    """Return the HMAC that stands for a caller number in Redis: THE one caller hash.

    The number is normalised to E.164 first (a number phonenumbers cannot read is hashed
    as sent, stripped), so "+82 10-1234-5678" and "+821012345678" are one caller. For a
    number already in E.164 the value is number_hash() of it, as it always was.
    """
    return _normalised_hash(str(config.secret_key or ""), number)


@functools.lru_cache(maxsize=256)
def _normalised_hash(secret: str, number: str) -> str:
    # A webhook asks 3-4 times for its caller's hash (the claim, the pipeline, the kept
    # answer's index, the opt-out check): worked out once. In this process's memory only.
    return number_hash(secret, to_e164(number) or number.strip())


def log_id(secret: str, number: str) -> str:
    """Return the short HMAC prefix that stands for a caller in logs (caller_hash's)."""
    return _normalised_hash(secret, number)[:10]


SEAL_PREFIX = "hg1."  # how every seal() token starts (AES-256-GCM, version 1)
_SEAL_PREFIX_BYTES = SEAL_PREFIX.encode("ascii")
_NONCE = 12
_DERIVE = b"hotline seal v1 aes-256-gcm"


def is_sealed(value: str | bytes) -> bool:
    """True when `value` is a token of this vault (Fernet or seal()), not plain text."""
    if isinstance(value, str):
        return value.startswith(("gAAAAA", SEAL_PREFIX))
    return value.startswith((b"gAAAAA", _SEAL_PREFIX_BYTES))


class NumberVault:
    """Encrypts numbers with the first of several Fernet keys; decrypts with any of them."""

    def __init__(self, keys: str | list[str]):
        if isinstance(keys, str):
            keys = [k.strip() for k in keys.split(",") if k.strip()]
        if not keys:
            raise ValueError("at least one Fernet key is needed (HOTLINE_ENCRYPTION_KEY)")
        self._fernet = MultiFernet([Fernet(k.encode("ascii")) for k in keys])
        self._aead = [AESGCM(hmac.new(base64.urlsafe_b64decode(k.encode("ascii")), _DERIVE,
                                      hashlib.sha256).digest()) for k in keys]

    def seal(self, text: str | bytes) -> str:
        """Return `text` sealed with AES-256-GCM under the first key (the hot path's form)."""
        nonce = entropy.draw(_NONCE)  # random, each used once (a batch per thread)
        sealed = self._aead[0].encrypt(
            nonce, text.encode("utf-8") if isinstance(text, str) else text, None)
        return SEAL_PREFIX + base64.urlsafe_b64encode(nonce + sealed).decode("ascii")

    def _open_sealed(self, token: bytes) -> str | None:
        try:
            raw = base64.urlsafe_b64decode(token[len(_SEAL_PREFIX_BYTES):])
        except (binascii.Error, ValueError):
            return None
        nonce, sealed = raw[:_NONCE], raw[_NONCE:]
        for aead in self._aead:
            try:
                return aead.decrypt(nonce, sealed, None).decode("utf-8")
            except (InvalidTag, ValueError):
                continue
        return None

    def encrypt(self, number: str) -> str:
        """Return the number encrypted under the first key."""
        return self._fernet.encrypt(number.encode("utf-8")).decode("ascii")

    def decrypt(self, token: str | bytes) -> str | None:
        """Return the number, or None when no key opens the token."""
        if isinstance(token, str):
            token = token.encode("ascii")
        if token.startswith(_SEAL_PREFIX_BYTES):
            return self._open_sealed(token)
        try:
            return self._fernet.decrypt(token).decode("utf-8")
        except InvalidToken:
            return None


@functools.lru_cache(maxsize=8)
def vault_for(keys: str) -> NumberVault:
    """The vault of a HOTLINE_ENCRYPTION_KEY value, made once per process (deriving the
    keys costs more than sealing a value)."""
    return NumberVault(keys)


def new_key() -> str:
    """Return a fresh Fernet key (for demo mode and tests)."""
    return Fernet.generate_key().decode("ascii")
