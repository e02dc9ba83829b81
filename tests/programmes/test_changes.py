"""Staff move or cancel a session by importing again: each caller signed up to it hears of
it once, from a real worker; a moved session's reminder moves with it."""

from __future__ import annotations

import dataclasses
import os
from datetime import datetime

from rq import SimpleWorker
from rq.registry import ScheduledJobRegistry

from hotline import jobs
from hotline.programmes import changes, model, signups
from hotline.telephony import read_outbox
from tests.conftest import SCRIPTS_DIR

A, B = "+821012340001", "+821012340002"


def _sample() -> list[model.Programme]:
    return model.read_file(os.path.join(SCRIPTS_DIR, "programmes.sample.yaml"))


def _with_jan_11(programmes, **changed):
    out = []
    for p in programmes:
        if p.id == "counselling":
            sessions = tuple(dataclasses.replace(s, **changed) if s.id == "jan-11" else s
                             for s in p.sessions if not (s.id == "jan-11" and changed.get(
                                 "date") == "gone"))
            p = dataclasses.replace(p, sessions=sessions)
        out.append(p)
    return out


def _work(conn) -> None:
    SimpleWorker(list(jobs.QUEUES), connection=conn).work(burst=True)


def test_a_moved_session_reaches_each_caller_once_and_moves_their_reminder(hotline):
    runtime, ask = hotline
    conn, config = runtime.redis, runtime.config
    for number in (A, B):
        ask(number, "join", programme="counselling", session="jan-11")
    moved = _with_jan_11(_sample(), time="15:00")
    assert changes.save_and_notify(conn, config, moved) == 2
    assert changes.save_and_notify(conn, config, moved) == 0  # nothing changed this time
    _work(conn)
    texts = [(e["to"], e["body"]) for e in read_outbox(config.data_dir)]
    assert sorted(texts) == [(n, "상담 날짜가 바뀌었어요: 1월 11일 15:00. 취소는 1번, 6번.")
                             for n in (A, B)]
    at = datetime.fromisoformat("2027-01-10T15:00:00+09:00").timestamp()
    registry = ScheduledJobRegistry(jobs.DEFAULT, connection=conn)
    reminders = [j for j in registry.get_job_ids() if j.startswith("progrem-")]
    assert len(reminders) == 2
    # scheduled an hour later than before (RQ counts from the wall clock: compare offsets)
    for job_id in reminders:
        assert abs(conn.zscore(registry.key, job_id) - conn.time()[0]
                   - (at - runtime.clock())) < 5


def test_a_cancelled_session_reaches_each_caller_once_and_drops_their_sign_up(hotline):
    runtime, ask = hotline
    conn, config = runtime.redis, runtime.config
    ask(A, "join", programme="counselling", session="jan-11")
    ask(B, "join", programme="counselling", session="jan-18")
    assert changes.save_and_notify(conn, config, _with_jan_11(_sample(), date="gone")) == 1
    _work(conn)
    assert [(e["to"], e["body"]) for e in read_outbox(config.data_dir)] == [
        (A, "신청하신 상담 날짜가 취소됐어요. 번호는 지웠어요.")]
    assert ask(A, "mine")["signups"] == []
    assert [s["id"] for s in ask(B, "mine")["signups"]] != []
    assert signups.taken(conn, config, "counselling", "jan-11") == 0
