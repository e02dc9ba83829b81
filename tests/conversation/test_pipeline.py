"""The inbound pipeline without Flask: plain values in, an answer (actions, claim, writes) out.

Also the Dial action (engine -> channel) and the one caller hash.
"""

from __future__ import annotations

import ast
import inspect
import json
import xml.etree.ElementTree as ET

import redis

from hotline import domains
from hotline.channels import sms, voice
from hotline.config import load_config
from hotline.conversation import pipeline, replay_guard
from hotline.engine.actions import Dial, DialNumber, Say, action_from_dict, action_to_dict
from hotline.privacy.vault import caller_hash, number_hash

CALLER = "+821012345678"


def _inbound(body: str, sid: str) -> pipeline.Inbound:
    fields = (("From", CALLER), ("To", "+15005550006"), ("Body", body), ("MessageSid", sid))
    return pipeline.Inbound(channel="sms", kind="text", sender=CALLER, body=body,
                            message_sid=sid, path="/twilio/sms", fields=fields)


def _context(app, conn=None) -> pipeline.Context:
    parts = app.extensions["hotline"]
    return pipeline.Context(conn or parts.redis, app.extensions["hotline"].config, parts.scripts, parts.sessions,
                            parts.capabilities, parts.clock(), domains.forget)


def test_the_pipeline_imports_no_flask_twilio_or_twiml():
    tree = ast.parse(inspect.getsource(pipeline))
    imported = {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import)
                for alias in node.names}
    imported |= {node.module or "" for node in ast.walk(tree)
                 if isinstance(node, ast.ImportFrom)}
    assert not {name for name in imported
                if name.split(".")[0] in {"flask", "twilio", "werkzeug"}
                or name.startswith(("hotline.web", "hotline.channels"))}


def test_a_text_gives_actions_a_claim_and_the_session_to_write_with_the_answer(app):
    ctx = _context(app)
    answer = pipeline.handle(_inbound("안녕하세요", "SM" + "1" * 32), ctx)
    assert not answer.fallback and answer.replayed is None
    assert any(getattr(a, "text", "") for a in answer.actions)
    assert answer.claim is not None
    session_key = ctx.sessions.key(caller_hash(app.extensions["hotline"].config, CALLER))
    assert [key for key, _, _ in answer.writes.sets] == [session_key]
    assert answer.writes.counts  # a new conversation is counted for the figures
    assert ctx.redis.get(session_key) is None, "nothing written before the answer is kept"

    rendered = str(sms.render(answer.actions, answer.script))
    replay_guard.keep(ctx.redis, ctx.config, answer.claim, rendered, CALLER, answer.writes)
    assert ctx.redis.get(session_key) is not None

    again = pipeline.handle(_inbound("안녕하세요", "SM" + "1" * 32), _context(app))
    assert again.replayed == rendered and again.claim is None and not again.writes.sets


def test_redis_down_gives_the_fallback_and_keeps_nothing(app):
    down = redis.Redis.from_url("redis://127.0.0.1:1/0", socket_connect_timeout=0.2)
    answer = pipeline.handle(_inbound("안녕하세요", "SM" + "2" * 32), _context(app, down))
    assert answer.fallback and answer.claim is None and not answer.writes.sets


def test_a_dial_action_survives_json_and_is_rendered_as_dial_by_voice_only(app):
    dial = Dial((DialNumber("+821011110001", "/twilio/urgent/whisper?case=A1&lang=ko"),),
                caller_id="+15005550006", timeout=20,
                after="/twilio/urgent/dialed?case=A1&step=1&lang=ko")
    assert action_from_dict(json.loads(json.dumps(action_to_dict(dial)))) == dial
    script = app.extensions["hotline"].scripts.entry()
    root = ET.fromstring(str(voice.render((Say("곧 연결해요.", "ko"), dial), script,
                                          "https://hotline.example")))
    assert [child.tag for child in root] == ["Say", "Dial"]
    verb = root.find("Dial")
    assert verb.get("callerId") == "+15005550006" and verb.get("timeout") == "20"
    assert verb.get("action") == "https://hotline.example/twilio/urgent/dialed?case=A1&step=1&lang=ko"
    number = verb.find("Number")
    assert number.text == "+821011110001"
    assert number.get("url") == "https://hotline.example/twilio/urgent/whisper?case=A1&lang=ko"
    assert sms.messages((dial,), script) == []


def test_a_caller_number_has_one_hash_however_it_is_written():
    config = load_config({"SECRET_KEY": "k"}, environ={})
    assert caller_hash(config, "+82 10-1234-5678") == caller_hash(config, CALLER)
    assert caller_hash(config, CALLER) == number_hash("k", CALLER)  # values kept for E.164


def _queued_job_ids(conn) -> set[str]:
    from rq import Queue

    from hotline.jobs import QUEUES

    ids: set[str] = set()
    for name in QUEUES:
        q = Queue(name, connection=conn)
        ids |= set(q.job_ids) | set(q.scheduled_job_registry.get_job_ids())
    return ids


def test_the_answer_carries_the_jobs_it_starts_and_settle_enqueues_them(app):
    """An urgent text: the case is opened, but its first page is a job the answer carries
    (the pipeline enqueues nothing itself); settle() enqueues it before the answer goes."""
    from hotline.conversation import settle

    ctx = _context(app)
    answer = pipeline.handle(_inbound("살려주세요 숨을 못 쉬겠어요", "SM" + "3" * 32), ctx)
    assert not answer.fallback
    page = [job for job in answer.jobs if job.func == "workers.urgent_jobs.escalate"]
    assert len(page) == 1, answer.jobs
    assert ("urgent", page[0].args[0]) in answer.confirm  # told only once a replica has it
    assert _queued_job_ids(ctx.redis) == set(), "nothing enqueued before the answer settles"

    rendered = str(sms.render(answer.actions, answer.script))
    settle.settle(ctx.redis, ctx.config, answer, rendered, CALLER)
    assert page[0].job_id in _queued_job_ids(ctx.redis)


def test_jobs_that_cannot_be_enqueued_give_the_fallback_and_the_sweep_pages(
        app, client, signed_post, monkeypatch):
    """Told "a person is being paged" only when the page is enqueued: otherwise the
    fallback with the emergency number. The case is open with no job for its first step,
    and the workers' sweep (urgent/sweep.py) schedules that step."""
    from hotline import jobs, keys
    from hotline.urgent import cases
    from hotline.urgent.sweep import reschedule_lost_steps

    def broken(conn, specs):
        raise redis.ConnectionError("primary gone")

    monkeypatch.setattr(jobs, "submit_all", broken)
    first = signed_post("/twilio/sms", {"From": CALLER, "To": "+15005550006",
                                        "Body": "살려주세요", "MessageSid": "SM" + "4" * 32})
    assert first.status_code == 200
    assert "119" in first.get_data(as_text=True)  # the fallback: the emergency number
    runtime = app.extensions["hotline"]
    conn, config = runtime.redis, runtime.config
    assert _queued_job_ids(conn) == set()

    monkeypatch.undo()
    (case,) = cases.recent(conn, config)
    assert reschedule_lost_steps(conn, config, runtime.clock(), settle=0) == [case.code]
    assert keys.urgent_step_job(case.code, 0) in _queued_job_ids(conn)


def test_a_volunteer_s_next_answers_with_the_call_job_and_settle_enqueues_it(app):
    """A volunteer's command is inbound too: NEXT takes the request, and the call that
    rings the volunteer is a job the answer carries, enqueued when it settles."""
    from hotline.callbacks import queue as callbacks
    from hotline.conversation import settle
    from hotline.people import volunteers

    ctx = _context(app)
    minji = "+821055550001"
    volunteers.add(ctx.redis, ctx.config, "Minji", minji, ("ko",))
    placed = callbacks.create(ctx.redis, ctx.config, CALLER, language="ko", topic="clinic",
                              now=ctx.now)
    fields = (("From", minji), ("To", "+15005550006"), ("Body", "다음"),
              ("MessageSid", "SM" + "6" * 32))
    answer = pipeline.handle(pipeline.Inbound(
        channel="sms", kind="text", sender=minji, body="다음", message_sid="SM" + "6" * 32,
        path="/twilio/sms", fields=fields), ctx)
    (call,) = answer.jobs
    assert call.func == "workers.calls.call_volunteer"
    assert call.args[0] == placed.request.id
    assert _queued_job_ids(ctx.redis) == set()
    settle.settle(ctx.redis, ctx.config, answer, str(sms.render(answer.actions, answer.script)),
                  minji)
    assert _queued_job_ids(ctx.redis) == {call.job_id}
