"""Demo mode: secrets generated once and kept under the data directory, said out loud."""

from __future__ import annotations

import json
import os
import secrets
from typing import Any

from hotline.privacy.vault import new_key

SECRETS_FILE = "demo-secrets.json"


def demo_secrets(data_dir: str) -> tuple[dict[str, str], bool]:
    """Return the demo's secrets (made and saved on first use) and whether they are new."""
    path = os.path.join(data_dir, SECRETS_FILE)
    if os.path.exists(path):
        with open(path, encoding="utf-8") as handle:
            return json.load(handle), False
    values = {
        "SECRET_KEY": secrets.token_urlsafe(32),
        "TWILIO_AUTH_TOKEN": secrets.token_hex(16),
        "ENCRYPTION_KEY": new_key(),
    }
    os.makedirs(data_dir, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(values, handle)
    return values, True


def demo_config(base: dict[str, Any]) -> dict[str, Any]:
    """Return `base` with DEMO on and any missing secret filled from the demo secrets."""
    values, _ = demo_secrets(base.get("DATA_DIR") or "instance")
    config = dict(base)
    config["DEMO"] = True
    for name, value in values.items():
        if not config.get(name):
            config[name] = value
    return config
