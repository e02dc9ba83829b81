"""Drafts of the scripts staff edit on /admin/scripts, and the transcript tests run on them.

A draft belongs to one staff account: the texts of the files they changed, and the
version they started from. Saving a draft asks a worker to run the transcript tests
(`*.test.yaml` beside the scripts) on the draft set; the run is named by a hash of the
texts, so the same draft is tested once, and its results are kept for a day.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import redis

from hotline import keys as hotline_keys
from hotline.config import Settings
from hotline.engine.loader import script_paths

log = logging.getLogger("hotline.jobs")  # the test run is a job

DRAFT_TTL = 30 * 86400  # a draft nobody touched for a month is dropped
TESTS_TTL = 86400
TESTS_TIMEOUT = 600  # seconds a test run may take in the worker
_SKIP = (".py", ".md", ".pyc")  # beside the scripts but not part of a test run


@dataclass(frozen=True)
class Draft:
    """One account's unpublished changes: edited texts by file, and the base version."""

    texts: dict[str, str]
    base: int
    at: float


def _draft_key(config: Settings, user: str) -> str:
    return hotline_keys.of(config).script_draft(hashlib.sha256(user.encode()).hexdigest()[:16])


def _tests_key(config: Settings, run_id: str) -> str:
    return hotline_keys.of(config).script_tests(run_id)


def load(conn: redis.Redis, config: Settings, user: str) -> Draft | None:
    """Return the account's draft, or None."""
    raw = conn.get(_draft_key(config, user))
    if not raw:
        return None
    data = json.loads(raw)
    return Draft(dict(data["texts"]), int(data.get("base", 0)), float(data.get("at", 0)))


def save(conn: redis.Redis, config: Settings, user: str, file: str, text: str,
         base: int, now: float) -> Draft:
    """Keep `text` as the account's draft of `file` (other drafted files stay)."""
    old = load(conn, config, user)
    texts = dict(old.texts) if old else {}
    texts[file] = text
    draft = Draft(texts, base, now)
    value = json.dumps({"texts": texts, "base": base, "at": now}, ensure_ascii=False)
    conn.set(_draft_key(config, user), value, ex=DRAFT_TTL)
    return draft


def discard(conn: redis.Redis, config: Settings, user: str) -> None:
    """Drop the account's draft."""
    conn.delete(_draft_key(config, user))


def overlay(live: dict[str, str], edited: dict[str, str]) -> dict[str, str]:
    """Return the whole script set with the edited files in place of the live ones."""
    return {**live, **edited}


def run_id(texts: dict[str, str]) -> str:
    """Return the name of the test run of a script set (the same texts, the same run)."""
    return hashlib.sha256(json.dumps(texts, sort_keys=True).encode("utf-8")).hexdigest()[:24]


def request_tests(conn: redis.Redis, config: Settings, texts: dict[str, str]) -> str:
    """Ask a worker to run the transcript tests on `texts`; return the run id."""
    from hotline import jobs

    rid = run_id(texts)
    record = json.dumps({"status": "queued", "texts": texts}, ensure_ascii=False)
    if conn.set(_tests_key(config, rid), record, nx=True, ex=TESTS_TTL):
        jobs.queue(conn, jobs.DEFAULT).enqueue(
            "workers.script_tests.run_tests", rid, job_id=hotline_keys.script_tests_job(rid),
            job_timeout=TESTS_TIMEOUT, result_ttl=jobs.RESULT_TTL)
    return rid


def results(conn: redis.Redis, config: Settings, rid: str) -> dict[str, Any] | None:
    """Return {"status": queued|done, "results": [...], "passed", "failed"} of a run."""
    raw = conn.get(_tests_key(config, rid))
    if not raw:
        return None
    data = json.loads(raw)
    data.pop("texts", None)
    return dict(data)


def _support_files(source: str, target: str) -> None:
    """Copy what the transcripts use beside the scripts (tests, sample rota and directory)."""
    scripts = {os.path.basename(p) for p in script_paths(source)}
    for name in os.listdir(source):
        path = os.path.join(source, name)
        if os.path.isfile(path) and name not in scripts and not name.endswith(_SKIP):
            shutil.copy(path, os.path.join(target, name))


def run_tests(conn: redis.Redis, config: Settings, rid: str,
              run_directory: Callable[[str], Iterable[Any]]) -> str:
    """Run the transcript tests of a requested run and store the results (a worker job).

    `run_directory(path)` runs the transcripts in a directory of scripts (the job passes
    hotline.transcripts.run_directory: the transcript runner builds the whole app).
    """
    key = _tests_key(config, rid)
    raw = conn.get(key)
    if not raw:
        return "gone"
    data = json.loads(raw)
    if data.get("status") == "done":
        return "done"
    workdir = tempfile.mkdtemp(prefix="hotline-draft-tests-")
    try:
        _support_files(str(config.scripts_dir), workdir)
        for file, text in data["texts"].items():
            with open(os.path.join(workdir, os.path.basename(file)), "w",
                      encoding="utf-8") as handle:
                handle.write(text)
        outcome = run_directory(workdir)
        rows = [{"file": os.path.basename(r.file), "name": r.name, "channel": r.channel,
                 "passed": r.passed,
                 "failures": [f.replace(workdir + "/", "") for f in r.failures]}
                for r in outcome]
    except Exception as exc:  # noqa: BLE001  the page must hear that the run broke
        rows = [{"file": "", "name": "(the test run)", "channel": "", "passed": False,
                 "failures": [f"the tests could not run: {type(exc).__name__}: {exc}"]}]
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    failed = sum(1 for r in rows if not r["passed"])
    done = {"status": "done", "results": rows, "passed": len(rows) - failed, "failed": failed}
    conn.set(key, json.dumps(done, ensure_ascii=False), ex=TESTS_TTL)
    summary = f"{len(rows) - failed} passed, {failed} failed"
    log.info("script draft tests %s: %s", rid, summary)
    return summary
