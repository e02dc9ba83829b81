"""`hotline bench`: run bench/run.py (the benchmark harness) with the same arguments.

The harness lives in the repository's bench/ folder, not in the installed package: this
command finds it beside the package (an editable install from a clone) or in the current
directory, and says so when there is none.
"""

from __future__ import annotations

import os
import subprocess
import sys

import click


def _harness() -> str | None:
    here = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    for root in (here, os.getcwd()):
        path = os.path.join(root, "bench", "run.py")
        if os.path.exists(path):
            return path
    return None


@click.command(context_settings={"ignore_unknown_options": True, "allow_extra_args": True,
                                 "help_option_names": []})
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
def bench(args: tuple[str, ...]) -> None:
    """Benchmark under load against a baseline; --soak MINUTES checks the books
    (all options: hotline bench --help)."""
    path = _harness()
    if path is None:
        raise click.ClickException("bench/run.py not found: run this from a clone of the "
                                   "repository (the harness is not part of the package)")
    sys.exit(subprocess.call([sys.executable, path, *args]))
