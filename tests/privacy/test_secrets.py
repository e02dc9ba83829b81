"""No secret in the repository; no start without secrets outside demo mode; demo makes its own."""

from __future__ import annotations

import json
import os
import re
import socket
import stat
import subprocess
import sys
import time

import pytest

from hotline import ConfigError, create_app
from hotline.privacy.vault import new_key

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

# What a leaked secret looks like: Twilio account/API key SIDs, a bare 32-hex auth token,
# a Fernet key, a private key, a secret assigned a literal in an env or config file.
PATTERNS = {
    "twilio account sid": re.compile(r"\bAC[0-9a-fA-F]{32}\b"),
    "twilio api key sid": re.compile(r"\bSK[0-9a-fA-F]{32}\b"),
    "32-hex token": re.compile(r"\b[0-9a-fA-F]{32}\b"),
    "fernet key": re.compile(r"(?<![A-Za-z0-9_-])[A-Za-z0-9_-]{43}="),
    "private key": re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----"),
    "secret in env": re.compile(
        r"(?im)^\s*(?:export\s+)?(?:TWILIO_AUTH_TOKEN|HOTLINE_SECRET_KEY|HOTLINE_ENCRYPTION_KEY)"
        r"\s*=\s*['\"]?[^\s'\"$<{]{8,}"),
}
SECRET_FILES = re.compile(r"(^|/)(\.env(\..*)?|demo-secrets\.json|.*\.rdb|.*\.pem|id_rsa)$")


def _looks_random(text: str) -> bool:
    return bool(re.search(r"[0-9]", text) and re.search(r"[A-Z]", text)
                and re.search(r"[a-z]", text))


def find_secrets(name: str, text: str) -> list[str]:
    """Return what in this file looks like a secret, as 'name: kind'."""
    found = [f"{name}: secret file"] if SECRET_FILES.search(name) else []
    for kind, pattern in PATTERNS.items():
        for match in pattern.finditer(text):
            if kind == "fernet key" and not _looks_random(match.group()):
                continue
            found.append(f"{name}: {kind} {match.group()[:6]}…")
    return found


def tracked_files() -> list[str]:
    try:
        out = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True,
                             check=True).stdout
        return [name for name in out.decode().split("\0") if name]
    except (OSError, subprocess.CalledProcessError):  # not a git checkout: walk the tree
        skip = {".git", ".venv", ".ci-venv", "instance", "__pycache__", ".pytest_cache"}
        names = []
        for top, dirs, files in os.walk(ROOT):
            dirs[:] = [d for d in dirs if d not in skip and not d.endswith(".egg-info")]
            names += [os.path.relpath(os.path.join(top, f), ROOT) for f in files]
        return names


def test_no_secret_is_tracked_in_the_repository():
    names = tracked_files()
    assert any(n.endswith("hotline/__init__.py") for n in names)
    found = []
    for name in names:
        path = os.path.join(ROOT, name)
        if not os.path.isfile(path):
            continue
        with open(path, "rb") as handle:
            data = handle.read(2_000_000)
        if b"\0" in data[:4096]:
            continue  # binary
        found += find_secrets(name, data.decode("utf-8", "replace"))
    assert not found, found


@pytest.mark.parametrize("text", [
    "TWILIO_ACCOUNT_SID=AC" + "3f" * 16,
    "token = '" + "9a" * 16 + "'",
    "HOTLINE_ENCRYPTION_KEY: " + new_key(),
    "export HOTLINE_SECRET_KEY=hunter2hunter2",
    "-----BEGIN RSA " + "PRIVATE KEY-----",
], ids=["twilio-sid", "token", "fernet-key", "secret-key", "private-key"])  # one id per run
def test_the_scan_finds_planted_secrets(text):
    assert find_secrets("settings.txt", f"# config\n{text}\n")


def test_the_scan_finds_secret_files_and_leaves_test_values_alone():
    assert find_secrets("instance/demo-secrets.json", "{}")
    assert find_secrets(".env", "")
    assert not find_secrets("tests/conftest.py", 'AUTH_TOKEN = "test-auth-token"\n'
                            'sid = "SM00000000000000000000000000000001"\n')


# --- Refusing to start without secrets ----------------------------------------------------

def clean_environment(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("HOTLINE_", "TWILIO_"))}
    env.update(extra)
    return env


@pytest.fixture()
def no_secrets(monkeypatch):
    for name in list(os.environ):
        if name.startswith(("HOTLINE_", "TWILIO_")):
            monkeypatch.delenv(name)


def test_the_app_refuses_to_start_without_secret_key_and_auth_token(no_secrets):
    with pytest.raises(ConfigError) as refused:
        create_app({"REDIS_URL": "redis://127.0.0.1:1/0"})
    assert "HOTLINE_SECRET_KEY" in str(refused.value)
    assert "TWILIO_AUTH_TOKEN" in str(refused.value)


@pytest.mark.parametrize("missing", ["SECRET_KEY", "TWILIO_AUTH_TOKEN"])
def test_each_missing_secret_is_named(no_secrets, missing):
    config = {"SECRET_KEY": "k" * 32, "TWILIO_AUTH_TOKEN": "t" * 32,
              "ENCRYPTION_KEY": new_key(), "REDIS_URL": "redis://127.0.0.1:1/0"}
    create_app(config)  # all set: it starts
    del config[missing]
    with pytest.raises(ConfigError, match={"SECRET_KEY": "HOTLINE_SECRET_KEY",
                                           "TWILIO_AUTH_TOKEN": "TWILIO_AUTH_TOKEN"}[missing]):
        create_app(config)


def test_hotline_serve_exits_with_a_clear_message_without_secrets(tmp_path):
    env = clean_environment(HOTLINE_DATA_DIR=str(tmp_path),
                            HOTLINE_REDIS_URL="redis://127.0.0.1:1/0")
    done = subprocess.run([sys.executable, "-m", "hotline.cli", "serve", "--port", "1"],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode != 0
    assert "HOTLINE_SECRET_KEY" in done.stderr and "TWILIO_AUTH_TOKEN" in done.stderr
    assert "Traceback" not in done.stderr + done.stdout


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def run_demo(data_dir, redis_url) -> str:
    """Start `hotline demo` without secrets, read what it prints until the web app is up."""
    env = clean_environment(HOTLINE_DATA_DIR=str(data_dir), HOTLINE_REDIS_URL=redis_url,
                            PYTHONUNBUFFERED="1")
    process = subprocess.Popen(
        [sys.executable, "-m", "hotline.cli", "demo", "--no-worker", "--port", str(free_port())],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    lines = []
    try:
        deadline = time.time() + 60
        assert process.stdout is not None
        while time.time() < deadline:
            line = process.stdout.readline()
            if not line:
                break
            lines.append(line)
            if line.startswith("Web app:"):
                break
    finally:
        process.terminate()
        process.wait(10)
    return "".join(lines)


@pytest.mark.slow
def test_demo_generates_its_secrets_says_so_and_keeps_them_private(tmp_path, redis_url,
                                                                   redis_conn):
    first = run_demo(tmp_path / "one", redis_url)
    assert "secrets generated in" in first and "Web app:" in first, first
    path = tmp_path / "one" / "demo-secrets.json"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    again = run_demo(tmp_path / "one", redis_url)
    assert "secrets read from" in again, again
    other = run_demo(tmp_path / "two", redis_url)
    ours = json.loads(path.read_text())
    theirs = json.loads((tmp_path / "two" / "demo-secrets.json").read_text())
    assert set(ours) >= {"SECRET_KEY", "TWILIO_AUTH_TOKEN", "ENCRYPTION_KEY"}
    assert all(ours[name] != theirs[name] for name in ours), other  # made, not built in
    assert all(len(value) >= 32 for value in ours.values())


def test_hotline_worker_exits_with_a_clear_message_without_secrets(tmp_path):
    env = clean_environment(HOTLINE_DATA_DIR=str(tmp_path),
                            HOTLINE_REDIS_URL="redis://127.0.0.1:1/0")
    done = subprocess.run([sys.executable, "-m", "hotline.cli", "worker", "--burst"],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=60,
                          check=False)
    assert done.returncode != 0
    assert "HOTLINE_SECRET_KEY" in done.stderr and "HOTLINE_ENCRYPTION_KEY" in done.stderr
    assert "Traceback" not in done.stderr + done.stdout
