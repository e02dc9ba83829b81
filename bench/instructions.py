"""Instructions per webhook, counted by valgrind: a figure a shared machine does not blur.

    HOTLINE_REDIS_URL=redis://127.0.0.1:6379 python bench/instructions.py [--mix core]
    ... python bench/instructions.py --without signature,seal,metrics   # what each costs

CPU time on a shared 2-core machine moves by a tenth or more from one round to the next,
more than most single changes to the webhook path are worth. The number of instructions
the interpreter runs for a webhook does not: valgrind's callgrind counts them exactly.
Each figure is the difference of two runs under callgrind, the same setup (app, sample
data, warm-up) followed by `--short` and by `--long` webhooks of the benchmark's signed
conversations, in-process (bench/wsgi_cpu.py's way: each request's environ built
beforehand, only the call into the app counted); the setup cancels out. Run to run, the
difference moves by about 8,000 instructions a webhook (0.4 %).

`--floor` also counts the framework floor (bench/baseline_app.py) on the same posts.
`--without PART` counts again with one part of the webhook replaced by nothing, to tell
what it costs. Each of these is its own pair of runs, short and long, of the same kind
(until 2026-12-07 they were taken against the hotline's short run, which put the floor at
1.2 times its count less a fifth of the hotline's, and each part at 1.2 times its own).
Without a part the answers are no longer right, and none of these is a setting of the
app: `signature` (the X-Twilio-Signature check passes without computing), `seal`
(AES-GCM sealing and opening of sessions and kept answers: the text as it is), `metrics`
(the latency histogram), `phonenumbers` (every number taken as sent: none parsed).

Only user-space instructions of this process are counted: not the kernel's part of the
Redis round trips, not Redis. Under valgrind, OpenSSL may not use every instruction-set
extension of the CPU, so the cryptography's share is an upper bound. Needs `valgrind`
(Debian's package); each run takes about a minute.
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from typing import Any

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)


_apps: list[Any] = []  # the app of a child run (--without metrics reaches its dispatch)


def _without(part: str) -> Callable[[], None]:
    """Replace one part of the webhook path by nothing (for counting only)."""
    if part == "signature":
        from hotline.web import webhook_dispatch

        def valid(*args: Any) -> bool:
            return True
        return lambda: setattr(webhook_dispatch, "signature_valid", valid)
    if part == "seal":
        from hotline.privacy.vault import SEAL_PREFIX, NumberVault

        def seal(self: Any, text: str | bytes) -> str:
            return SEAL_PREFIX + (text if isinstance(text, str) else text.decode())

        def open_sealed(self: Any, token: bytes) -> str:
            return token[len(SEAL_PREFIX):].decode()

        def apply() -> None:
            NumberVault.seal = seal  # type: ignore[method-assign]
            NumberVault._open_sealed = open_sealed  # type: ignore[method-assign]
        return apply
    if part == "metrics":
        from hotline.web import metrics

        class Nothing:
            def labels(self, *args: Any) -> Nothing:
                return self

            def observe(self, value: float) -> None:
                pass

        def apply_metrics() -> None:
            metrics.WEBHOOK_SECONDS = Nothing()  # type: ignore[assignment]
            for app in _apps:  # the dispatch's children of the histogram, made in the warm-up
                app.extensions["webhook_dispatch"].timers.clear()
        return apply_metrics
    if part == "phonenumbers":
        import types

        import phonenumbers

        from hotline import numbers

        # Every parse goes through hotline/numbers.py (to_e164, country_of, mask): its
        # phonenumbers made to take a number as sent, valid, and of the country it was
        # sent from, so that no module parses one (until 2026-12-07 only the caller hash's
        # parse was replaced, and the same number was parsed anyway for the claim's look-up
        # of volunteers and for a new conversation's country: nothing was counted).
        class Number(str):
            pass

        def parse(raw: str, region: Any = None) -> Number:
            return Number(raw)

        shim = types.SimpleNamespace(
            parse=parse, is_valid_number=lambda parsed: True,
            format_number=lambda parsed, form: str(parsed),
            region_code_for_number=lambda parsed: "KR", PhoneNumberFormat=phonenumbers.PhoneNumberFormat,
            NumberParseException=phonenumbers.NumberParseException, PhoneNumber=Number)
        return lambda: setattr(numbers, "phonenumbers", shim)
    raise SystemExit(f"--without: no part {part!r} (signature, seal, metrics, phonenumbers)")


def child(requests: int, mix: str, without: str) -> None:
    """Under valgrind: set up, warm up, then `requests` webhooks."""
    import callers
    import run
    import servers

    from hotline import create_app
    from hotline.ops.demo_data import load_samples

    workdir = servers.workdir()
    bench_redis = servers.BenchRedis(os.environ.get("HOTLINE_REDIS_URL"), workdir)
    try:
        app = create_app(dict(run._settings(bench_redis.url, os.path.join(workdir, "data"))))
        _apps.append(app)
        load_samples(app)
        signer = callers.Signer(run.TOKEN)
        _drive(app.wsgi_app, 300, "full", signer, True, seed=7)  # warm-up: not counted either
        if without == "floor":  # the framework floor (bench/baseline_app.py), same posts
            import baseline_app
            _drive(baseline_app.app.wsgi_app, requests, mix, signer, False)
            return
        if without:
            _without(without)()
        _drive(app.wsgi_app, requests, mix, signer, True)
    finally:
        bench_redis.close()
        servers.remove(workdir)


def _drive(wsgi: Any, n: int, mix: str, signer: Any, follow: bool, seed: int = 11) -> None:
    """bench/wsgi_cpu.py's posts, each call into the app made through functools.reduce:
    callgrind counts only inside that C function (--toggle-collect), so building the
    requests and reading the answers is not counted."""
    import wsgi_cpu

    def call(_: Any, environ: dict[str, Any]) -> bytes:
        return b"".join(wsgi(environ, wsgi_cpu._start_response))

    wsgi_cpu.posts(n, mix, random.Random(seed), signer, follow,
                   lambda environ: functools.reduce(call, [environ], b""))


def count(requests: int, mix: str, without: str) -> int:
    """Instructions of one child run under callgrind."""
    with tempfile.TemporaryDirectory(prefix="callgrind-") as folder:
        argv = ["valgrind", "--tool=callgrind", "--cache-sim=no", "--collect-atstart=no",
                "--toggle-collect=functools_reduce",
                f"--callgrind-out-file={os.path.join(folder, 'out')}", sys.executable,
                os.path.abspath(__file__), "--child", str(requests), "--mix", mix,
                "--without", without]
        done = subprocess.run(argv, capture_output=True, text=True, check=False)
    found = re.search(r"Collected : (\d+)", done.stderr)
    if done.returncode != 0 or not found:
        raise SystemExit(f"valgrind run failed ({done.returncode}):\n{done.stderr[-2000:]}")
    return int(found.group(1))


def figures(count: Callable[[int, str, str], int], short: int, long: int, mix: str,
            parts: list[str], floor: bool) -> dict[str, Any]:
    """Instructions a webhook, each the difference of a `long` and a `short` run of the
    same kind (`count(requests, mix, without)`), so that what comes before the webhooks
    (setup, warm-up) cancels out: the hotline, the floor, and the hotline without each
    part."""
    n = long - short

    def per_webhook(without: str) -> float:
        return (count(long, mix, without) - count(short, mix, without)) / n

    base = per_webhook("")
    out: dict[str, Any] = {"mix": mix, "webhooks": n, "instructions_per_webhook": round(base)}
    if floor:
        out["floor_instructions_per_webhook"] = round(per_webhook("floor"))
    for part in parts:
        out.setdefault("parts", {})[part] = round(base - per_webhook(part))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mix", default="core", choices=("core", "full"))
    parser.add_argument("--short", type=int, default=100, help="webhooks of the short run")
    parser.add_argument("--long", type=int, default=600, help="webhooks of the long run")
    parser.add_argument("--without", default="",
                        help="comma-separated parts to count without, one at a time")
    parser.add_argument("--floor", action="store_true",
                        help="also count the framework floor (bench/baseline_app.py)")
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--json", action="store_true", help="also print the figures as JSON")
    args = parser.parse_args()
    if args.child is not None:
        child(args.child, args.mix, args.without)
        return
    if shutil.which("valgrind") is None:
        raise SystemExit("needs valgrind (apt-get install valgrind)")
    parts = [p.strip() for p in args.without.split(",") if p.strip()]
    for part in parts:
        _without(part)  # an unknown part fails before a minute is spent
    found = figures(count, args.short, args.long, args.mix, parts, args.floor)
    base = found["instructions_per_webhook"]
    print(f"{args.mix} mix: {base:,} instructions a webhook ({found['webhooks']} webhooks "
          f"in-process, the app's own user-space work)")
    if args.floor:
        floor = found["floor_instructions_per_webhook"]
        print(f"  the floor: {floor:,} a webhook (floor/hotline {floor / base:.2f})")
    for part, cost in found.get("parts", {}).items():
        print(f"  {part}: {cost:,} a webhook ({cost / base:.1%})")
    if args.json:
        print(json.dumps(found))


if __name__ == "__main__":
    main()
