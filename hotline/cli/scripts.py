"""`hotline scripts`: check, test and document the staff-edited menu scripts."""

from __future__ import annotations

import json
import os
from dataclasses import asdict

import click

from hotline.cli.script_publish import (
    history_command,
    publish_command,
    rollback_command,
    scripts_directory,
)


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


@click.group("scripts")
def scripts() -> None:
    """Check, test and document the menu scripts (ivr_scripts/)."""


@scripts.command("lint")
@click.argument("directory", required=False)
@click.option("--json", "as_json", is_flag=True, help="Print the problems as JSON.")
def lint_command(directory: str | None, as_json: bool) -> None:
    """Report every problem in the scripts of DIRECTORY; exit 1 on any error."""
    from hotline.engine.lint import ERROR, format_problem, lint_directory
    from hotline.engine.loader import script_paths

    path = scripts_directory(directory)
    paths = script_paths(path)
    if not paths:
        raise click.ClickException(f"no scripts (*.yaml) in '{path}'")
    problems = lint_directory(path)
    failed = sum(1 for p in problems if p.severity == ERROR)
    if as_json:
        click.echo(json.dumps([asdict(p) for p in problems], ensure_ascii=False, indent=2))
    else:
        for problem in problems:
            click.echo(format_problem(problem))
        warned = len(problems) - failed
        verdict = "FAILED" if failed else "ok"
        click.echo(f"{verdict}: {_plural(failed, 'error')}, {_plural(warned, 'warning')} "
                   f"in {_plural(len(paths), 'script')}")
    raise SystemExit(1 if failed else 0)


@scripts.command("test")
@click.argument("directory", required=False)
@click.option("--json", "as_json", is_flag=True, help="Print the results as JSON.")
def test_command(directory: str | None, as_json: bool) -> None:
    """Run the transcript tests (*.test.yaml) in DIRECTORY; exit 1 if any fails."""
    from hotline.engine.loader import ScriptError, load_scripts
    from hotline.transcripts import run_directory

    path = scripts_directory(directory)
    try:
        load_scripts(path)  # scripts that do not load fail fast, before any conversation
        results = run_directory(path)
    except ScriptError as exc:
        for problem in exc.problems:
            click.echo(str(problem), err=True)
        raise click.ClickException("the scripts do not load: fix them first "
                                   "(`hotline scripts lint` lists every problem)") from None
    failed = [r for r in results if not r.passed]
    if as_json:
        rows = [{"file": r.file, "name": r.name, "passed": r.passed, "failures": r.failures}
                for r in results]
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
    else:
        for result in results:
            click.echo(f"{'PASS' if result.passed else 'FAIL'} {result.file}: {result.name}")
            for failure in result.failures:
                click.echo(f"    {failure}")
        click.echo(f"{'FAILED' if failed else 'ok'}: {len(results) - len(failed)} passed, "
                   f"{len(failed)} failed")
    raise SystemExit(1 if failed else 0)


@scripts.command("docs")
@click.argument("readme", required=False)
@click.option("--check", is_flag=True, help="Only check; exit 1 if README is out of date.")
def docs_command(readme: str | None, check: bool) -> None:
    """Write the node type reference into README (default: the scripts directory's)."""
    from hotline.engine.reference import update_section

    path = readme or os.path.join(scripts_directory(None), "README.md")
    try:
        with open(path, encoding="utf-8") as handle:
            text = handle.read()
    except OSError as exc:
        raise click.ClickException(f"cannot read '{path}': {exc.strerror}") from None
    try:
        updated = update_section(text)
    except ValueError as exc:
        raise click.ClickException(f"{path}: {exc}") from None
    if updated == text:
        click.echo(f"{path} is up to date")
        return
    if check:
        click.echo(f"{path} is out of date: run `hotline scripts docs`", err=True)
        raise SystemExit(1)
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(updated)
    click.echo(f"updated the node types in {path}")


for _command in (publish_command, history_command, rollback_command):
    scripts.add_command(_command)
