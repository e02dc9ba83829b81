"""A hotline with the sample programmes, and a caller's capability context."""

from __future__ import annotations

import os

import pytest

from hotline import job_context as context
from hotline.conversation.capabilities import CapabilityContext
from hotline.privacy.vault import caller_hash, new_key
from hotline.programmes import model, store
from hotline.telephony import OutboxTransport
from tests.capabilities import programme_capability
from tests.conftest import SCRIPTS_DIR

JAN_4_10_KST = 1_799_024_400.0  # 2027-01-04T10:00+09:00, a week before the first session


@pytest.fixture()
def app_config(app_config, tmp_path):
    return {**app_config, "ENCRYPTION_KEY": new_key(), "DATA_DIR": str(tmp_path),
            "HOTLINE_NUMBER": "+15005550006"}


@pytest.fixture()
def hotline(app, clock, tmp_path):
    """(runtime, ask): `ask(number, action, **params)` hands off as a programme node would."""
    clock.now = JAN_4_10_KST
    runtime = app.extensions["hotline"]
    store.save(runtime.redis, runtime.config,
               model.read_file(os.path.join(SCRIPTS_DIR, "programmes.sample.yaml")))
    context.configure(runtime.config, OutboxTransport(str(tmp_path)), clock=clock)

    def ask(number: str, action: str, language: str = "ko", **params):
        ctx = CapabilityContext(redis=runtime.redis, config=runtime.config, caller=number,
                                caller_hash=caller_hash(runtime.config, number), channel="sms",
                                language=language, now=clock())
        return programme_capability(ctx, {"action": action, **params})

    runtime.app = app  # the tests' phones post to it
    yield runtime, ask
    context.configure({})
