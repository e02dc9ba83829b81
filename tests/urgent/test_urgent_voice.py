"""Urgent voice calls: Dial level 1 with whisper URLs, accept on 1, next level, nobody."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from urllib.parse import parse_qs, urlsplit

import pytest

from hotline.callbacks import queue as callbacks
from hotline.conversation.capabilities import CapabilityContext
from hotline.people import access_log, rota, volunteers
from hotline.privacy.vault import new_key
from hotline.urgent import cases as urgent
from hotline.urgent.intake import dial_capability
from hotline.web import urgent as urgent_web
from tests.capabilities import urgent_capability

CALLER = "+821099998888"
ROTA = """\
timezone: Asia/Seoul
ack_timeout_seconds: 20
levels:
  - name: primary
    shifts:
      - {volunteer: Kim, days: [mon, tue, wed, thu, fri, sat, sun], from: "00:00", to: "24:00"}
      - {volunteer: Choi, days: [mon, tue, wed, thu, fri, sat, sun], from: "00:00", to: "24:00"}
  - name: backup
    ack_timeout_seconds: 30
    shifts:
      - {volunteer: Lee, days: [mon, tue, wed, thu, fri, sat, sun], from: "00:00", to: "24:00"}
"""


@pytest.fixture()
def app_config(app_config):
    return {**app_config, "ENCRYPTION_KEY": new_key()}


@pytest.fixture()
def voice_case(app, redis_conn):
    if "urgent" not in app.blueprints:
        app.register_blueprint(urgent_web.bp)
    config = app.extensions["hotline"].config
    people = {name: volunteers.add(redis_conn, config, name, phone, ("ko",))
              for name, phone in [("Kim", "+821011110001"), ("Choi", "+821011110004"),
                                  ("Lee", "+821011110003")]}
    rota.import_rota(redis_conn, config, ROTA, "rota.yaml", 0.0,
                     rota.resolver(redis_conn, config))
    ctx = CapabilityContext(redis_conn, config, CALLER, urgent.caller_hash(config, CALLER),
                            "voice", "ko", call_sid="CA1", now=config.clock())
    data = urgent_capability(ctx, {"language": "ko", "reason": "menu"})
    return redis_conn, config, people, data["code"]


def dial_of(xml: str):
    root = ET.fromstring(xml)
    dial = root.find("Dial")
    return root, dial


def query(url: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}


def test_urgent_call_dials_level_1_at_once_with_whisper_urls(voice_case):
    conn, config, _people, code = voice_case
    response = urgent_web.dial_twiml(conn, config, code, "ko", 0, config.clock(),
                                     before="곧 사람을 연결해 드릴게요.")
    root, dial = dial_of(str(response))
    assert root[0].tag == "Say" and root[0].text == "곧 사람을 연결해 드릴게요."
    assert dial.get("timeout") == "20" and dial.get("callerId") == config.hotline_number
    assert query(dial.get("action")) == {"case": code, "step": "1", "lang": "ko"}
    numbers = dial.findall("Number")
    assert [n.text for n in numbers] == ["+821011110001", "+821011110004"]
    assert all(n.get("url").startswith(config.public_url + "/twilio/urgent/whisper?")
               for n in numbers)
    assert query(numbers[0].get("url"))["case"] == code
    assert [e["step"] for e in urgent.timeline(conn, config, code)] == ["created", "dialled"]


def test_each_volunteer_hears_the_whisper_in_their_own_language(voice_case, signed_post):
    conn, config, _people, code = voice_case
    volunteers.remove(conn, config, "+821011110004")
    volunteers.add(conn, config, "Choi", "+821011110004", ("en", "ko"))
    rota.import_rota(conn, config, ROTA, "rota.yaml", 0.0, rota.resolver(conn, config))
    response = urgent_web.dial_twiml(conn, config, code, "ko", 0, config.clock())
    urls = {n.text: n.get("url") for n in dial_of(str(response))[1].findall("Number")}
    assert query(urls["+821011110001"])["lang"] == "ko"
    assert query(urls["+821011110004"])["lang"] == "en"
    english = urlsplit(urls["+821011110004"])
    root = ET.fromstring(signed_post(f"{english.path}?{english.query}",
                                     {"CallSid": "CA9", "To": "+821011110004"}).data)
    assert root.find("Gather/Say").get("language") == "en-US"
    assert "Press 1" in root.find("Gather/Say").text


def test_a_whisper_url_with_control_characters_still_gets_valid_twiml(voice_case, signed_post):
    """Found by the webhook fuzzer: the code is read out and put back into TwiML."""
    code = voice_case[3]
    for bad, kept in (("%08", ""), (f"{code}%00", code), (f"%EF%BF%BE{code}", code)):
        answer = signed_post(f"/twilio/urgent/whisper?case={bad}&lang=ko",
                             {"CallSid": "CA2", "To": "+821011110001"})
        root = ET.fromstring(answer.data)  # raised ParseError before: \x08 went in as is
        assert query(root.find("Gather").get("action")).get("case", "") == kept


def test_whisper_then_1_claims_the_case_and_the_outcome_is_recorded(voice_case,
                                                                    signed_post):
    conn, config, people, code = voice_case
    urgent_web.dial_twiml(conn, config, code, "ko", 0, config.clock())
    whisper = signed_post(f"/twilio/urgent/whisper?case={code}&lang=ko",
                          {"CallSid": "CA2", "To": "+821011110001", "From": "+15005550006"})
    root = ET.fromstring(whisper.data)
    gather = root.find("Gather")
    assert gather.get("numDigits") == "1"
    assert gather.find("Say").text == f"긴급 건 {' '.join(code)}입니다. 맡으려면 1번, 넘기려면 2번을 누르세요."
    assert root[-1].tag == "Hangup"  # voicemail never presses 1: the leg drops

    no_key = signed_post(f"/twilio/urgent/accept?case={code}&lang=ko",
                         {"CallSid": "CA2", "To": "+821011110001", "Digits": "9"})
    assert ET.fromstring(no_key.data)[0].tag == "Hangup"
    assert urgent.get(conn, config, code).state == urgent.State.PAGING

    accepted = signed_post(f"/twilio/urgent/accept?case={code}&lang=ko",
                           {"CallSid": "CA2", "To": "+821011110001", "Digits": "1"})
    assert ET.fromstring(accepted.data)[0].text == "맡으셨어요. 연결합니다."
    case = urgent.get(conn, config, code)
    assert case.state == urgent.State.CLAIMED and case.acked_by == people["Kim"].id
    assert [(e.who, e.action, e.target, e.via) for e in access_log.entries(conn, config)] == [
        ("Kim", "case_taken", code, "voice")]
    late = signed_post(f"/twilio/urgent/accept?case={code}&lang=ko",
                       {"CallSid": "CA3", "To": "+821011110004", "Digits": "1"})
    assert ET.fromstring(late.data)[0].text == "다른 분이 맡았어요. 고맙습니다."

    ended = signed_post(f"/twilio/urgent/dialed?case={code}&step=1&lang=ko",
                        {"CallSid": "CA1", "DialCallStatus": "completed",
                         "DialCallDuration": "312"})
    assert ET.fromstring(ended.data)[0].tag == "Hangup"
    outcome, closed = urgent.timeline(conn, config, code)[-2:]
    assert (outcome["step"], outcome["status"], outcome["seconds"]) == (
        "call_outcome", "completed", "312")
    # the person was reached: the case is over, the number gone, the caller free for a new one
    assert (closed["step"], closed["outcome"]) == ("closed", "call completed")
    assert urgent.get(conn, config, code).state == urgent.State.CLOSED
    assert urgent.number_of(conn, config, code) is None


def test_no_acceptance_dials_the_next_level_then_gives_the_emergency_number(voice_case,
                                                                           signed_post):
    conn, config, _people, code = voice_case
    urgent_web.dial_twiml(conn, config, code, "ko", 0, config.clock())
    second = signed_post(f"/twilio/urgent/dialed?case={code}&step=1&lang=ko",
                         {"CallSid": "CA1", "DialCallStatus": "no-answer"})
    _, dial = dial_of(second.data)
    assert [n.text for n in dial.findall("Number")] == ["+821011110003"]
    assert dial.get("timeout") == "30" and query(dial.get("action"))["step"] == "2"

    last = signed_post(f"/twilio/urgent/dialed?case={code}&step=2&lang=ko",
                       {"CallSid": "CA1", "DialCallStatus": "no-answer"})
    root = ET.fromstring(last.data)
    assert root.find("Dial") is None
    assert root[0].text == "지금 바로 119에 전화하세요. 곧 다시 전화드릴게요."
    assert root[-1].tag == "Hangup"
    case = urgent.get(conn, config, code)
    assert case.state == urgent.State.CALLBACK
    assert callbacks.get(conn, config, case.callback).priority == callbacks.Priority.URGENT
    steps = [e["step"] for e in urgent.timeline(conn, config, code)]
    assert steps == ["created", "dialled", "not_accepted", "dialled", "not_accepted",
                     "nobody_answered"]


def test_nobody_on_call_at_all_says_the_emergency_number_at_once(voice_case):
    conn, config, people, code = voice_case
    for person in people.values():
        volunteers.set_available(conn, config, person.id, False)
    root = ET.fromstring(str(urgent_web.dial_twiml(conn, config, code, "en", 0,
                                                   config.clock())))
    assert root.find("Dial") is None
    assert root[0].text == "Please call 119 now. We will call you back soon."


def test_urgent_voice_webhooks_need_a_signature(voice_case, client):
    assert client.post("/twilio/urgent/whisper?case=AAA").status_code == 403


def test_a_voice_call_reaching_the_urgent_node_gets_its_sentence_then_the_dial(voice_case):
    from hotline.channels import voice
    from hotline.conversation.capabilities import Capabilities
    from hotline.engine.inputs import Begin, Digits
    from hotline.engine.loader import parse_script
    from hotline.engine.runner import step

    conn, config, _people, code = voice_case
    urgent.close(conn, config, code, 0)  # this test opens its own case, from the menu
    script = parse_script("""\
spec_version: 1
name: v
start: menu
languages: {ko: {name: 한국어}}
phrases: {invalid: {ko: 다시}, silence: {ko: 다시}, resume: {ko: 이어서?},
          resume_yes: {ko: 예}, resume_no: {ko: 아니요}, give_up: {ko: "{emergency}"}}
nodes:
  menu:
    type: menu
    text: {ko: 고르세요.}
    options: [{key: 0, label: {ko: 급해요}, goto: urgent}]
  urgent:
    type: urgent
    text: {ko: 곧 사람을 연결해 드릴게요.}
""")
    now = config.clock()
    first = step(script, None, Begin("voice", "", "KR"), now=now)
    result = step(script, first.session, Digits("0"), now=now)
    ctx = CapabilityContext(conn, config, CALLER, urgent.caller_hash(config, CALLER),
                            "voice", "ko", call_sid="CA9", now=now)
    capabilities = Capabilities()
    capabilities.register("urgent", urgent_capability)
    capabilities.register("urgent_dial", dial_capability)
    result = capabilities.carry_out(
        result, ctx, lambda r, o: step(script, r.session, o, now=now))
    root, dial = dial_of(str(voice.render(result.actions, script, config.public_url)))
    assert root[0].text == "곧 사람을 연결해 드릴게요."
    assert [n.text for n in dial.findall("Number")] == ["+821011110001", "+821011110004"]
    assert dial_of(str(voice.render(first.actions, script, config.public_url)))[1] is None


def call_and_press_0(signed_post, sid):
    signed_post("/twilio/voice", {"CallSid": sid, "From": CALLER, "To": "+15005550006",
                                  "CallStatus": "ringing"})
    return signed_post("/twilio/voice/gather", {"CallSid": sid, "From": CALLER,
                                                "To": "+15005550006", "Digits": "0"})


def test_a_caller_whose_sms_case_still_waits_is_put_through_when_they_call(voice_case,
                                                                           signed_post):
    conn, config, _people, code = voice_case
    urgent.close(conn, config, code, 0)
    ctx = CapabilityContext(conn, config, CALLER, urgent.caller_hash(config, CALLER), "sms",
                            "ko", message_sid="SM1", now=config.clock())
    sms_code = urgent_capability(ctx, {"language": "ko", "reason": "words"})["code"]
    _, dial = dial_of(call_and_press_0(signed_post, "CA20").data)
    assert dial is not None, "the caller must be put through, not only told to wait"
    assert [n.text for n in dial.findall("Number")] == ["+821011110001", "+821011110004"]
    assert query(dial.get("action"))["case"] == sms_code
    assert "dialled" in [e["step"] for e in urgent.timeline(conn, config, sms_code)]


def test_ringing_again_on_a_claimed_case_tells_the_volunteer_who_has_it(voice_case,
                                                                       signed_post, tmp_path):
    from rq import SimpleWorker

    from hotline import job_context as context
    from hotline.jobs import QUEUES
    from hotline.telephony import OutboxTransport, read_outbox

    conn, config, people, code = voice_case
    urgent.mark_paged(conn, config, code, people["Kim"].id)
    assert urgent.claim(conn, config, code, people["Kim"].id, 0) == "won"
    root, dial = dial_of(call_and_press_0(signed_post, "CA21").data)
    assert dial is None and "곧 사람이 연락드려요" in root[0].text
    call_and_press_0(signed_post, "CA21")  # a Twilio retry tells nobody twice
    context.configure(config, OutboxTransport(str(tmp_path)))
    try:
        SimpleWorker(list(QUEUES), connection=conn).work(burst=True)
    finally:
        context.configure({})
    sent = [e for e in read_outbox(str(tmp_path)) if e["kind"] == "sms"]
    assert [(e["to"], e["body"]) for e in sent] == [
        ("+821011110001", f"{code}: 그분이 다시 급하게 전화했어요.")]  # Kim reads Korean


def test_on_a_voice_page_2_passes_the_case_on_and_the_volunteer_hears_it(voice_case,
                                                                         signed_post):
    conn, config, people, code = voice_case
    urgent_web.dial_twiml(conn, config, code, "ko", 0, config.clock())
    passed = signed_post(f"/twilio/urgent/accept?case={code}&lang=ko",
                         {"CallSid": "CA2", "To": "+821011110001", "Digits": "2"})
    root = ET.fromstring(passed.data)
    assert root[0].text == "다음 당번에게 넘겼어요. 고맙습니다."
    assert root[-1].tag == "Hangup"  # this leg drops; the Dial goes on without it
    case = urgent.get(conn, config, code)
    assert case.state == urgent.State.PAGING and not case.acked_by
    passes = [e for e in urgent.timeline(conn, config, code) if e["step"] == "passed"]
    assert [e["volunteer"] for e in passes] == [people["Kim"].id]
    assert [(e.who, e.action, e.via) for e in access_log.entries(conn, config)] == [
        ("Kim", "case_passed", "voice")]
    # a phone that is no volunteer's presses 2: nothing is passed
    stranger = signed_post(f"/twilio/urgent/accept?case={code}&lang=ko",
                           {"CallSid": "CA3", "To": "+821099990000", "Digits": "2"})
    assert [c.tag for c in ET.fromstring(stranger.data)] == ["Hangup"]
