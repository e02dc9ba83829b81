"""A light HTTP/1.1 client for the load generator: raw asyncio streams, keep-alive.

httpx cost about 3 ms of client CPU per request, so on a 2-core machine the generator
saturated a core before the bare Flask floor did, and the floor was measured against the
generator. This client writes a form POST in one write and reads the answer by its
Content-Length (or chunks, or until close): about a tenth of that. Loopback only.
"""

from __future__ import annotations

import asyncio
from urllib.parse import urlencode, urlsplit


class HTTPError(Exception):
    """The connection failed or the answer was not HTTP/1.1 as expected."""


class Connection:
    """One keep-alive connection to host:port; post() reconnects when the server closed it."""

    def __init__(self, base_url: str, timeout: float = 15.0):
        parts = urlsplit(base_url)
        self.host, self.port = parts.hostname or "127.0.0.1", parts.port or 80
        self.timeout = timeout
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None
        self._host_header = f"{self.host}:{self.port}"

    async def _open(self) -> None:
        self._reader, self._writer = await asyncio.open_connection(self.host, self.port)

    def close(self) -> None:
        """Close the socket (if open)."""
        if self._writer is not None:
            self._writer.close()
        self._reader = self._writer = None

    async def post(self, path: str, params: dict[str, str],
                   headers: dict[str, str]) -> tuple[int, bytes]:
        """POST `params` as a form; return (status, body). A connection the server closed
        while idle (keep-alive timeout) is reopened and the request sent once more, only
        when not a byte of an answer had arrived."""
        body = urlencode(params).encode("utf-8")
        extra = "".join(f"{name}: {value}\r\n" for name, value in headers.items())
        request = (f"POST {path} HTTP/1.1\r\nHost: {self._host_header}\r\n"
                   "Content-Type: application/x-www-form-urlencoded\r\n"
                   f"Content-Length: {len(body)}\r\n{extra}\r\n").encode("latin-1") + body
        for attempt in (1, 2):
            reused = self._writer is not None
            try:
                return await asyncio.wait_for(self._exchange(request), self.timeout)
            except _Closed:
                self.close()
                if not reused or attempt == 2:
                    raise HTTPError("the server closed the connection") from None
            except (TimeoutError, OSError, asyncio.IncompleteReadError) as exc:
                self.close()
                raise HTTPError(f"{type(exc).__name__} {exc}") from exc
        raise AssertionError("unreachable")

    async def _exchange(self, request: bytes) -> tuple[int, bytes]:
        if self._writer is None:
            await self._open()
        assert self._reader is not None and self._writer is not None
        self._writer.write(request)
        try:
            head = await self._reader.readuntil(b"\r\n\r\n")
        except asyncio.IncompleteReadError as exc:
            if not exc.partial:
                raise _Closed from None
            raise
        except ConnectionResetError:
            raise _Closed from None
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split(" ", 2)[1])
        length, chunked, close = None, False, False
        for line in lines[1:]:
            name, _, value = line.partition(":")
            name = name.strip().lower()
            if name == "content-length":
                length = int(value)
            elif name == "transfer-encoding" and "chunked" in value.lower():
                chunked = True
            elif name == "connection" and value.strip().lower() == "close":
                close = True
        if chunked:
            body = await self._chunks()
        elif length is not None:
            body = await self._reader.readexactly(length)
        else:
            body, close = await self._reader.read(), True
        if close:
            self.close()
        return status, body

    async def _chunks(self) -> bytes:
        assert self._reader is not None
        parts = []
        while True:
            size = int((await self._reader.readuntil(b"\r\n")).split(b";")[0], 16)
            if size == 0:
                await self._reader.readuntil(b"\r\n")
                return b"".join(parts)
            parts.append(await self._reader.readexactly(size))
            await self._reader.readexactly(2)


class _Closed(Exception):
    """The server had closed the idle connection before our request."""
