"""Answer times of every /twilio route while a real Redis is up, stopped, hung and back.

Run: python bench/outage_bench.py   (needs redis-server on PATH; starts its own on a free port)
Prints median and max per state; the promise is the fallback within 1 s (REDIS_TIMEOUT 0.3 s).
"""

from __future__ import annotations

import itertools
import sys
import tempfile
import threading
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from werkzeug.serving import make_server

from hotline import create_app
from hotline.privacy.vault import new_key
from tests.web.test_redis_outage import CALLER, RedisServer, free_port, post

ROUNDS = 3


def sweep(app, routes, label: str, sids) -> None:
    times = []
    for _ in range(ROUNDS):
        for route in routes:
            n = next(sids)
            _, elapsed = post(app, f"{route}?request=1001&case=ACD&step=1&lang=ko",
                              {"From": CALLER, "To": "+15005550006", "CallSid": f"CA{n}",
                               "MessageSid": f"SM{n}", "Body": "안녕하세요", "Digits": "1"})
            times.append(elapsed)
    times.sort()
    print(f"{label:14} {len(times)} requests  median {times[len(times) // 2] * 1000:4.0f} ms"
          f"  max {times[-1] * 1000:4.0f} ms")


def main() -> None:
    data = tempfile.mkdtemp()
    redis_server = RedisServer(data)
    redis_server.start()
    port = free_port()
    app = create_app({"TESTING": True, "REDIS_URL": f"redis://127.0.0.1:{redis_server.port}/0",
                      "PUBLIC_URL": f"http://127.0.0.1:{port}", "SECRET_KEY": "bench",
                      "TWILIO_AUTH_TOKEN": "bench", "ENCRYPTION_KEY": new_key(),
                      "DATA_DIR": data})
    web = make_server("127.0.0.1", port, app, threaded=True)
    threading.Thread(target=web.serve_forever, daemon=True).start()
    routes = sorted(r.rule for r in app.url_map.iter_rules() if r.rule.startswith("/twilio/"))
    sids = itertools.count(1)
    try:
        sweep(app, routes, "redis up", sids)
        redis_server.stop()
        sweep(app, routes, "redis stopped", sids)
        redis_server.start()
        redis_server.pause()
        sweep(app, routes, "redis hung", sids)
        redis_server.resume()
        sweep(app, routes, "redis back", sids)
    finally:
        redis_server.stop()
        web.shutdown()


if __name__ == "__main__":
    main()
