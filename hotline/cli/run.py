"""`hotline serve` and `hotline demo`: run the web application."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
from typing import TYPE_CHECKING

import click

from hotline.config import SECRETS_FILE, Settings, demo_config, demo_secrets, load_config

if TYPE_CHECKING:
    from flask import Flask


def _create_app(config: Settings) -> Flask:
    from hotline import create_app

    try:
        return create_app(config)
    except Exception as exc:  # noqa: BLE001  a clear message, not a traceback, for bad settings
        raise click.ClickException(str(exc)) from None


def _port_free(host: str, port: int) -> None:
    """One clear line, before anything starts, when another program holds the port."""
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError:
            raise click.ClickException(
                f"port {port} on {host} is already in use (another hotline?); "
                f"choose another with --port, e.g. --port {port + 1}") from None


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
    _port_free(host, port)
    _stop_on_sigterm()
    app = _create_app(load_config())
    app.run(host=host, port=port, threaded=True, use_reloader=False)


def _demo_environment(config: Settings) -> dict[str, str]:
    env = dict(os.environ)
    env.update({
        "HOTLINE_DEMO": "1",
        "HOTLINE_DATA_DIR": os.path.abspath(config.data_dir),
        "HOTLINE_SECRET_KEY": config.secret_key or "",
        "HOTLINE_ENCRYPTION_KEY": config.encryption_key or "",
        "TWILIO_AUTH_TOKEN": config.twilio_auth_token or "",
        "HOTLINE_PUBLIC_URL": config.public_url,
        # RQ's registry upkeep (every few minutes) would fill the demo's terminal.
        "HOTLINE_RQ_LOG_LEVEL": os.environ.get("HOTLINE_RQ_LOG_LEVEL") or "WARNING",
    })
    return env


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, envvar="HOTLINE_HOST")
@click.option("--port", default=5000, show_default=True, type=int, envvar="HOTLINE_PORT")
@click.option("--no-worker", is_flag=True, help="Do not start a job worker beside the web app.")
def demo(host: str, port: int, no_worker: bool) -> None:
    """Run everything on this machine: embedded Redis, a worker, samples, the web app."""
    _port_free(host, port)
    _stop_on_sigterm()
    base = load_config()
    if not os.environ.get("HOTLINE_PUBLIC_URL"):
        base = base.replace(public_url=f"http://{host}:{port}")
    _, new = demo_secrets(base.data_dir)
    config = demo_config(base)
    secrets_path = os.path.join(config.data_dir, SECRETS_FILE)
    click.echo(f"Demo mode: secrets {'generated in' if new else 'read from'} {secrets_path}")
    if not config.redis_url:
        click.echo(f"Redis: embedded, saved under {os.path.abspath(config.data_dir)}")
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
        outbox = os.path.join(os.path.abspath(config.data_dir), "outbox.jsonl")
        click.echo(f"Outbound SMS and calls go to {outbox} (no Twilio credentials)")
        click.echo(f"Web app: {config.public_url}  (health: {config.public_url}/healthz)")
        click.echo("Try it in another terminal:")
        click.echo(f"  hotline simulate --channel sms --url {config.public_url}")
        click.echo(f"  hotline simulate --channel voice --url {config.public_url}")
        click.echo("Web pages: first make an account (hotline users add NAME --role staff), "
                   f"then log in at {config.public_url}/login")
        app.run(host=host, port=port, threaded=True, use_reloader=False)
    finally:
        if worker is not None:
            worker.terminate()
            worker.wait(timeout=10)
