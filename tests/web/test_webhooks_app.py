"""The app factory: refuses to run unprotected, starts without Redis, swaps scripts whole."""

import dataclasses
import xml.etree.ElementTree as ET

import pytest

from hotline import ConfigError, create_app

NO_SECRETS = {"SECRET_KEY": None, "TWILIO_AUTH_TOKEN": None, "DEMO": False,
              "REDIS_URL": "redis://127.0.0.1:1/0"}


def test_refuses_to_start_without_secret_key_and_auth_token(app_config):
    with pytest.raises(ConfigError) as error:
        create_app(dict(app_config, TESTING=False, **NO_SECRETS))
    assert "HOTLINE_SECRET_KEY" in str(error.value)
    assert "TWILIO_AUTH_TOKEN" in str(error.value)


def test_refuses_to_start_without_an_encryption_key(app_config):
    with pytest.raises(ConfigError, match="HOTLINE_ENCRYPTION_KEY"):
        create_app(dict(app_config, TESTING=False, SECRET_KEY="s", TWILIO_AUTH_TOKEN="t",
                        ENCRYPTION_KEY=None, DEMO=False))


def test_refuses_to_start_without_the_auth_token_alone(app_config):
    with pytest.raises(ConfigError, match="TWILIO_AUTH_TOKEN"):
        create_app(dict(app_config, TESTING=False, **dict(NO_SECRETS, SECRET_KEY="s")))


def test_testing_mode_makes_up_secrets_so_nothing_is_unsigned(app_config):
    app = create_app(dict(app_config, **NO_SECRETS))
    assert app.config["SECRET_KEY"] and app.config["TWILIO_AUTH_TOKEN"]
    assert app.test_client().post("/twilio/sms", data={"Body": "x"}).status_code == 403


def test_demo_mode_uses_the_demo_secrets_under_the_data_dir(app_config, tmp_path):
    app = create_app(dict(app_config, TESTING=False, DATA_DIR=str(tmp_path),
                          **dict(NO_SECRETS, DEMO=True)))
    assert app.config["TWILIO_AUTH_TOKEN"]
    assert (tmp_path / "demo-secrets.json").exists()


def test_a_swapped_script_answers_the_next_request(app, signed_post):
    holder = app.extensions["hotline"].scripts
    script = holder.entry()
    start = script.nodes[script.start]
    changed = dataclasses.replace(start, text={**start.text, "ko": "새 인사말이에요."})
    holder.replace({script.name: dataclasses.replace(script, nodes={**script.nodes,
                                                                    start.id: changed})})
    response = signed_post("/twilio/sms", {"From": "+821012345678", "Body": "안녕"})
    assert "새 인사말이에요." in ET.fromstring(response.data).find("Message").text
