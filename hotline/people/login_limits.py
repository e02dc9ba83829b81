"""Rate limits on failed web logins, per account and per client address, in Redis.

Each failure counts against both; a count expires WINDOW seconds after its first failure.
While either count is at its limit every attempt is refused, the right password too.
The client address is kept only as an HMAC, like a caller's number.
"""

from __future__ import annotations

import redis

from hotline import keys as hotline_keys
from hotline.config import Settings
from hotline.privacy.vault import number_hash

WINDOW = 15 * 60  # seconds a run of failures is remembered
PER_ACCOUNT = 5  # failures on one account before it is locked for the window
PER_ADDRESS = 20  # failures from one address (any accounts) before it is locked


def _keys(config: Settings, account: str, address: str) -> tuple[str, str]:
    keys = hotline_keys.of(config)
    addr = number_hash(config.secret_key or "", address)[:24]
    return keys.login_account(account.strip().casefold()[:64]), keys.login_address(addr)


def blocked(conn: redis.Redis, config: Settings, account: str, address: str) -> int:
    """Return the seconds until an attempt is allowed again, 0 when it is allowed now."""
    acct_key, addr_key = _keys(config, account, address)
    pipe = conn.pipeline()
    pipe.get(acct_key)
    pipe.ttl(acct_key)
    pipe.get(addr_key)
    pipe.ttl(addr_key)
    acct, acct_ttl, addr, addr_ttl = pipe.execute()
    waits = []
    if acct is not None and int(acct) >= PER_ACCOUNT:
        waits.append(max(1, int(acct_ttl)))
    if addr is not None and int(addr) >= PER_ADDRESS:
        waits.append(max(1, int(addr_ttl)))
    return max(waits, default=0)


def record_failure(conn: redis.Redis, config: Settings, account: str,
                   address: str) -> None:
    """Count one failed attempt against the account and the address."""
    pipe = conn.pipeline()
    for key in _keys(config, account, address):
        pipe.incr(key)
        pipe.expire(key, WINDOW, nx=True)
    pipe.execute()


def record_success(conn: redis.Redis, config: Settings, account: str,
                   address: str) -> None:
    """Forget the account's failures after a right password (the address's stay)."""
    conn.delete(_keys(config, account, address)[0])
