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


# ---- workers/ is a leaf: RQ job entry points only (issue 13) ----------------------------

WORKER_LINES = 12  # the longest a job entry point may be, `def` and docstring included


def _thin_worker_findings(path: str, source: str) -> list[str]:
    """What keeps a workers/ module from being job entry points only: anything at the top
    but the docstring, imports and public functions; a function longer than WORKER_LINES;
    a body that does more than name values (a = ...) and return one domain call."""
    import ast

    found = []
    tree = ast.parse(source, path)
    for n, node in enumerate(tree.body):
        if isinstance(node, ast.Import | ast.ImportFrom):
            continue
        if n == 0 and isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant):
            continue  # the module's docstring
        if not isinstance(node, ast.FunctionDef) or node.name.startswith("_"):
            what = " ".join([type(node).__name__, getattr(node, "name", "")]).strip()
            found.append(f"{path}:{node.lineno}: not a job entry point ({what})")
            continue
        lines = (node.end_lineno or node.lineno) - node.lineno + 1
        if lines > WORKER_LINES:
            found.append(f"{path}:{node.lineno}: {node.name} is {lines} lines "
                         f"(at most {WORKER_LINES}: move the logic into its domain)")
        body = node.body[1:] if ast.get_docstring(node) else node.body
        if not body or not isinstance(body[-1], ast.Return) or not isinstance(
                body[-1].value, ast.Call) or any(not isinstance(s, ast.Assign)
                                                 for s in body[:-1]):
            found.append(f"{path}:{node.lineno}: {node.name} does more than read the job "
                         "context and return one domain function's status")
    return found


def _workers_findings(root: str) -> list[str]:
    folder = os.path.join(root, "workers")
    found = []
    for name in sorted(os.listdir(folder)):
        if name.endswith(".py"):
            with open(os.path.join(folder, name), encoding="utf-8") as handle:
                found += _thin_worker_findings(f"workers/{name}", handle.read())
    return found


def test_workers_hold_thin_job_entry_points_only():
    """Every module in workers/ is RQ entry points only, each reading the job context and
    calling one domain function (its logic lives in the domain, testable without RQ)."""
    assert _workers_findings(ROOT) == []


def test_a_thick_worker_fails_the_check(tmp_path):
    """The check finds what workers/ used to hold: a constant, a private helper, a job that
    loops and decides itself, a class."""
    (tmp_path / "workers").mkdir()
    (tmp_path / "workers" / "thick.py").write_text(
        '"""A thick worker."""\n'
        "from hotline import job_context as context\n"
        "SENT_TTL = 2 * 86400\n"
        "def _once(conn, what):\n    return conn.set(what, 1, nx=True)\n"
        "class Helper:\n    pass\n"
        "def watch():\n    conn = context.connection()\n"
        + "".join(f"    if _once(conn, 'a{i}'):\n        pass\n" for i in range(6))
        + "    return 'done'\n"
        "def thin(code):\n    \"\"\"Thin.\"\"\"\n    return run(context.connection(), code)\n",
        encoding="utf-8")
    found = "\n".join(_workers_findings(str(tmp_path)))
    assert "thick.py:3: not a job entry point (Assign)" in found, found
    assert "thick.py:4: not a job entry point (FunctionDef _once)" in found, found
    assert "thick.py:6: not a job entry point (ClassDef Helper)" in found, found
    assert "watch is 15 lines" in found and "watch does more than" in found, found
    assert "thin" not in found.replace("thick", ""), found
