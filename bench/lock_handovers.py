"""Who lets go of the interpreter lock, a webhook, in the hotline and in the floor.

    sudo HOTLINE_REDIS_URL=redis://127.0.0.1:6379 python bench/lock_handovers.py
    ... python bench/lock_handovers.py --mix full --seconds 8 --callers 32
    ... python bench/lock_handovers.py --tree /tmp/old   # a worktree of another commit

In a gunicorn worker whose other threads wait for the interpreter lock, every let-go
(CPython's PyEval_SaveThread: a system call, a C library that "allows threads") wakes one
of them, and the thread that let go often waits to get the lock back: task switches,
which on a virtual machine cost about as much as the Python around them. This counts
them, by the C function that let go, with a uprobe on PyEval_SaveThread (perf), while the
benchmark's conversations run at the closed-loop level against each app in turn; then
the task switches a webhook (`perf stat -e context-switches`). Both apps run as
bench/run.py runs them (same gunicorn settings, own Redis database, sample data).

Needs Linux's `perf` (Debian's linux-perf) and the right to place uprobes (root); the
twelfth pass of issue 16 (bench/analysis.md) is what it found. Not timed: counts a
webhook, steady from run to run (about 1 %).
"""

from __future__ import annotations

import argparse
import collections
import os
import shutil
import subprocess
import sys
import sysconfig
import tempfile
import time
from typing import Any

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import compare
import load
import run
import servers

EVENT = "hotline_bench:lock_letgo"


def _libpython() -> str:
    """The file that holds PyEval_SaveThread: libpython when Python is built shared, else
    the interpreter itself."""
    shared = os.path.join(str(sysconfig.get_config_var("LIBDIR") or ""),
                          str(sysconfig.get_config_var("LDLIBRARY") or ""))
    return shared if shared.endswith(".so") and os.path.exists(shared) else sys.executable


def _perf(*args: str, **kwargs: Any) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["perf", *args], capture_output=True, text=True, **kwargs)


def _workers(web: Any) -> list[int]:
    """The gunicorn workers' process ids (the master answers no webhook)."""
    return [pid for pid in web.pids() if pid != web.popen.pid]


def _under(command: list[str], web: Any, callers: int, seconds: float,
           mix: str) -> tuple[int, str]:
    """Run `command` (perf, attached to the workers) while the load runs; return the
    webhooks answered and what perf printed on stderr."""
    pids = ",".join(map(str, _workers(web)))
    perf = subprocess.Popen([*command, "-p", pids], stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True)
    time.sleep(0.5)  # attached
    done = load.drive(web.url, run.TOKEN, callers, seconds=seconds, mix=mix, seed=1)
    perf.send_signal(2)
    _, err = perf.communicate(timeout=60)
    return int(done["figures"]["requests"]), err


def _letgoes(data: str) -> collections.Counter[str]:
    """Samples of the uprobe grouped by the function that called PyEval_SaveThread."""
    script = _perf("script", "-i", data, "-F", "ip,sym")
    found: collections.Counter[str] = collections.Counter()
    frames: list[str] = []
    for line in [*script.stdout.splitlines(), ""]:
        if line.strip():
            frames.append(line.split(None, 1)[1] if " " in line.strip() else "?")
        elif frames:
            found[frames[1] if len(frames) > 1 else "?"] += 1
            frames = []
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mix", default="core", choices=("core", "full"))
    parser.add_argument("--callers", type=int, default=32)
    parser.add_argument("--seconds", type=float, default=5.0, help="per app and count")
    parser.add_argument("--top", type=int, default=12, help="functions listed")
    parser.add_argument("--tree", default=servers.ROOT,
                        help="the hotline's source tree to run (default: this one); a git "
                             "worktree of another commit counts that commit")
    args = parser.parse_args()
    if shutil.which("perf") is None:
        raise SystemExit("needs perf (Debian: apt-get install linux-perf)")
    _perf("probe", "-d", EVENT)  # one left by a run that was stopped
    added = _perf("probe", "-x", _libpython(), f"{EVENT}=PyEval_SaveThread")
    if added.returncode != 0:
        said = added.stderr.strip().splitlines()
        raise SystemExit("perf could not place the uprobe (root is needed): "
                         + (said[-1] if said else f"exit {added.returncode}"))
    workdir = servers.workdir()
    scratch = tempfile.mkdtemp(prefix="hotline-lock-")
    started: list[tuple[Any, list[Any]]] = []
    try:
        bench_redis, procs, hotline = compare._start("hotline", os.path.abspath(args.tree), workdir,
                                                     args.mix == "full",
                                                     os.environ.get("HOTLINE_REDIS_URL"))
        started.append((bench_redis, procs))
        env = run._environment(run._settings(bench_redis.url, os.path.join(workdir, "f")),
                               workdir)
        floor = servers.gunicorn("baseline", "baseline_app:app", env, workdir, cwd=HERE)
        started.append((None, [floor]))
        counts: dict[str, tuple[int, collections.Counter[str]]] = {}
        switches: dict[str, float] = {}
        for name, web in (("floor", floor), ("hotline", hotline)):
            load.drive(web.url, run.TOKEN, 4, requests=1000, seconds=30, mix=args.mix)
            data = os.path.join(scratch, f"{name}.data")
            webhooks, _ = _under(["perf", "record", "-q", "-e", EVENT, "-g", "-o", data],
                                 web, args.callers, args.seconds, args.mix)
            counts[name] = (webhooks, _letgoes(data))
            webhooks, err = _under(["perf", "stat", "-x", ",", "-e", "context-switches"],
                                   web, args.callers, args.seconds, args.mix)
            value = next((line.split(",")[0] for line in err.splitlines()
                          if "context-switches" in line), "")
            switches[name] = int(value) / max(1, webhooks) if value.isdigit() else float("nan")
        print(f"{args.mix} mix, {args.callers} callers, {args.seconds:g} s an app: "
              "let-goes of the interpreter lock a webhook, by the function that let go")
        names = sorted({fn for _, found in counts.values() for fn in found},
                       key=lambda fn: -counts["hotline"][1][fn])[:args.top]
        print(f"  {'':<34} {'floor':>8} {'hotline':>8}")
        for fn in names:
            print(f"  {fn[:34]:<34} " + " ".join(
                f"{counts[app][1][fn] / max(1, counts[app][0]):8.2f}" for app in counts))
        print(f"  {'all':<34} " + " ".join(
            f"{sum(counts[app][1].values()) / max(1, counts[app][0]):8.2f}" for app in counts))
        print(f"  {'task switches':<34} " + " ".join(f"{switches[app]:8.2f}" for app in counts))
    finally:
        _perf("probe", "-d", EVENT)
        for bench_redis, procs in reversed(started):
            for proc in reversed(procs):
                proc.stop()
            if bench_redis is not None:
                bench_redis.close()
        servers.remove(workdir)
        servers.remove(scratch)
    return 0


if __name__ == "__main__":
    sys.exit(main())
