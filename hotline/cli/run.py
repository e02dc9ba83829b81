"""`hotline serve` and `hotline demo`: run the web application."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from typing import TYPE_CHECKING, Any

import click

from hotline.config import SECRETS_FILE, demo_config, demo_secrets, load_config

if TYPE_CHECKING:
    from flask import Flask


def _create_app(config: dict[str, Any]) -> Flask:
    from hotline import create_app

    try:
        return create_app(config)
    except Exception as exc:  # noqa: BLE001  a clear message, not a traceback, for bad settings
        raise click.ClickException(str(exc)) from None


def _stop_on_sigterm() -> None:
    """Make SIGTERM (kill, docker stop, a service manager) leave like Ctrl-C: the worker is
    stopped and the embedded Redis saved and shut down by the exit handlers, not orphaned."""
    def leave(signum: int, frame: object) -> None:
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, leave)


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, envvar="HOTLINE_HOST")
@click.option("--port", default=5000, show_default=True, type=int, envvar="HOTLINE_PORT")
def serve(host: str, port: int) -> None:
    """Run the web app alone (production: gunicorn 'hotline:create_app()')."""
    _stop_on_sigterm()
    app = _create_app(load_config())
    app.run(host=host, port=port, threaded=True, use_reloader=False)


def _demo_environment(config: dict[str, Any]) -> dict[str, str]:
    env = dict(os.environ)
    env.update({
        "HOTLINE_DEMO": "1",
        "HOTLINE_DATA_DIR": os.path.abspath(config["DATA_DIR"]),
        "HOTLINE_SECRET_KEY": config["SECRET_KEY"],
        "HOTLINE_ENCRYPTION_KEY": config["ENCRYPTION_KEY"],
        "TWILIO_AUTH_TOKEN": config["TWILIO_AUTH_TOKEN"],
        "HOTLINE_PUBLIC_URL": config["PUBLIC_URL"],
    })
    return env


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, envvar="HOTLINE_HOST")
@click.option("--port", default=5000, show_default=True, type=int, envvar="HOTLINE_PORT")
@click.option("--no-worker", is_flag=True, help="Do not start a job worker beside the web app.")
def demo(host: str, port: int, no_worker: bool) -> None:
    """Run everything on this machine: embedded Redis, a worker, samples, the web app."""
    _stop_on_sigterm()
    base = load_config()
    if not os.environ.get("HOTLINE_PUBLIC_URL"):
        base["PUBLIC_URL"] = f"http://{host}:{port}"
    _, new = demo_secrets(base["DATA_DIR"])
    config = demo_config(base)
    secrets_path = os.path.join(config["DATA_DIR"], SECRETS_FILE)
    click.echo(f"Demo mode: secrets {'generated in' if new else 'read from'} {secrets_path}")
    if not config.get("REDIS_URL"):
        click.echo(f"Redis: embedded, saved under {os.path.abspath(config['DATA_DIR'])}")
    app = _create_app(config)
    from hotline.ops.demo_data import load_samples

    for line in load_samples(app):
        click.echo(line)
    worker = None
    from hotline.cli import main as root

    try:
        if not no_worker and "worker" in root.commands:
            worker = subprocess.Popen(
                [sys.executable, "-m", "hotline.cli", "worker"], env=_demo_environment(config)
            )
            click.echo("Worker: started (queues urgent, callbacks, default)")
        outbox = os.path.join(os.path.abspath(config["DATA_DIR"]), "outbox.jsonl")
        click.echo(f"Outbound SMS and calls go to {outbox} (no Twilio credentials)")
        click.echo(f"Web app: {config['PUBLIC_URL']}  (health: {config['PUBLIC_URL']}/healthz)")
        click.echo("Try it in another terminal:")
        click.echo(f"  hotline simulate --channel sms --url {config['PUBLIC_URL']}")
        click.echo(f"  hotline simulate --channel voice --url {config['PUBLIC_URL']}")
        app.run(host=host, port=port, threaded=True, use_reloader=False)
    finally:
        if worker is not None:
            worker.terminate()
            worker.wait(timeout=10)
