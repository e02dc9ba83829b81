"""Web accounts: a name, a role (volunteer or staff), a scrypt password hash, and the
volunteer record the account belongs to, if any.

Stored in Redis under KEY_PREFIX + "user:". Names are matched case-insensitively.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import redis
from werkzeug.security import check_password_hash, generate_password_hash

from hotline import volunteers

ROLES = ("volunteer", "staff")
MIN_PASSWORD = 8
_NAME = re.compile(r"^[\w.@-]{1,40}$")
# A hash to check against when the account does not exist, so a wrong name takes as
# long as a wrong password (no telling which names exist from the timing).
_DUMMY_HASH = generate_password_hash("not-a-real-password", method="scrypt")


class UserError(ValueError):
    """Bad input for an account (the message says what to fix)."""


@dataclass(frozen=True)
class User:
    """One web account (the password hash stays in Redis)."""

    name: str
    role: str
    volunteer: str = ""  # id of the linked volunteer record, '' when none

    @property
    def is_staff(self) -> bool:
        """Staff may open every page; volunteers only the volunteer pages."""
        return self.role == "staff"

    def to_dict(self) -> dict[str, Any]:
        """Return the account as plain data (no hash)."""
        return {"name": self.name, "role": self.role, "volunteer": self.volunteer}


def _key(config: dict[str, Any], rest: str) -> str:
    return f"{config.get('KEY_PREFIX') or 'hotline:'}user:{rest}"


def _norm(name: str) -> str:
    return name.strip().casefold()


def _acct(config: dict[str, Any], name: str) -> str:
    return _key(config, "acct:" + _norm(name))


def hash_password(password: str) -> str:
    """Return a scrypt hash of the password (werkzeug's format, salted)."""
    return generate_password_hash(password, method="scrypt")


def add(conn: redis.Redis, config: dict[str, Any], name: str, role: str, password: str,
        volunteer: str | None = None) -> User:
    """Create an account; link it to the volunteer named or numbered `volunteer`, or else to
    a volunteer with the same name when there is one. UserError for bad input."""
    name = name.strip()
    if not _NAME.match(name):
        raise UserError("a name is 1-40 letters, digits, or . _ @ - (no spaces)")
    if role not in ROLES:
        raise UserError(f"role must be one of {', '.join(ROLES)}")
    if len(password) < MIN_PASSWORD:
        raise UserError(f"the password needs at least {MIN_PASSWORD} characters")
    linked = ""
    if volunteer:
        record = volunteers.find(conn, config, volunteer)
        if record is None:
            raise UserError(f"no volunteer named or numbered {volunteer!r}")
        linked = record.id
    else:
        record = volunteers.find(conn, config, name)
        linked = record.id if record else ""
    user = User(name, role, linked)
    mapping: dict[Any, Any] = {"name": name, "role": role, "volunteer": linked,
                               "hash": hash_password(password)}
    if not conn.hsetnx(_key(config, "names"), _norm(name), name):
        raise UserError(f"an account named {name!r} already exists")
    conn.hset(_acct(config, name), mapping=mapping)
    return user


def get(conn: redis.Redis, config: dict[str, Any], name: str) -> User | None:
    """Return the account with this name (any case), or None."""
    if not name or not _NAME.match(name.strip()):
        return None
    data = conn.hgetall(_acct(config, name))
    if not data:
        return None
    d = {k.decode(): v.decode() for k, v in data.items()}  # type: ignore[union-attr]
    return User(d["name"], d["role"], d.get("volunteer", ""))


def check_password(conn: redis.Redis, config: dict[str, Any], name: str,
                   password: str) -> User | None:
    """Return the account when the password is right, else None (same cost either way)."""
    stored = conn.hget(_acct(config, name), "hash") if _NAME.match(name.strip()) else None
    if not isinstance(stored, bytes):
        check_password_hash(_DUMMY_HASH, password)
        return None
    if not check_password_hash(stored.decode(), password):
        return None
    return get(conn, config, name)


def set_password(conn: redis.Redis, config: dict[str, Any], name: str, password: str) -> None:
    """Replace an account's password; UserError when it is too short or there is no account."""
    if len(password) < MIN_PASSWORD:
        raise UserError(f"the password needs at least {MIN_PASSWORD} characters")
    if get(conn, config, name) is None:
        raise UserError(f"no account named {name!r}")
    conn.hset(_acct(config, name), "hash", hash_password(password))


def all_users(conn: redis.Redis, config: dict[str, Any]) -> list[User]:
    """Return every account, by name."""
    names = sorted(n.decode() for n in conn.hkeys(_key(config, "names")))  # type: ignore[union-attr]
    return [u for u in (get(conn, config, n) for n in names) if u]


def remove(conn: redis.Redis, config: dict[str, Any], name: str) -> User | None:
    """Delete an account (its sessions stop working at their next request); None if none."""
    user = get(conn, config, name)
    if user is None:
        return None
    pipe = conn.pipeline()
    pipe.delete(_acct(config, name))
    pipe.hdel(_key(config, "names"), _norm(name))
    pipe.execute()
    return user
