"""Does Redis run a write sent on one connection before a read sent later on another?

    HOTLINE_REDIS_URL=redis://127.0.0.1:6379/2 python bench/redis_order.py [--pairs 32]

Why every step's write is waited for (hotline/lua.py, replay_guard.keep): a caller's
next step may be read on another connection (another thread or process) right after the
answer. Each of `--pairs` processes holds two connections, A and B: it sends SET on A
without reading the reply, waits `--gap` (the answer's trip to Twilio and back), then
sends GET on B and checks that it sees the value just set. Redis does not promise that
order across connections (it serves its ready sockets in the order the kernel lists
them), and on a busy machine it does not keep it: the count of stale reads is printed
for each gap. Only keys under `hotline-bench:order:` are touched, and deleted after.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import socket
import time
from urllib.parse import urlsplit

PREFIX = b"hotline-bench:order:"


def _command(*parts: bytes) -> bytes:
    out = b"*%d\r\n" % len(parts)
    for part in parts:
        out += b"$%d\r\n%s\r\n" % (len(part), part)
    return out


def _connect(url: str) -> socket.socket:
    parts = urlsplit(url)
    if parts.scheme == "unix":
        sock = socket.socket(socket.AF_UNIX)
        sock.connect(parts.path)
    else:
        sock = socket.create_connection((parts.hostname or "127.0.0.1", parts.port or 6379))
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    db = (parts.path.strip("/") if parts.scheme != "unix" else "") or "0"
    sock.sendall(_command(b"SELECT", db.encode()))
    assert sock.recv(16).startswith(b"+OK")
    return sock


def _reply_line(sock: socket.socket, buffer: bytearray) -> bytes:
    while b"\r\n" not in buffer:
        buffer += sock.recv(4096)
    line, _, rest = bytes(buffer).partition(b"\r\n")
    buffer[:] = rest
    return line


def _pair(url: str, index: int, count: int, gap: float, results: multiprocessing.Queue) -> None:
    a, b = _connect(url), _connect(url)
    key = PREFIX + str(index).encode()
    a_buffer, b_buffer = bytearray(), bytearray()
    stale, unread = 0, 0
    for n in range(count):
        value = str(n).encode()
        a.sendall(_command(b"SET", key, value))  # not waited for
        unread += 1
        if gap:
            time.sleep(gap)
        b.sendall(_command(b"GET", key))
        header = _reply_line(b, b_buffer)  # $<length>, $-1: no such key
        if header == b"$-1" or _reply_line(b, b_buffer) != value:
            stale += 1
        if unread >= 64:  # A's +OK replies, read now and then
            for _ in range(unread):
                _reply_line(a, a_buffer)
            unread = 0
    b.sendall(_command(b"DEL", key))
    _reply_line(b, b_buffer)
    results.put(stale)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pairs", type=int, default=32, help="processes, two connections each")
    parser.add_argument("--count", type=int, default=1500, help="write-then-read pairs each")
    parser.add_argument("--gaps", default="0,0.0001,0.0005,0.002",
                        help="seconds between the write sent and the read, comma-separated")
    args = parser.parse_args()
    url = os.environ.get("HOTLINE_REDIS_URL", "redis://127.0.0.1:6379/0")
    for gap in (float(g) for g in args.gaps.split(",")):
        results: multiprocessing.Queue = multiprocessing.Queue()
        procs = [multiprocessing.Process(target=_pair, args=(url, i, args.count, gap, results))
                 for i in range(args.pairs)]
        started = time.monotonic()
        for proc in procs:
            proc.start()
        stale = sum(results.get() for _ in procs)
        for proc in procs:
            proc.join()
        total = args.pairs * args.count
        print(f"gap {gap * 1000:.1f} ms: {stale} of {total} reads on the other connection "
              f"missed the write sent before them ({stale / total:.3%}; "
              f"{time.monotonic() - started:.1f} s)")


if __name__ == "__main__":
    main()
