"""CPU per webhook in-process, by WSGI call: the floor, the dispatch, and Flask alone.

    HOTLINE_REDIS_URL=redis://127.0.0.1:6379 python bench/wsgi_cpu.py [--requests 800]

No gunicorn, no sockets of the benchmark's own, no test client: the same signed
conversations as bench/run.py (following each Gather's action), each request's WSGI
environ built beforehand, and only the call into the app counted (this process's CPU
time, Redis's not). Alternates, round by round: the floor (bench/baseline_app.py), the
hotline answered by web/webhook_dispatch.py in front of Flask, and the hotline with the
dispatch turned off (every webhook through Flask's request machinery and the /twilio
blueprints). Steadier than the gunicorn figures on a shared machine: a ratio here is
not disturbed by other processes taking turns on the CPUs.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from collections.abc import Callable, Iterable
from typing import Any

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import baseline_app
import callers
import run
import servers
from werkzeug.test import EnvironBuilder

WSGI = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


def _start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> None:
    assert status.startswith("200"), status


def posts(n: int, mix: str, rng: random.Random, signer: callers.Signer, follow: bool,
          answer: Callable[[dict[str, Any]], bytes]) -> int:
    """Post at least `n` requests of whole conversations, each through `answer(environ) ->
    body` (a Gather's keypress to the action URL of the answer before, when `follow`);
    return how many were posted."""
    done = 0
    while done < n:
        action = ""
        for step in callers.pick(rng, mix).steps:
            path = action if step.route == "gather" and action else step.path
            environ = EnvironBuilder(path=path, method="POST", data=step.params,
                                     base_url="http://127.0.0.1",
                                     headers=signer.headers(path, step.params)).get_environ()
            body = answer(environ)
            action = callers.gather_action(body) if follow else ""
            done += 1
    return done


def drive(wsgi: WSGI, n: int, mix: str, rng: random.Random, signer: callers.Signer,
          follow: bool) -> float:
    """Post `n` requests of whole conversations; return the CPU ms per request."""
    cpu = 0.0

    def answer(environ: dict[str, Any]) -> bytes:
        nonlocal cpu
        started = time.process_time()
        body = b"".join(wsgi(environ, _start_response))
        cpu += time.process_time() - started
        return body

    done = posts(n, mix, rng, signer, follow, answer)
    return cpu * 1000 / done


def main() -> None:
    """Set up, warm up, alternate the three ways in, print the medians and the ratios."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=800, help="per round, way and mix")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    from hotline import create_app
    from hotline.ops.demo_data import load_samples
    workdir = servers.workdir()
    bench_redis = servers.BenchRedis(os.environ.get("HOTLINE_REDIS_URL"), workdir)
    try:
        settings = run._settings(bench_redis.url, os.path.join(workdir, "data"))
        app = create_app(dict(settings))
        load_samples(app)
        dispatch = app.extensions.get("webhook_dispatch")  # None: a tree before it
        ways = ("dispatch", "flask") if dispatch is not None else ("flask",)
        signer, rng = callers.Signer(run.TOKEN), random.Random(7)
        drive(app.wsgi_app, 300, "full", rng, signer, True)  # warm up
        for mix in ("core", "full"):
            found: dict[str, list[float]] = {"floor": [], **{way: [] for way in ways}}
            for _ in range(args.rounds):
                found["floor"].append(drive(baseline_app.app.wsgi_app, args.requests, mix,
                                            rng, signer, False))
                for way in ways:
                    if dispatch is not None:
                        dispatch.enabled = way == "dispatch"
                    found[way].append(drive(app.wsgi_app, args.requests, mix, rng, signer,
                                            True))
            if dispatch is not None:
                dispatch.enabled = True
            median = {way: statistics.median(values) for way, values in found.items()}
            print(f"{mix} mix, CPU ms per webhook (median of {args.rounds} rounds): "
                  + ", ".join(f"{way} {value:.3f}" for way, value in median.items())
                  + "; " + ", ".join(f"floor/{way} {median['floor'] / median[way]:.2f}"
                                     for way in ways))
    finally:
        bench_redis.close()
        servers.remove(workdir)


if __name__ == "__main__":
    main()
