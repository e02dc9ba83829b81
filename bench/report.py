"""The benchmark's output: the table on screen, bench/results/latest.json, BENCHMARKS.md."""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
from datetime import UTC, datetime
from typing import Any

import psutil


def machine() -> dict[str, Any]:
    """What the figures were measured on."""
    model = platform.processor() or ""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as handle:
            for line in handle:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    try:
        load = [round(x, 2) for x in os.getloadavg()]
    except OSError:
        load = []
    return {"nproc": os.cpu_count(), "cpu": model, "python": platform.python_version(),
            "system": f"{platform.system()} {platform.release()}",
            "memory_gb": round(psutil.virtual_memory().total / 1e9, 1),
            "load_average_at_start": load, "commit": _commit()}


def _commit() -> str:
    try:
        out = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True,
                             text=True, timeout=5, check=False, cwd=os.path.dirname(__file__))
        return out.stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return ""


def level_rows(levels: list[dict[str, Any]]) -> list[list[str]]:
    """Rows of the comparison table: one per concurrency level."""
    rows = []
    for level in levels:
        b, h = level["baseline"], level["hotline"]
        ratio, cpu_ratio = level.get("ratio"), level.get("cpu_ratio")
        closed = not level.get("pause_s") and not level.get("rate")
        label = level.get("label") or str(level["concurrency"])
        rows.append([label,
                     f"{b['rps']:.0f}", f"{b['p50_ms']:.1f}", f"{b['p95_ms']:.1f}",
                     f"{b['p99_ms']:.1f}", _cpu(b),
                     f"{h['rps']:.0f}", f"{h['p50_ms']:.1f}", f"{h['p95_ms']:.1f}",
                     f"{h['p99_ms']:.1f}", _cpu(h), str(h["errors"]),
                     f"{ratio:.2f}" if ratio is not None and closed else "-",
                     f"{cpu_ratio:.2f}" if cpu_ratio is not None else "-"])
    return rows


def _cpu(figures: dict[str, Any]) -> str:
    value = figures.get("server_cpu_ms")
    return f"{value:.2f}" if value is not None else "-"


HEADER = ["callers", "base req/s", "p50", "p95", "p99", "cpu/req", "hotline req/s", "p50",
          "p95", "p99", "cpu/req", "errors", "ratio", "cpu ratio"]


def text_table(levels: list[dict[str, Any]]) -> str:
    """The table printed at the end of a run (latencies in ms)."""
    rows = [HEADER, *level_rows(levels)]
    widths = [max(len(row[i]) for row in rows) for i in range(len(HEADER))]
    lines = ["  ".join(cell.rjust(widths[i]) for i, cell in enumerate(row)) for row in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def markdown_table(levels: list[dict[str, Any]]) -> str:
    """The same table in Markdown."""
    rows = [HEADER, ["---:"] * len(HEADER), *level_rows(levels)]
    return "\n".join("| " + " | ".join(row) + " |" for row in rows)


def write_json(path: str, results: dict[str, Any]) -> None:
    """Write every figure of the run."""
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as handle:
        json.dump(results, handle, indent=2, ensure_ascii=False)
        handle.write("\n")


def _extras_lines(extras: dict[str, Any]) -> list[str]:
    lines = []
    for name, figures in extras.items():
        if not isinstance(figures, dict) or "error" in figures:
            lines.append(f"- {name}: not run ({(figures or {}).get('error', 'no figures')})")
            continue
        shown = ", ".join(f"{k} {v}" for k, v in figures.items() if k != "summary")
        lines.append(f"- {name}: {figures.get('summary') or shown}")
    return lines


ANALYSIS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "analysis.md")
ABOUT_LEVELS = (
    "Webhooks under load: whole SMS and voice conversations with valid Twilio signatures"
    " (menu, directory search, callback request, urgent), posted by a raw asyncio HTTP/1.1"
    " keep-alive load generator (`bench/rawhttp.py`). The floor (baseline) is"
    " `bench/baseline_app.py`, bare Flask returning fixed TwiML, under the same gunicorn"
    " settings, driven the same way in the same run, in alternating rounds. Closed-loop rows"
    " (N callers, each posting when answered): the core mix is menu, directory and voice"
    " steps only; the full mix adds callback requests and urgent cases. The paced row: the"
    " same 32 callers waiting a random time (mean shown) after every answer. Open-loop rows:"
    " Poisson arrivals at a fixed rate, latency counted from the scheduled arrival."
    " Latencies in ms; cpu/req is the CPU time the web processes (gunicorn master and"
    " workers, psutil) spent per webhook, in ms; ratio is hotline req/s over floor req/s"
    " (closed loop only); cpu ratio is floor cpu/req over hotline cpu/req (1.00: as cheap"
    " as the floor; 0.50: twice its cost). The load generator, Redis and the RQ worker run"
    " on the same CPUs.")


def write_markdown(path: str, results: dict[str, Any]) -> None:
    """Write BENCHMARKS.md: the machine, the table, the other benchmarks, how to re-run,
    then bench/analysis.md (what the profile says), when there is one."""
    m = results["machine"]
    soak = results.get("soak")
    lines = [
        "# Benchmarks", "",
        (f"Measured {results['at']} with `{results['command']}` "
         f"(results in `bench/results/latest.json`)."), "",
        (f"Machine: {m['nproc']} CPUs ({m['cpu']}), {m['memory_gb']} GB, Python "
         f"{m['python']}, {m['system']}; load average at start {m['load_average_at_start']} "
         f"(other work shared these CPUs: compare within the run, not the absolute figures). "
         f"Redis: {results['redis']}. Gunicorn: {results['gunicorn']}."), "",
    ]
    if results.get("levels"):
        target = results.get("targets", {}).get("summary", "not measured")
        shown = [*([results["core"]] if results.get("core") else []), *results["levels"],
                 *([results["paced"]] if results.get("paced") else []),
                 *results.get("open", [])]
        lines += [ABOUT_LEVELS, "", markdown_table(shown), "",
                  ("Targets: cpu ratio >= 0.50 for the core mix and >= 0.33 for the full mix"
                   " at 32 callers, p99 <= 50 ms at 200 webhooks/s open loop, zero errors: "
                   f"{target}."), ""]
    if results.get("extras"):
        lines += ["Other benchmarks (same run):", "", *_extras_lines(results["extras"]), ""]
    if soak:
        lines += [f"Soak ({soak['minutes']} min): {soak['summary']}", ""]
    lines += [("Re-run: `python bench/run.py` (or `hotline bench`); `--levels 8,32,128`, "
               "`--core-level 32`, `--rates 100,200`, `--duration SECONDS`, `--requests N`, "
               "`--pause SECONDS`, `--soak MINUTES` (`--soak-rate WEBHOOKS`, "
               "`--soak-callers N`). Before and after a change, paired in one run: "
               "`python bench/compare.py --before REF` (CPU per webhook, both versions "
               "driven in turns)."), ""]
    if os.path.exists(ANALYSIS):
        with open(ANALYSIS, encoding="utf-8") as handle:
            lines += [handle.read()]
    with open(path, "w", encoding="utf-8") as handle:
        handle.write("\n".join(lines))


def now_iso() -> str:
    """The time of the run."""
    return datetime.now(UTC).isoformat(timespec="seconds")


def command_line() -> str:
    """How this run was started."""
    return " ".join(["python bench/run.py", *sys.argv[1:]])
