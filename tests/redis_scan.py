"""Read everything a Redis database holds, as text, for tests that look for a caller's traces.

RQ keeps a job's function and arguments zlib-compressed (pickle inside): those are
decompressed too, so an argument cannot hide a number from the scan. Given the Fernet
keys, every token found anywhere (a whole value, a hash field, a job argument
`sealed:gAAAA…`, a token inside an opened token) is opened and its text scanned too:
Fernet tokens and the vault's AES-GCM seals (`hg1.…`, sessions and kept answers) alike.
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Iterable, Iterator
from typing import Any

from hotline.privacy.vault import SEAL_PREFIX, NumberVault

# What a token looks like: Fernet (version byte 0x80 and a timestamp, urlsafe base64), or
# the vault's seal (prefix, then urlsafe base64 of nonce and ciphertext).
TOKEN = re.compile(r"gAAAAA[A-Za-z0-9_\-]{40,}={0,2}|"
                   + re.escape(SEAL_PREFIX) + r"[A-Za-z0-9_\-]{38,}={0,2}")


def opened(text: str, keys: Iterable[str]) -> list[str]:
    """The plain texts of every Fernet token in `text` (and of tokens inside those),
    opened with any of `keys`; a token no key opens is reported as such."""
    vault = NumberVault(list(keys))
    found, todo, seen = [], [text], set()
    while todo:
        for token in TOKEN.findall(todo.pop()):
            if token in seen:
                continue
            seen.add(token)
            plain = vault.decrypt(token)
            if plain is None:
                found.append(f"<unopened token {token[:12]}>")
                continue
            found.append(plain)
            todo.append(plain)
    return found


def _texts(value: bytes) -> Iterator[str]:
    yield value.decode("utf-8", "replace")
    try:
        yield zlib.decompress(value).decode("utf-8", "replace")
    except zlib.error:
        pass


def _values(conn: Any, key: bytes) -> list[bytes]:
    kind = conn.type(key).decode()
    if kind == "string":
        return [conn.get(key) or b""]
    if kind == "hash":
        return [part for pair in conn.hgetall(key).items() for part in pair]
    if kind == "list":
        return list(conn.lrange(key, 0, -1))
    if kind == "set":
        return list(conn.smembers(key))
    if kind == "zset":
        return [member for member, _ in conn.zrange(key, 0, -1, withscores=True)]
    if kind == "stream":
        return [part for _, fields in conn.xrange(key) for pair in fields.items()
                for part in pair]
    return []


def entries(conn: Any, keys: Iterable[str] = ()) -> dict[str, str]:
    """Every key of the database -> all its values (and their decompressed forms) as text;
    with Fernet `keys`, followed by what every token in them holds, opened."""
    keys = [k for k in keys if k]
    out: dict[str, str] = {}
    for key in conn.scan_iter(count=1000):
        text = "\n".join(t for value in _values(conn, key) for t in _texts(value))
        if keys:
            text = "\n".join([text, *opened(text, keys)])
        out[key.decode("utf-8", "replace")] = text
    return out


def dump(conn: Any, keys: Iterable[str] = ()) -> str:
    """Every key and every value of the database as one text (tokens opened with `keys`)."""
    return "\n".join(f"{key}\n{values}" for key, values in entries(conn, keys).items())


def holding(conn: Any, needle: str) -> list[str]:
    """The keys whose name or values contain `needle`."""
    return [key for key, values in entries(conn).items() if needle in key or needle in values]
