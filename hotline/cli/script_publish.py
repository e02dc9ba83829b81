"""`hotline scripts publish|history|rollback`: the published versions callers get.

The `scripts` group (hotline/cli/scripts.py) adds these commands.
"""

from __future__ import annotations

import getpass
import json
import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

import click
import redis

from hotline.config import Settings, load_config
from hotline.engine.lint import format_problem
from hotline.people import access_log
from hotline.scripts import versions as script_versions


def scripts_directory(directory: str | None) -> str:
    """Return the scripts directory to use (argument, else HOTLINE_SCRIPTS_DIR); check it."""
    path = directory or load_config().scripts_dir
    if not os.path.isdir(path):
        raise click.ClickException(f"no scripts directory at '{path}'")
    return path


def _who(name: str | None) -> str:
    if name and name.strip():
        return name.strip()[:64]
    try:
        return getpass.getuser()
    except (OSError, KeyError):
        return "cli"


def _when(at: float) -> str:
    return datetime.fromtimestamp(at, UTC).strftime("%Y-%m-%d %H:%M UTC")


@contextmanager
def _store() -> Iterator[tuple[redis.Redis, Settings]]:
    """The configured Redis and settings; a Redis that does not answer is a clear error."""
    from hotline.config import environment_config
    from hotline.redisdb import connect

    config = environment_config()
    try:
        yield connect(config), config
    except (redis.RedisError, OSError) as exc:
        raise click.ClickException(f"cannot reach Redis: {exc}") from None


def _refused(exc: script_versions.VersionError) -> click.ClickException:
    if isinstance(exc, script_versions.LintFailed):
        for problem in exc.problems:
            click.echo(format_problem(problem), err=True)
    return click.ClickException(str(exc))


def _done(version: script_versions.Version, echo: Callable[[str], None]) -> None:
    changed = ", ".join(version.changed) or "nothing"
    echo(f"version {version.number} is now live (changed: {changed}); every web node "
         "answers with it within a few seconds")


@click.command("publish")
@click.argument("directory", required=False)
@click.option("--as", "who", metavar="NAME", help="Who publishes (default: your login name).")
@click.option("-m", "--message", default="", help="What changed, for the history.")
def publish_command(directory: str | None, who: str | None, message: str) -> None:
    """Publish the scripts of DIRECTORY (default HOTLINE_SCRIPTS_DIR) as a new version.

    Refused, with every problem listed, when a script has lint errors.
    """
    path = scripts_directory(directory)
    with _store() as (conn, config):
        try:
            texts = script_versions.read_directory(path)
            version, made = script_versions.publish(conn, config, texts, _who(who), message,
                                                    time.time())
        except script_versions.VersionError as exc:
            raise _refused(exc) from None
        if made:
            access_log.by_cli(conn, config, "script_published", f"v{version.number}",
                              who=_who(who))
    if not made:
        click.echo(f"no change: version {version.number} is live and has these texts")
        return
    _done(version, click.echo)


@click.command("history")
@click.option("--json", "as_json", is_flag=True, help="Print the versions as JSON.")
def history_command(as_json: bool) -> None:
    """List the published versions, newest first: number, when, who, message."""
    with _store() as (conn, config):
        versions = script_versions.history(conn, config)
        live = script_versions.current_number(conn, config)
    if as_json:
        rows = [{**v.summary(), "current": v.number == live} for v in versions]
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    if not versions:
        click.echo("no version published yet: callers get the files in the scripts directory")
        return
    for v in versions:
        mark = "*" if v.number == live else " "
        note = f" (rollback to {v.rollback_of})" if v.rollback_of else ""
        changed = ", ".join(v.changed) or "-"
        click.echo(f"{mark}{v.number:>4}  {_when(v.at)}  {v.by:<16} {changed}  "
                   f"{v.message}{note}")


@click.command("rollback")
@click.argument("version", type=int)
@click.option("--as", "who", metavar="NAME", help="Who rolls back (default: your login name).")
@click.option("-m", "--message", default="", help="Why, for the history.")
def rollback_command(version: int, who: str | None, message: str) -> None:
    """Make VERSION's scripts live again (as a new version; the history keeps all)."""
    with _store() as (conn, config):
        try:
            made = script_versions.rollback(conn, config, version, _who(who), message,
                                            time.time())
        except script_versions.VersionError as exc:
            raise _refused(exc) from None
        access_log.by_cli(conn, config, "script_rolled_back", f"v{made.number} = v{version}",
                          who=_who(who))
    _done(made, click.echo)
