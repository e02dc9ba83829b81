"""Dockerfile, docker-compose.yml and README agree with each other and with the contract.

Docker cannot run here, so these read the files: the services, the commands they run,
the environment names they pass, the port and the health check.
"""

from __future__ import annotations

import json
import os
import re

import pytest
from ruamel.yaml import YAML

from hotline import REQUIRED_SECRETS
from hotline.cli import main as cli
from hotline.config import SETTINGS

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# Read by hotline/gunicorn_conf.py and prometheus_client, not by hotline.config.
GUNICORN_ENV = {"HOTLINE_BIND", "WEB_CONCURRENCY", "HOTLINE_THREADS", "HOTLINE_LOG_LEVEL",
                "FORWARDED_ALLOW_IPS", "PROMETHEUS_MULTIPROC_DIR"}


def read(name: str) -> str:
    with open(os.path.join(ROOT, name), encoding="utf-8") as handle:
        return handle.read()


@pytest.fixture(scope="module")
def compose() -> dict:
    return YAML(typ="safe").load(read("docker-compose.yml"))


@pytest.fixture(scope="module")
def dockerfile() -> dict[str, list[str]]:
    """Dockerfile instructions by name (continuation lines joined)."""
    out: dict[str, list[str]] = {}
    for line in read("Dockerfile").replace("\\\n", " ").splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            word, _, rest = line.strip().partition(" ")
            out.setdefault(word.upper(), []).append(rest.strip())
    return out


def test_compose_runs_redis_web_and_worker_from_the_one_image(compose):
    services = {name: service for name, service in compose["services"].items()
                if "profiles" not in service}
    assert set(services) == {"redis", "web", "worker"}
    assert services["redis"]["image"].startswith("redis:")
    assert services["web"]["build"] == "."
    assert services["worker"]["image"] == services["web"]["image"]
    for name in ("web", "worker"):
        assert services[name]["depends_on"]["redis"]["condition"] == "service_healthy"


def test_the_ha_profile_runs_a_replica_three_sentinels_and_nodes_that_use_them(compose):
    services = compose["services"]
    ha = {name for name, service in services.items() if "ha" in service.get("profiles", [])}
    assert ha == {"redis-replica", "sentinel-1", "sentinel-2", "sentinel-3", "web-ha",
                  "worker-ha"}
    for name in ("web-ha", "worker-ha"):
        env = services[name]["environment"]
        assert env["HOTLINE_REDIS_SENTINELS"].count(":26379") == 3
        assert env["HOTLINE_REDIS_SERVICE"] == "hotline" and env["HOTLINE_REDIS_URL"] == ""
    assert "sentinel monitor hotline redis 6379 2" in " ".join(services["sentinel-1"]["command"])


def test_web_runs_what_the_dockerfile_runs_and_the_worker_a_real_command(compose, dockerfile):
    cmd = json.loads(dockerfile["CMD"][0])
    assert compose["services"]["web"]["command"] == cmd
    assert cmd[:3] == ["gunicorn", "-c", "python:hotline.gunicorn_conf"]
    assert cmd[-1] == "hotline:create_app()"
    worker = compose["services"]["worker"]["command"]
    assert worker[0] == "hotline" and worker[1] in cli.commands


def test_environment_names_are_the_contracts_and_carry_every_required_secret(compose):
    known = {var for var, _ in SETTINGS.values()} | GUNICORN_ENV
    for name in ("web", "worker"):
        env = compose["services"][name]["environment"]
        assert set(env) <= known, set(env) - known
        for var in REQUIRED_SECRETS.values():
            assert var in env, f"{name} lacks {var}"
            assert re.fullmatch(r"\$\{" + var + r":\?.+\}", env[var]), "secrets come from .env"
        assert env["HOTLINE_REDIS_URL"] == "redis://redis:6379/0"
        assert "HOTLINE_PUBLIC_URL" in env


def test_the_port_the_healthcheck_and_the_bind_agree(compose, dockerfile):
    env = dict(item.split("=", 1) for line in dockerfile["ENV"] for item in line.split())
    port = env["HOTLINE_BIND"].rsplit(":", 1)[1]
    assert dockerfile["EXPOSE"] == [port]
    assert f"127.0.0.1:{port}/healthz" in dockerfile["HEALTHCHECK"][0]
    assert compose["services"]["web"]["ports"] == [f"{port}:{port}"]
    assert dockerfile["USER"] == ["hotline"]  # not root
    assert dockerfile["FROM"][0].endswith("-slim")


def test_the_gunicorn_config_reads_its_settings_from_the_environment(monkeypatch, tmp_path):
    import importlib

    # Set before the config is loaded, else loading it would switch this process (and the
    # tests after this one) to multiprocess metrics in a directory of its own.
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path))
    monkeypatch.setenv("HOTLINE_BIND", "127.0.0.1:9999")
    monkeypatch.setenv("WEB_CONCURRENCY", "3")
    import hotline.gunicorn_conf as conf

    reloaded = importlib.reload(conf)
    assert (reloaded.bind, reloaded.workers, reloaded.worker_class) == ("127.0.0.1:9999", 3,
                                                                        "gthread")
    (tmp_path / "histogram_1.db").write_bytes(b"")
    reloaded.on_starting(None)  # a new start begins with no figures of an earlier one
    assert not list(tmp_path.iterdir())


def test_readme_shows_compose_the_webhooks_and_scaling_out(compose):
    readme = read("README.md")
    assert "docker compose up" in readme
    assert "gunicorn -c python:hotline.gunicorn_conf 'hotline:create_app()'" in readme
    for path in ("/twilio/voice", "/twilio/sms", "/metrics", "/healthz"):
        assert path in readme
    assert "## Scaling out" in readme
    for var in compose["x-hotline-environment"]:
        if var not in ("HOTLINE_DATA_DIR", "HOTLINE_REDIS_URL"):
            assert var in readme, f"README does not explain {var}"
