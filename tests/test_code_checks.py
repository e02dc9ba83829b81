"""The code checks that run with the tests: ruff over the tree, mypy over hotline and
workers (strict on the engine), and the package shape (import-linter contracts, pyproject.toml).

They run inside pytest so that the README's test command (and so CI) runs them too; a
finding fails with the checker's own report.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _run(*args: str, root: str = ROOT) -> subprocess.CompletedProcess[str]:
    # The packages of `root` (this checkout), whatever copy of hotline is installed.
    env = {**os.environ, "PYTHONPATH": root}
    return subprocess.run([sys.executable, *args], cwd=root, capture_output=True,
                          text=True, timeout=300, check=False, env=env)


def _lint_imports(root: str = ROOT) -> subprocess.CompletedProcess[str]:
    """import-linter's `lint-imports` on the contracts in root's pyproject.toml."""
    return _run("-c", "from importlinter.cli import lint_imports_command; "
                "lint_imports_command()", "--no-cache", root=root)


def test_ruff_finds_nothing():
    done = _run("-m", "ruff", "check", "--no-cache", ".")
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.slow
@pytest.mark.timeout(300)
def test_hotline_and_workers_pass_mypy():
    """The whole package; strict for hotline.engine.* (pyproject.toml). The cache lives in
    the temporary directory, so a second run on the same machine takes seconds."""
    cache = os.path.join(tempfile.gettempdir(), "hotline-mypy-cache")
    done = _run("-m", "mypy", "--cache-dir", cache, "hotline", "workers")
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_package_shape_holds():
    """The import-linter contracts: a pure engine, workers/ a leaf, domains without the web,
    the command line or the workers, packages in layers, no cycles inside a package."""
    done = _lint_imports()
    assert done.returncode == 0, done.stdout + done.stderr
    assert "0 broken" in done.stdout, done.stdout


def test_a_broken_shape_fails_the_check(tmp_path):
    """The contracts are read and enforced: in a copy of the code, a domain that imports the
    web and a root module that imports workers are both reported."""
    skip = shutil.ignore_patterns("__pycache__", "static", "templates")
    for name in ("hotline", "workers"):
        shutil.copytree(os.path.join(ROOT, name), tmp_path / name, ignore=skip)
    shutil.copy(os.path.join(ROOT, "pyproject.toml"), tmp_path / "pyproject.toml")
    (tmp_path / "hotline" / "people" / "probe.py").write_text(
        "from hotline.web import health\n", encoding="utf-8")
    (tmp_path / "hotline" / "probe.py").write_text(
        "def later():\n    from workers import calls\n", encoding="utf-8")
    done = _lint_imports(str(tmp_path))
    assert done.returncode != 0, done.stdout
    assert "hotline.people.probe -> hotline.web.health" in done.stdout, done.stdout
    assert "hotline.probe -> workers.calls" in done.stdout, done.stdout
