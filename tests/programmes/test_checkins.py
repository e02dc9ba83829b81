"""Regular check-in calls: each due call shows up in the volunteers' queue as a call-back
request with the topic "check-in", in the caller's language, from a real worker with
RQ's scheduler; stopping them (or DELETE) ends them."""

from __future__ import annotations

from datetime import datetime

from rq import SimpleWorker
from rq.registry import ScheduledJobRegistry

from hotline import domains, jobs
from hotline.callbacks import queue as callbacks
from hotline.conversation.capabilities import CapabilityContext
from hotline.privacy.vault import caller_hash
from tests.capabilities import checkin_capability
from tests.redis_scan import entries
from tests.rq_clock import advance_schedules

CALLER = "+12025550143"  # Washington: America/New_York


def _checkin(runtime, clock, action, **params):
    ctx = CapabilityContext(redis=runtime.redis, config=runtime.config, caller=CALLER,
                            caller_hash=caller_hash(runtime.config, CALLER), channel="sms",
                            language="en", now=clock())
    return checkin_capability(ctx, {"action": action, **params})


def _pass(runtime, clock, seconds):
    clock.advance(seconds)
    advance_schedules(runtime.redis, seconds)
    SimpleWorker(list(jobs.QUEUES), connection=runtime.redis).work(burst=True,
                                                                   with_scheduler=True)


def test_a_weekly_check_in_is_a_call_back_request_when_due_and_the_next_is_planned(hotline,
                                                                                   clock):
    runtime, _ = hotline
    assert _checkin(runtime, clock, "start", every="7", window="morning")["started"]
    assert _checkin(runtime, clock, "status") == {"action": "status", "active": True,
                                                  "every": 7, "window": "morning"}
    due = datetime.fromisoformat("2027-01-10T10:00:00-05:00").timestamp()  # a week on, 10 am
    _pass(runtime, clock, due - clock() - 60)
    assert callbacks.all_requests(runtime.redis, runtime.config) == []
    _pass(runtime, clock, 61)
    (request,) = callbacks.all_requests(runtime.redis, runtime.config)
    assert (request.topic, request.language, request.masked) == ("check-in", "en",
                                                                 "+1 202-***-**43")
    (following,) = ScheduledJobRegistry(jobs.CALLBACKS, connection=runtime.redis).get_job_ids()
    assert following.endswith("-2")


def test_stopping_or_delete_ends_the_calls_and_forgets_the_number(hotline, clock):
    runtime, _ = hotline
    _checkin(runtime, clock, "start", every="14", window="evening")
    assert _checkin(runtime, clock, "stop")["stopped"]
    assert ScheduledJobRegistry(jobs.CALLBACKS, connection=runtime.redis).get_job_ids() == []
    assert _checkin(runtime, clock, "status")["active"] is False
    _checkin(runtime, clock, "start", every="7", window="afternoon")
    domains.forget(runtime.redis, runtime.config, CALLER, clock())
    assert ScheduledJobRegistry(jobs.CALLBACKS, connection=runtime.redis).get_job_ids() == []
    assert not [k for k in entries(runtime.redis) if ":prog:ci" in k]
