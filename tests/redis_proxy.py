"""A TCP proxy in front of this run's Redis, for tests of what the network does to a command.

RedisProxy forwards both ways, byte for byte; a subclass decides what happens to a chunk
on its way to Redis (`upstream`): forwarded, held up, swallowed, answered in Redis's
place, or the connection cut. The app under test is given `proxy.url()`.
"""

from __future__ import annotations

import socket
import threading
from urllib.parse import parse_qs, urlsplit


class RedisProxy:
    """Listens on a loopback port; each connection gets one to Redis (TCP or Unix socket)."""

    def __init__(self, redis_url: str) -> None:
        self.upstream_url = urlsplit(redis_url)
        self.accepted = 0
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = int(self.sock.getsockname()[1])
        threading.Thread(target=self._accept, daemon=True).start()

    def url(self) -> str:
        """The Redis URL of the same database, through the proxy."""
        query = parse_qs(self.upstream_url.query)
        db = query["db"][0] if "db" in query else (self.upstream_url.path.strip("/") or "0")
        return f"redis://127.0.0.1:{self.port}/{db}"

    def upstream(self, data: bytes, client: socket.socket, server: socket.socket) -> bool:
        """What to do with `data` on its way to Redis: True forwards it (the default);
        False drops it (having answered, cut or swallowed it)."""
        return True

    def close(self) -> None:
        self.sock.close()

    def _connect(self) -> socket.socket:
        if self.upstream_url.scheme == "unix":
            server = socket.socket(socket.AF_UNIX)
            server.connect(self.upstream_url.path)
            return server
        return socket.create_connection((self.upstream_url.hostname or "127.0.0.1",
                                         self.upstream_url.port or 6379))

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.sock.accept()
            except OSError:
                return
            self.accepted += 1
            server = self._connect()
            threading.Thread(target=self._pump, args=(client, server, True), daemon=True).start()
            threading.Thread(target=self._pump, args=(server, client, False),
                             daemon=True).start()

    def _pump(self, source: socket.socket, sink: socket.socket, to_redis: bool) -> None:
        try:
            while data := source.recv(65536):
                if to_redis and not self.upstream(data, source, sink):
                    continue
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for end in (source, sink):
                try:
                    end.close()
                except OSError:
                    pass
