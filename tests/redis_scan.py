"""Read everything a Redis database holds, as text, for tests that look for a caller's traces.

RQ keeps a job's function and arguments zlib-compressed (pickle inside): those are
decompressed too, so an argument cannot hide a number from the scan.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterator
from typing import Any


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


def entries(conn: Any) -> dict[str, str]:
    """Every key of the database -> all its values (and their decompressed forms) as text."""
    out: dict[str, str] = {}
    for key in conn.scan_iter(count=1000):
        out[key.decode("utf-8", "replace")] = "\n".join(
            text for value in _values(conn, key) for text in _texts(value))
    return out


def dump(conn: Any) -> str:
    """Every key and every value of the database as one text."""
    return "\n".join(f"{key}\n{values}" for key, values in entries(conn).items())


def holding(conn: Any, needle: str) -> list[str]:
    """The keys whose name or values contain `needle`."""
    return [key for key, values in entries(conn).items() if needle in key or needle in values]
