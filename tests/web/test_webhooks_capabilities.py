"""Handoffs: the webhook carries out a registered capability and steps the engine on."""

import logging
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from typing import ClassVar

import pytest

from hotline.engine.actions import Handoff, Say
from hotline.engine.inputs import Outcome
from hotline.engine.model import Language, Node, Script, Step
from hotline.engine.nodes import EndNode
from hotline.privacy.vault import number_hash

CALLER = "+821012345678"


@dataclass(frozen=True)
class LookupNode(Node):
    """Test node: hands off to `capability`, then says what came back (or hands off again)."""

    kind: ClassVar[str] = "test_lookup"
    capability: str = "lookup"
    again: bool = False

    def enter(self, ctx):
        return Step((Say("찾는 중이에요.", ctx.language), Handoff(self.capability, {"what": "병원"})),
                    wait="handoff")

    def answer(self, ctx, event):
        if not isinstance(event, Outcome):
            return Step(invalid=True)
        if self.again:
            return Step((Handoff(self.capability, {}),), wait="handoff")
        return Step((Say(f"찾았어요: {event.data['found']}", ctx.language),), goto="bye")


def lookup_script(node):
    ko = Language("ko", "한국어", voice="Polly.Seoyeon", speech="ko-KR")
    return Script(name="main", languages={"ko": ko}, default_language="ko", start=node.id,
                  nodes={node.id: node, "bye": EndNode("bye", {"ko": "고맙습니다."})},
                  phrases={"give_up": {"ko": "급하면 {emergency}에 전화하세요."}})


@pytest.fixture()
def hotline(app):
    return app.extensions["hotline"]


def sms(signed_post, body="병원", sid="SM00000000000000000000000000000001"):
    response = signed_post("/twilio/sms", {"From": CALLER, "Body": body, "MessageSid": sid})
    assert response.status_code == 200
    return "\n".join(m.text for m in ET.fromstring(response.data).findall("Message"))


def test_a_registered_capability_is_carried_out_and_answered(app, hotline, signed_post, clock):
    hotline.scripts.replace({"main": lookup_script(LookupNode("find", {}))})
    seen = []

    def lookup(ctx, params):
        seen.append((ctx, params))
        return {"found": "서울 무료 병원"}

    hotline.capabilities.register("lookup", lookup)
    reply = sms(signed_post)
    assert "찾는 중이에요." in reply
    assert "찾았어요: 서울 무료 병원" in reply
    assert "고맙습니다." in reply
    [(ctx, params)] = seen
    assert params == {"what": "병원"}
    assert ctx.caller == CALLER and CALLER not in repr(ctx)
    assert ctx.caller_hash == number_hash(app.config["SECRET_KEY"], CALLER)
    assert (ctx.channel, ctx.language) == ("sms", "ko")
    assert ctx.message_sid == "SM00000000000000000000000000000001"
    assert ctx.redis.ping()
    assert ctx.now == clock()


def test_an_unregistered_capability_gets_the_fallback(hotline, signed_post, caplog):
    hotline.scripts.replace({"main": lookup_script(LookupNode("find", {}, capability="nope"))})
    with caplog.at_level(logging.ERROR):
        reply = sms(signed_post)
    assert "119" in reply and "찾았어요" not in reply
    assert "UnknownCapability" in caplog.text


def test_endless_handoffs_stop_after_three_rounds(hotline, signed_post):
    calls = []
    hotline.scripts.replace({"main": lookup_script(LookupNode("find", {}, again=True))})
    hotline.capabilities.register("lookup", lambda ctx, params: calls.append(1) or {})
    reply = sms(signed_post)
    assert "119" in reply
    assert len(calls) == 3
