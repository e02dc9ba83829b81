"""Profile the webhooks in-process (pyinstrument) with the benchmark's conversation mix.

    HOTLINE_REDIS_URL=redis://127.0.0.1:6379 python bench/profile.py [--requests 3000]
    ... python bench/profile.py --cprofile [--top 30]   # cProfile, CPU clock: top functions

Builds the app as bench/run.py does (own Redis database, sample data), posts the same
signed conversations through Flask's test client (no gunicorn, no sockets of its own),
and prints where the time goes, then the CPU time per request. No worker runs: jobs
queue up and are dropped with the database.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from typing import Any

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import callers
import run
import servers


def _stdlib_profilers() -> tuple[Any, Any]:
    """cProfile and pstats (this file's name hides the standard library's `profile`,
    which cProfile imports, while bench/ is first on sys.path)."""
    saved = sys.path[:]
    sys.path[:] = [p for p in sys.path if os.path.abspath(p or ".") != HERE]
    try:
        import cProfile
        import pstats
    finally:
        sys.path[:] = saved
    return cProfile, pstats


def main() -> None:
    """Set up, warm up, profile N requests, print the profile."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--interval", type=float, default=0.0005, help="sampling, seconds")
    parser.add_argument("--cprofile", action="store_true",
                        help="cProfile with the CPU clock instead of pyinstrument: print the "
                             "top functions by own time and by cumulative time")
    parser.add_argument("--top", type=int, default=30, help="functions listed (--cprofile)")
    parser.add_argument("--save", metavar="FILE", help="--cprofile: also save the stats (pstats)")
    args = parser.parse_args()
    from hotline import create_app
    from hotline.ops.demo_data import load_samples

    workdir = servers.workdir()
    bench_redis = servers.BenchRedis(os.environ.get("HOTLINE_REDIS_URL"), workdir)
    try:
        settings = run._settings(bench_redis.url, os.path.join(workdir, "data"))
        app = create_app(dict(settings))
        load_samples(app)
        client, signer, rng = app.test_client(), callers.Signer(run.TOKEN), random.Random(7)

        def post_conversations(n: int) -> int:
            done = 0
            while done < n:
                for step in callers.pick(rng).steps:
                    reply = client.post(step.path, data=step.params,
                                        headers=signer.headers(step.path, step.params))
                    assert reply.status_code == 200, reply.status_code
                    done += 1
            return done

        post_conversations(300)  # warm up: imports, connections, directory index
        if args.cprofile:
            cProfile, pstats = _stdlib_profilers()
            profile = cProfile.Profile(time.process_time)
            cpu = time.process_time()
            profile.enable()
            done = post_conversations(args.requests)
            profile.disable()
            cpu = time.process_time() - cpu
            if args.save:
                profile.dump_stats(args.save)
            stats = pstats.Stats(profile).strip_dirs()
            stats.sort_stats("tottime").print_stats(args.top)
            stats.sort_stats("cumulative").print_stats(args.top)
        else:
            from pyinstrument import Profiler

            profiler = Profiler(interval=args.interval)
            cpu = time.process_time()
            profiler.start()
            done = post_conversations(args.requests)
            profiler.stop()
            cpu = time.process_time() - cpu
            print(profiler.output_text(unicode=False, color=False))
        print(f"{done} requests, {cpu * 1000 / done:.2f} ms CPU per request in-process "
              f"(test client and profiler included)")
    finally:
        bench_redis.close()
        servers.remove(workdir)


if __name__ == "__main__":
    main()
