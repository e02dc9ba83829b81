"""Web accounts: a name, a role (volunteer or staff), a scrypt password hash, and the
volunteer record the account belongs to, if any; and the logins (sessions) of accounts.

Stored in Redis under KEY_PREFIX + "user:". Names are matched case-insensitively.
- `user:names` (hash: folded name -> name), `user:acct:<folded name>` (hash: name, role,
  volunteer, hash, epoch).
- `user:sess:<sha256 of the browser's token>` (hash: folded name, epoch), one per login,
  expiring after LOGIN_SECONDS. Logout deletes it. A login of an account with a second
  factor (and of staff, who must have one) is only such a record once the second step is
  done: after the password it is a `user:half:<sha256 of a token>` (hash: folded name,
  epoch, step "code" or "enrol"), good for HALF_SECONDS, which opens no page. The account's `epoch` is a random value
  replaced whenever a role or password changes (and new at every add), so every login made
  before no longer matches: the account is logged out in every browser at once.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass, field
from typing import Any

import redis
from werkzeug.security import check_password_hash, generate_password_hash

from hotline import keys as hotline_keys
from hotline.config import Settings
from hotline.lua import lua
from hotline.people import volunteers

ROLES = ("volunteer", "staff")
MIN_PASSWORD = 8
LOGIN_SECONDS = 12 * 3600  # a login lasts this long at most, used or not
HALF_SECONDS = 10 * 60  # time between the password and the second step
# scrypt's cost for new hashes. Production keeps werkzeug's default strength; a test
# suite may lower it (tests/conftest.py) so that making accounts does not dominate.
HASH_METHOD = "scrypt"
_NAME = re.compile(r"^[\w.@-]{1,40}$")
# A hash to check against when the account does not exist, so a wrong name takes as
# long as a wrong password (no telling which names exist from the timing).
_DUMMY_HASH = generate_password_hash("not-a-real-password", method=HASH_METHOD)


class UserError(ValueError):
    """Bad input for an account (the message says what to fix)."""


@dataclass(frozen=True)
class User:
    """One web account (the password hash stays in Redis)."""

    name: str
    role: str
    volunteer: str = ""  # id of the linked volunteer record, '' when none
    # The account's epoch when it was read: a login started from it lasts until it changes.
    epoch: str = field(default="", compare=False, repr=False)
    two_factor: bool = field(default=False, compare=False)  # a TOTP secret is enrolled

    @property
    def needs_enrolment(self) -> bool:
        """Staff must have a second factor before they can do anything."""
        return self.is_staff and not self.two_factor

    @property
    def is_staff(self) -> bool:
        """Staff may open every page; volunteers only the volunteer pages."""
        return self.role == "staff"

    def to_dict(self) -> dict[str, Any]:
        """Return the account as plain data (no hash)."""
        return {"name": self.name, "role": self.role, "volunteer": self.volunteer,
                "two_factor": self.two_factor}


def _key(config: Settings, rest: str) -> str:
    return hotline_keys.of(config).user(rest)


def _norm(name: str) -> str:
    return name.strip().casefold()


def _acct(config: Settings, name: str) -> str:
    return _key(config, "acct:" + _norm(name))


def _sess(config: Settings, token: str) -> str:
    # Only a hash of the token is kept: a copy of Redis opens no browser session.
    return _key(config, "sess:" + hashlib.sha256(token.encode()).hexdigest())


def _new_epoch() -> str:
    return secrets.token_hex(8)


def hash_password(password: str) -> str:
    """Return a scrypt hash of the password (werkzeug's format, salted)."""
    return generate_password_hash(password, method=HASH_METHOD)


def add(conn: redis.Redis, config: Settings, name: str, role: str, password: str,
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
                               "hash": hash_password(password), "epoch": _new_epoch()}
    if not conn.hsetnx(_key(config, "names"), _norm(name), name):
        raise UserError(f"an account named {name!r} already exists")
    conn.hset(_acct(config, name), mapping=mapping)
    return user


def get(conn: redis.Redis, config: Settings, name: str) -> User | None:
    """Return the account with this name (any case), or None."""
    if not name or not _NAME.match(name.strip()):
        return None
    return _user(conn.hgetall(_acct(config, name)))  # type: ignore[arg-type]


def _decode(data: dict[bytes, bytes]) -> dict[str, str]:
    return {k.decode(): v.decode() for k, v in data.items()}


def _user(data: dict[bytes, bytes]) -> User | None:
    if not data:
        return None
    d = _decode(data)
    if "name" not in d or "role" not in d:
        return None
    return User(d["name"], d["role"], d.get("volunteer", ""), d.get("epoch", ""),
                bool(d.get("totp")))


def check_password(conn: redis.Redis, config: Settings, name: str,
                   password: str) -> User | None:
    """Return the account when the password is right, else None (same cost either way)."""
    data: dict[bytes, bytes] = (conn.hgetall(_acct(config, name))  # type: ignore[assignment]
                                if _NAME.match(name.strip()) else {})
    stored = data.get(b"hash")
    if not isinstance(stored, bytes):
        check_password_hash(_DUMMY_HASH, password)
        return None
    if not check_password_hash(stored.decode(), password):
        return None
    return _user(data)  # as read with the hash: a password changed since is not this one


# Change fields of an account only while it exists (a removed one stays removed).
_UPDATE = """
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('HSET', KEYS[1], unpack(ARGV))
return 1
"""


def _update(conn: redis.Redis, config: Settings, name: str, **fields: str) -> User:
    """Set fields of an account and give it a new epoch (every login so far ends)."""
    args: list[str] = []
    for key, value in {**fields, "epoch": _new_epoch()}.items():
        args += [key, value]
    if not _NAME.match(name.strip()) or not lua(conn, _UPDATE)([_acct(config, name)], args):
        raise UserError(f"no account named {name!r}")
    user = get(conn, config, name)
    if user is None:
        raise UserError(f"no account named {name!r}")
    return user


def set_password(conn: redis.Redis, config: Settings, name: str, password: str) -> User:
    """Replace an account's password and log it out everywhere; UserError when the password
    is too short or there is no account."""
    if len(password) < MIN_PASSWORD:
        raise UserError(f"the password needs at least {MIN_PASSWORD} characters")
    return _update(conn, config, name, hash=hash_password(password))


def set_role(conn: redis.Redis, config: Settings, name: str, role: str) -> User:
    """Change an account's role and log it out everywhere; UserError for a bad role or name."""
    if role not in ROLES:
        raise UserError(f"role must be one of {', '.join(ROLES)}")
    return _update(conn, config, name, role=role)


def update(conn: redis.Redis, config: Settings, name: str, **fields: str) -> User:
    """Set fields of an account (its second factor) and end every login of it."""
    return _update(conn, config, name, **fields)


def end_logins(conn: redis.Redis, config: Settings, name: str) -> User:
    """Log an account out in every browser (its logins made so far stop working)."""
    return _update(conn, config, name)


def start_login(conn: redis.Redis, config: Settings, user: User) -> str:
    """Record a login of the account as read by check_password; return the token the browser
    keeps (in its cookie). A role or password changed since the read ends it at once."""
    token = secrets.token_urlsafe(32)
    pipe = conn.pipeline()
    pipe.hset(_sess(config, token), mapping={"name": _norm(user.name), "epoch": user.epoch})
    pipe.expire(_sess(config, token), LOGIN_SECONDS)
    pipe.execute()
    return token


def logged_in(conn: redis.Redis, config: Settings, name: str, token: str) -> User | None:
    """Return the account of a login (the name and token of a browser's cookie), or None
    when that login was ended, has expired, or the account changed or went since."""
    if not name or not token or not _NAME.match(name.strip()):
        return None
    pipe = conn.pipeline(transaction=False)  # one round trip for both
    pipe.hgetall(_sess(config, token))
    pipe.hgetall(_acct(config, name))
    login, account = pipe.execute()
    if not login or not account:
        return None
    seen, d = _decode(login), _decode(account)
    if seen.get("name") != _norm(name) or seen.get("epoch", "") != d.get("epoch", ""):
        return None
    return _user(account)


def _half(config: Settings, token: str) -> str:
    return _key(config, "half:" + hashlib.sha256(token.encode()).hexdigest())


def start_half_login(conn: redis.Redis, config: Settings, user: User, step: str) -> str:
    """Record a password given right whose second step (`code`, or `enrol` for staff with
    no second factor yet) is still to come; return the token the browser keeps. It opens
    no page; finish_half_login turns it into a login."""
    token = secrets.token_urlsafe(32)
    pipe = conn.pipeline()
    pipe.hset(_half(config, token), mapping={"name": _norm(user.name), "epoch": user.epoch,
                                             "step": step})
    pipe.expire(_half(config, token), HALF_SECONDS)
    pipe.execute()
    return token


def half_login(conn: redis.Redis, config: Settings, token: str) -> tuple[User, str] | None:
    """Return the account and the step still due of a half login, or None when it ended,
    expired, or the account changed since the password."""
    if not token:
        return None
    seen = _decode(conn.hgetall(_half(config, token)))  # type: ignore[arg-type]
    if not seen:
        return None
    account: dict[bytes, bytes] = conn.hgetall(_acct(config, seen.get("name", "")))  # type: ignore[assignment]
    user = _user(account)
    if user is None or user.epoch != seen.get("epoch"):
        return None
    return user, seen.get("step", "code")


def finish_half_login(conn: redis.Redis, config: Settings, token: str,
                      user: User) -> str | None:
    """End the half login and start the real one (the second step was right); None when
    the half login was finished already (two right codes at once make one login)."""
    if not conn.delete(_half(config, token)):
        return None
    return start_login(conn, config, user)


def end_login(conn: redis.Redis, config: Settings, token: str) -> None:
    """End one login (logout in this browser)."""
    if token:
        conn.delete(_sess(config, token))


def all_users(conn: redis.Redis, config: Settings) -> list[User]:
    """Return every account, by name."""
    names = sorted(n.decode() for n in conn.hkeys(_key(config, "names")))  # type: ignore[union-attr]
    return [u for u in (get(conn, config, n) for n in names) if u]


def remove(conn: redis.Redis, config: Settings, name: str) -> User | None:
    """Delete an account (its sessions stop working at their next request); None if none."""
    user = get(conn, config, name)
    if user is None:
        return None
    pipe = conn.pipeline()
    pipe.delete(_acct(config, name), recovery_key(config, name), enrol_key(config, name))
    pipe.hdel(_key(config, "names"), _norm(name))
    pipe.execute()
    return user


def recovery_key(config: Settings, name: str) -> str:
    """The set of an account's unused recovery codes (their HMACs)."""
    return _key(config, "rc:" + _norm(name))


def enrol_key(config: Settings, name: str) -> str:
    """A TOTP secret offered to an account, sealed, until the first code confirms it."""
    return _key(config, "enrol:" + _norm(name))


def account_key(config: Settings, name: str) -> str:
    """The account's hash (for the second factor's Lua, which gets keys through KEYS)."""
    return _acct(config, name)
