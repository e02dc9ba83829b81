"""What a plain `pip install .` (the Dockerfile) puts in place: every file the app reads."""

from __future__ import annotations

import pathlib
import tomllib

ROOT = pathlib.Path(__file__).resolve().parent.parent


def test_every_non_python_file_of_the_package_is_declared_package_data():
    # setuptools installs only .py files unless package-data names the others; without
    # them the image's web pages fail with TemplateNotFound.
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    patterns = config["tool"]["setuptools"]["package-data"]["hotline"]
    package = ROOT / "hotline"
    declared = {p for pattern in patterns for p in package.glob(pattern) if p.is_file()}
    needed = {p for p in package.rglob("*") if p.is_file() and p.suffix not in {".py", ".pyc"}
              and "__pycache__" not in p.parts}
    assert needed, "the package has templates and static files"
    assert sorted(map(str, needed - declared)) == []


def test_the_dockerfile_serves_the_app_factory_with_gunicorn_and_ships_the_scripts():
    text = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    assert "COPY ivr_scripts" in text and "pip install" in text
    assert '"gunicorn"' in text and '"hotline:create_app()"' in text
    assert "HOTLINE_SCRIPTS_DIR=/app/ivr_scripts" in text
