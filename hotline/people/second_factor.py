"""The second factor of web accounts: a TOTP secret (an authenticator app's six digits)
and ten one-time recovery codes.

- Enrolment: offer() makes a secret and keeps it sealed under `user:enrol:<name>` for
  OFFER_SECONDS; confirm() takes the first right code, moves the secret (sealed with the
  vault, HOTLINE_ENCRYPTION_KEY) into the account's hash as `totp`, and returns ten new
  recovery codes, shown once.
- Recovery codes are random (about 50 bits each), so an HMAC under SECRET_KEY keeps them
  as safely as a slow hash would; `user:rc:<name>` holds the HMACs and SREM spends one:
  each works once, even for two browsers at the same moment.
- A code is refused when its 30-second step is not later than the last step used by the
  account (`totp_step`, compared and set in one Lua call): the same code never opens two
  logins, even within its window.
- reset() removes the secret and the codes and ends every login of the account.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass

import pyotp
import redis

from hotline.config import Settings
from hotline.lua import lua
from hotline.people import accounts
from hotline.people.accounts import User, UserError
from hotline.privacy.vault import NumberVault, vault_for

ISSUER = "Hotline"
STEP = 30  # seconds of one TOTP code
WINDOW = 1  # steps either side accepted (phones' clocks drift)
OFFER_SECONDS = 15 * 60
RECOVERY_CODES = 10
_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i to misread
_CODE_LENGTH = 10


class TwoFactorError(UserError):
    """The second factor cannot be set up (the message says why)."""


@dataclass(frozen=True)
class Offer:
    """A secret offered for enrolment: what the page shows and the QR code holds."""

    secret: str
    uri: str

    @property
    def grouped(self) -> str:
        """The secret in groups of four, for typing it into a phone by hand."""
        return " ".join(self.secret[i:i + 4] for i in range(0, len(self.secret), 4))


def _vault(config: Settings) -> NumberVault:
    if not config.encryption_key:
        raise TwoFactorError("HOTLINE_ENCRYPTION_KEY is needed to keep second factors")
    return vault_for(config.encryption_key)


def _uri(name: str, secret: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=name, issuer_name=ISSUER)


def offer(conn: redis.Redis, config: Settings, user: User) -> Offer:
    """Return the secret offered to the account (a new one unless one is pending)."""
    key = accounts.enrol_key(config, user.name)
    stored = conn.get(key)
    secret = _vault(config).decrypt(stored) if isinstance(stored, bytes) else None
    if not secret:
        secret = pyotp.random_base32()
        conn.set(key, _vault(config).seal(secret), ex=OFFER_SECONDS)
    return Offer(secret, _uri(user.name, secret))


def _step_of(secret: str, code: str, now: float) -> int | None:
    """The time step whose code `code` is (within WINDOW of now), or None."""
    code = "".join(code.split())
    if not (code.isdigit() and len(code) == 6):
        return None
    totp, current = pyotp.TOTP(secret), int(now // STEP)
    for step in range(current - WINDOW, current + WINDOW + 1):
        if hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


# Accept a step only when it is later than the last one used (no code opens two logins).
_SPEND_STEP = """
local last = tonumber(redis.call('HGET', KEYS[1], 'totp_step') or '-1')
if redis.call('EXISTS', KEYS[1]) == 0 or tonumber(ARGV[1]) <= last then return 0 end
redis.call('HSET', KEYS[1], 'totp_step', ARGV[1])
return 1
"""


def _spend_step(conn: redis.Redis, config: Settings, name: str, step: int) -> bool:
    return bool(lua(conn, _SPEND_STEP)([accounts.account_key(config, name)], [step]))


def confirm(conn: redis.Redis, config: Settings, user: User, code: str,
            now: float) -> list[str] | None:
    """Enrol the offered secret when `code` is right for it: return the ten recovery
    codes (shown once), or None for a wrong code or no secret offered."""
    key = accounts.enrol_key(config, user.name)
    stored = conn.get(key)
    secret = _vault(config).decrypt(stored) if isinstance(stored, bytes) else None
    step = _step_of(secret, code, now) if secret else None
    if secret is None or step is None:
        return None
    codes = _new_codes()
    pipe = conn.pipeline()
    pipe.hset(accounts.account_key(config, user.name),
              mapping={"totp": _vault(config).seal(secret), "totp_step": step})
    pipe.delete(accounts.recovery_key(config, user.name), key)
    pipe.sadd(accounts.recovery_key(config, user.name),
              *(_code_hash(config, user.name, c) for c in codes))
    pipe.execute()
    return codes


def _new_codes() -> list[str]:
    codes = []
    for _ in range(RECOVERY_CODES):
        raw = "".join(secrets.choice(_ALPHABET) for _ in range(_CODE_LENGTH))
        codes.append(f"{raw[:5]}-{raw[5:]}")
    return codes


def _normal(code: str) -> str:
    return "".join(c for c in code.casefold() if c.isalnum())


def _code_hash(config: Settings, name: str, code: str) -> str:
    message = f"{name.strip().casefold()}:{_normal(code)}".encode()
    return hmac.new(str(config.secret_key or "").encode(), message, hashlib.sha256).hexdigest()


def verify(conn: redis.Redis, config: Settings, user: User, code: str, now: float) -> str:
    """Check a second-step code: "totp" or "recovery" when it is right (and now spent),
    "" when it is wrong, used already, or the account has no second factor."""
    sealed = conn.hget(accounts.account_key(config, user.name), "totp")
    if not isinstance(sealed, bytes):
        return ""
    secret = _vault(config).decrypt(sealed)
    step = _step_of(secret, code, now) if secret else None
    if step is not None:
        return "totp" if _spend_step(conn, config, user.name, step) else ""
    if len(_normal(code)) == _CODE_LENGTH and conn.srem(
            accounts.recovery_key(config, user.name), _code_hash(config, user.name, code)):
        return "recovery"
    return ""


def recovery_left(conn: redis.Redis, config: Settings, name: str) -> int:
    """How many recovery codes of the account are still unused."""
    return int(conn.scard(accounts.recovery_key(config, name)))


def reset(conn: redis.Redis, config: Settings, name: str) -> User:
    """Remove the account's second factor and recovery codes; every login of it ends
    (staff enrol again at their next login, volunteers may). UserError: no account."""
    user = accounts.get(conn, config, name)
    if user is None:
        raise UserError(f"no account named {name!r}")
    conn.hdel(accounts.account_key(config, name), "totp", "totp_step")
    conn.delete(accounts.recovery_key(config, name), accounts.enrol_key(config, name))
    return accounts.end_logins(conn, config, name)


def enrol_directly(conn: redis.Redis, config: Settings, user: User,
                   now: float) -> tuple[str, list[str]]:
    """Offer and confirm in one go (tests, the demo's sample staff): (secret, codes)."""
    made = offer(conn, config, user)
    earlier = pyotp.TOTP(made.secret).generate_otp(int(now // STEP) - 1)
    codes = confirm(conn, config, user, earlier, now)
    assert codes is not None
    return made.secret, codes
