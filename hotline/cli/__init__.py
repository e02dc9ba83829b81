"""The `hotline` command. Each group of subcommands lives in its own module here."""

from __future__ import annotations

import importlib

import click

from hotline.cli.errors import HotlineGroup

# (module under hotline.cli, attribute) for every command; imported when the CLI starts,
# so `hotline --help` lists them all and no module does work at import time.
COMMANDS: list[tuple[str, str]] = [
    ("run", "serve"),
    ("run", "demo"),
    ("worker", "worker"),
    ("volunteers", "volunteers"),
    ("callbacks", "callbacks"),
    ("outbox", "outbox"),
    ("simulate", "simulate"),
    ("scripts", "scripts"),
    ("oncall", "oncall"),
    ("cases", "cases"),
    ("directory", "directory"),
    ("programmes", "programmes"),
    ("users", "users"),
    ("privacy", "purge"),
    ("privacy", "forget"),
    ("bench", "bench"),
]


@click.group(cls=HotlineGroup, context_settings={"help_option_names": ["-h", "--help"]})
def main() -> None:
    """Hotline: an SMS and voice hotline backend."""


def _register() -> None:
    for module_name, attr in COMMANDS:
        try:
            module = importlib.import_module(f"hotline.cli.{module_name}")
        except ModuleNotFoundError as exc:
            if exc.name == f"hotline.cli.{module_name}":
                continue  # that command group is not built yet
            raise
        main.add_command(getattr(module, attr))


_register()
