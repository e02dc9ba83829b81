"""Two versions of the hotline side by side: server CPU per webhook, paired in one run.

    HOTLINE_REDIS_URL=redis://127.0.0.1:6379 python bench/compare.py --before 9c0be85
    ... python bench/compare.py --before main --after . --mix core,full --rounds 6

On a shared or virtual machine the CPU per webhook of one `bench/run.py` run and the next
differ by 10-20 % with nothing changed, more than most single changes save. This puts
both versions under the same gunicorn settings at once (each with its own Redis database
and sample data; for the full mix each with its own RQ worker) and drives them in turns,
`--rounds` rounds of `--seconds` each, the order swapped every round, so that whatever
else the machine does falls on both alike. `--before`/`--after` name a git ref (checked
out into a temporary worktree) or a directory holding a tree ('.' is this one).

Prints, per mix, each version's CPU ms per webhook (web processes: gunicorn's master and
workers, psutil), its requests a second and wrong answers, and after/before.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from typing import Any

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)

import load
import run
import servers


def _tree(ref: str, scratch: str) -> tuple[str, bool]:
    """A directory holding `ref`: itself if it is one, else a git worktree of it."""
    if os.path.isdir(ref) and os.path.exists(os.path.join(ref, "hotline", "__init__.py")):
        return os.path.abspath(ref), False
    path = os.path.join(scratch, "tree-" + "".join(c if c.isalnum() else "-" for c in ref))
    subprocess.run(["git", "-C", ROOT, "worktree", "add", "--detach", path, ref],
                   check=True, capture_output=True)
    return path, True


def _start(name: str, tree: str, workdir: str, with_worker: bool,
           base_url: str | None) -> tuple[Any, list[Any], Any]:
    """Redis database, sample data, (worker,) gunicorn for one tree."""
    own = os.path.join(workdir, name)
    os.makedirs(own, exist_ok=True)
    bench_redis = servers.BenchRedis(base_url, own)
    settings = run._settings(bench_redis.url, os.path.join(own, "data"))
    env = run._environment(settings, own)
    env["PYTHONPATH"] = tree
    load_samples = ("import sys, run; [print(line) for line in run._load_samples(dict("
                    "arg.split('=', 1) for arg in sys.argv[1:]))]")
    subprocess.run([sys.executable, "-c", load_samples,
                    *(f"{k}={v}" for k, v in settings.items())],
                   env={**env, "PYTHONPATH": tree + os.pathsep + HERE}, cwd=tree, check=True,
                   capture_output=True)
    procs = []
    if with_worker:
        procs.append(servers.worker(env, own, bench_redis.conn, cwd=tree))
    web = servers.gunicorn(name, "hotline:create_app()", env, own, cwd=tree)
    procs.append(web)
    return bench_redis, procs, web


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", required=True, help="git ref or directory")
    parser.add_argument("--after", default=".", help="git ref or directory (default: .)")
    parser.add_argument("--mix", default="core,full", choices=("core", "full", "core,full"),
                        help="core, full, or both as core,full (the default)")
    parser.add_argument("--callers", type=int, default=32)
    parser.add_argument("--rounds", type=int, default=6)
    parser.add_argument("--seconds", type=float, default=5.0, help="per round and version")
    args = parser.parse_args()
    base_url = os.environ.get("HOTLINE_REDIS_URL") or None
    scratch = tempfile.mkdtemp(prefix="hotline-compare-")
    worktrees: list[str] = []
    failed = False
    try:
        trees = {}
        for name, ref in (("before", args.before), ("after", args.after)):
            path, made = _tree(ref, scratch)
            trees[name] = path
            if made:
                worktrees.append(path)
        for mix in args.mix.split(","):
            workdir = servers.workdir()
            started: list[tuple[Any, list[Any]]] = []
            try:
                webs = {}
                for name, tree in trees.items():
                    bench_redis, procs, web = _start(name, tree, workdir, mix == "full",
                                                     base_url)
                    started.append((bench_redis, procs))
                    load.drive(web.url, run.TOKEN, 4, requests=1000, seconds=30)  # warm up
                    webs[name] = web
                totals = {name: [0.0, 0, 0.0, 0] for name in webs}  # cpu, requests, s, errors
                order = list(webs)
                for index in range(args.rounds):
                    for name in order if index % 2 == 0 else order[::-1]:
                        web = webs[name]
                        cpu = web.cpu_seconds()
                        done = load.drive(web.url, run.TOKEN, args.callers,
                                          seconds=args.seconds, mix=mix, seed=index)
                        figures = done["figures"]
                        total = totals[name]
                        total[0] += web.cpu_seconds() - cpu
                        total[1] += figures["requests"]
                        total[2] += figures["seconds"]
                        total[3] += figures["errors"]
                per = {name: t[0] * 1000 / max(1, t[1]) for name, t in totals.items()}
                for name, t in totals.items():
                    print(f"{mix} mix, {name:<6} ({trees[name]}): {per[name]:.3f} ms CPU a "
                          f"webhook, {t[1] / max(t[2], 1e-9):.0f} a second, {t[3]} wrong "
                          f"answers, {t[1]} webhooks")
                    failed = failed or bool(t[3])
                print(f"{mix} mix: after/before {per['after'] / per['before']:.2f} "
                      f"({args.rounds} rounds of {args.seconds:g} s each, "
                      f"{args.callers} callers, order swapped every round)", flush=True)
            finally:
                for bench_redis, procs in started:
                    for proc in reversed(procs):
                        proc.stop()
                    bench_redis.close()
                servers.remove(workdir)
    finally:
        for path in worktrees:
            subprocess.run(["git", "-C", ROOT, "worktree", "remove", "--force", path],
                           check=False, capture_output=True)
        servers.remove(scratch)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
