"""Hotline: an SMS and voice hotline backend. The WSGI app is `hotline:create_app()`.

The factory imports Flask and the web modules inside its steps, so importing a plain
part of the package (`hotline.engine`, `hotline.numbers`) loads no web code at all.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from hotline.config import ConfigError, Settings

if TYPE_CHECKING:
    from flask import Flask

__all__ = ["REQUIRED_SECRETS", "ConfigError", "Settings", "create_app"]

# Settings without which a real deployment must not start (forged webhooks, guessable hashes).
# The encryption key too: without it no call back or urgent case could keep a number.
REQUIRED_SECRETS = {"SECRET_KEY": "HOTLINE_SECRET_KEY", "TWILIO_AUTH_TOKEN": "TWILIO_AUTH_TOKEN",
                    "ENCRYPTION_KEY": "HOTLINE_ENCRYPTION_KEY"}


def create_app(config: Settings | Mapping[str, Any] | None = None) -> Flask:
    """Build the Flask app: settings, Redis, scripts, capabilities, blueprints.

    `config` is a Settings, or overrides of the environment's settings (field names or the
    old UPPER_CASE names, e.g. {"RATE_LIMIT_PER_MINUTE": 3, "CLOCK": clock}).
    """
    from flask import Flask

    app = Flask(__name__)
    settings = configure_settings(app, config)
    configure_logging(app, settings)
    configure_redis(app, settings)
    configure_scripts(app)
    configure_capabilities(app)
    configure_blueprints(app)
    configure_staff_pages(app)
    configure_security(app)
    configure_metrics(app)
    configure_webhook_dispatch(app)
    return app


def configure_settings(app: Flask, config: Settings | Mapping[str, Any] | None) -> Settings:
    """Defaults, then HOTLINE_*/TWILIO_* from the environment, then `config`; check secrets.

    app.config gets Flask's own keys (SECRET_KEY, TESTING) with a read-only copy of the
    settings under their UPPER_CASE names; the code reads the Settings (runtime().config).
    """
    from hotline.config import demo_config, load_config

    settings = config if isinstance(config, Settings) else load_config(config)
    missing = [name for name in REQUIRED_SECRETS if not getattr(settings, name.lower())]
    if missing and settings.demo:
        settings = demo_config(settings)
    elif missing and settings.testing:
        from hotline.privacy.vault import new_key

        made = {"SECRET_KEY": secrets.token_hex(16), "TWILIO_AUTH_TOKEN": secrets.token_hex(16),
                "ENCRYPTION_KEY": new_key()}
        settings = settings.replace(**{name.lower(): made[name] for name in missing})
    elif missing:
        names = ", ".join(REQUIRED_SECRETS[name] for name in missing)
        raise ConfigError(f"set {names} to start the hotline (or HOTLINE_DEMO=1 for a local demo)")
    app.config.update(settings.as_flask_config())
    return settings


def configure_logging(app: Flask, settings: Settings) -> None:
    """Structured log lines (JSON, or key=value with HOTLINE_LOG_FORMAT=text); callers
    appear only as their HMAC prefix."""
    from hotline import logs

    logs.init_app(app, settings)


def configure_redis(app: Flask, settings: Settings) -> None:
    """Prepare the Redis client; it connects on first use, so a Redis outage cannot stop start."""
    from hotline.web import Runtime

    app.extensions["hotline"] = Runtime(settings)


def configure_scripts(app: Flask) -> None:
    """Load every script in SCRIPTS_DIR once (a ScriptError names each problem); then follow
    the published versions in Redis (hotline scripts publish, /admin/scripts)."""
    from hotline.engine.loader import load_scripts
    from hotline.scripts import live as live_scripts

    runtime = app.extensions["hotline"]
    runtime.scripts.replace(load_scripts(runtime.config.scripts_dir))
    live_scripts.init_app(app)


def configure_capabilities(app: Flask) -> None:
    """Register what scripts may hand off to: one line per capability, name -> callable.

    e.g. capabilities.register("directory_search", directory.search)
    """
    from hotline.callbacks import intake as callback_intake
    from hotline.directory import capability as directory_capability
    from hotline.programmes import capability as programme_capability
    from hotline.urgent import intake as urgent_intake

    capabilities = app.extensions["hotline"].capabilities
    capabilities.register("directory_search", directory_capability.search_capability)
    capabilities.register("send_sms", directory_capability.send_sms_capability)
    capabilities.register("callback_request", callback_intake.request_capability)
    capabilities.register("callback_cancel", callback_intake.cancel_capability)
    capabilities.register("urgent", urgent_intake.urgent_capability)
    capabilities.register("urgent_dial", urgent_intake.dial_capability)
    capabilities.register("programme", programme_capability.programme_capability)
    capabilities.register("checkin", programme_capability.checkin_capability)


def configure_security(app: Flask) -> None:
    """Security headers (CSP, no framing, no referrer, HSTS over https) on every response."""
    from hotline.web import headers

    headers.init_app(app)


def configure_staff_pages(app: Flask) -> None:
    """The staff pages for the directory, volunteers and rota, and the figures."""
    from hotline.web import (
        admin_directory,
        admin_dispositions,
        admin_figures,
        admin_people,
        admin_programmes,
    )

    app.register_blueprint(admin_directory.bp)
    app.register_blueprint(admin_dispositions.bp)
    app.register_blueprint(admin_programmes.bp)
    app.register_blueprint(admin_people.bp)
    app.register_blueprint(admin_figures.bp)


def configure_metrics(app: Flask) -> None:
    """Time the webhooks and serve /metrics (Prometheus; loopback or bearer token only)."""
    from hotline.web import metrics

    metrics.init_app(app)


def configure_webhook_dispatch(app: Flask) -> None:
    """Answer Twilio's webhooks in front of Flask's request machinery (same checks, same
    answers, less CPU per webhook); everything else goes through Flask. Last: outermost."""
    from hotline.web import webhook_dispatch

    webhook_dispatch.init_app(app)


def configure_blueprints(app: Flask) -> None:
    """Mount the Twilio webhooks (menu, bridged calls, reminder calls, urgent dials, voice messages), the
    health check, and the web pages behind login (with their session cookie flags and CSRF
    check)."""
    from hotline.web import (
        auth,
        calls,
        csrf,
        health,
        programme_calls,
        site,
        twilio,
        urgent,
        voicemail,
        volunteer,
    )

    auth.init_app(app)
    csrf.init_app(app)
    app.register_blueprint(site.bp)
    app.register_blueprint(auth.bp)
    app.register_blueprint(volunteer.bp)
    from hotline.web import account, admin, admin_accounts, admin_scripts

    app.register_blueprint(account.bp)  # one's own second factor
    app.register_blueprint(admin.bp)  # staff home
    app.register_blueprint(admin_accounts.bp)  # accounts, access log
    app.register_blueprint(admin_scripts.bp)
    app.register_blueprint(twilio.bp)
    app.register_blueprint(calls.bp)
    app.register_blueprint(programme_calls.bp)
    app.register_blueprint(urgent.bp)
    app.register_blueprint(voicemail.bp)
    app.register_blueprint(voicemail.media)
    app.register_blueprint(health.bp)
    from hotline.web import outage  # Redis down: a 503 page on the web pages, not a 500

    outage.init_app(app)
