"""GET /metrics: Prometheus text with webhook latency and the figures kept in Redis."""

from __future__ import annotations

from prometheus_client.parser import text_string_to_metric_families
from rq import Queue, SimpleWorker

from hotline import job_context as context
from hotline.jobs import QUEUES
from hotline.ops import metrics
from hotline.people import rota, volunteers
from hotline.telephony import OutboxTransport

ROTA = """\
timezone: Asia/Seoul
ack_timeout_seconds: 60
levels:
  - name: primary
    shifts:
      - {volunteer: Kim, days: [mon, tue, wed, thu, fri, sat, sun], from: "00:00", to: "24:00"}
"""


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every sample as (name, sorted labels) -> value."""
    out = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            out[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return out


def scrape(client, **kwargs) -> dict:
    reply = client.get("/metrics", **kwargs)
    assert reply.status_code == 200
    assert reply.headers["Content-Type"].startswith("text/plain")
    return samples(reply.get_data(as_text=True))


def sms(signed_post, body: str, sid: str, sender: str = "+821077770001"):
    return signed_post("/twilio/sms", {"From": sender, "To": "+15005550006", "Body": body,
                                       "MessageSid": sid, "AccountSid": "AC1"})


def test_webhook_latency_is_counted_by_route(client, signed_post):
    before = scrape(client).get(("hotline_webhook_seconds_count", (("route", "/twilio/sms"),)), 0)
    sms(signed_post, "안녕하세요", "SMm1")
    sms(signed_post, "1", "SMm2")
    after = scrape(client)
    assert after[("hotline_webhook_seconds_count", (("route", "/twilio/sms"),))] == before + 2
    assert after[("hotline_redis_up", ())] == 1


def test_callbacks_waiting_by_priority_and_urgent_cases_open(client, signed_post):
    for i, body in enumerate(["안녕하세요", "4", "1"]):
        assert sms(signed_post, body, f"SMc{i}").status_code == 200
    sms(signed_post, "살려주세요 숨을 못 쉬겠어요", "SMu1", sender="+821077770002")
    figures = scrape(client)
    assert figures[("hotline_callbacks_waiting", (("language", "ko"), ("priority", "normal")))] == 1
    assert figures[("hotline_callbacks_waiting", (("language", "ko"), ("priority", "urgent")))] == 0
    open_cases = sum(v for (name, labels), v in figures.items()
                     if name == "hotline_urgent_cases_open")
    assert open_cases == 1
    assert figures[("hotline_jobs", (("queue", "urgent"), ("state", "queued")))] == 1


def test_pages_sent_and_job_failures_are_counted_by_the_worker(app, client, signed_post,
                                                               redis_conn, tmp_path, clock):
    config = app.extensions["hotline"].config
    volunteers.add(redis_conn, config, "Kim", "+821011110001", ("ko",))
    rota.import_rota(redis_conn, config, ROTA, "rota.yaml", clock(),
                     rota.resolver(redis_conn, config))
    context.configure(config, OutboxTransport(str(tmp_path)), clock=clock)
    try:
        sms(signed_post, "살려주세요", "SMp1", sender="+821077770003")
        Queue("default", connection=redis_conn).enqueue("builtins.int", "not a number")
        worker = SimpleWorker(list(QUEUES), connection=redis_conn)
        worker.push_exc_handler(metrics.count_job_failure)
        worker.work(burst=True)
    finally:
        context.configure({})
    figures = scrape(client)
    assert figures[("hotline_pages_sent_total", ())] == 1
    assert figures[("hotline_escalations_total", ())] == 0
    assert figures[("hotline_job_failures_total", (("queue", "default"),))] == 1
    assert figures[("hotline_jobs", (("queue", "default"), ("state", "failed")))] == 1


def test_not_answered_from_elsewhere_or_through_a_proxy(client):
    assert client.get("/metrics", environ_base={"REMOTE_ADDR": "10.1.2.3"}).status_code == 404
    assert client.get("/metrics", headers={"X-Forwarded-For": "203.0.113.9"}).status_code == 404
    assert client.get("/metrics").status_code == 200  # loopback, no proxy


def test_with_a_token_only_the_bearer_gets_in(app_config, redis_conn):
    from hotline import create_app

    client = create_app({**app_config, "METRICS_TOKEN": "scrape-me"}).test_client()
    assert client.get("/metrics").status_code == 404  # even from loopback
    wrong = {"Authorization": "Bearer nope"}
    assert client.get("/metrics", headers=wrong).status_code == 404
    right = {"Authorization": "Bearer scrape-me"}
    remote = {"REMOTE_ADDR": "10.1.2.3"}
    assert client.get("/metrics", headers=right, environ_base=remote).status_code == 200


def test_redis_down_still_answers_and_says_so(app_config, redis_conn):
    from hotline import create_app

    down = create_app({**app_config, "REDIS_URL": "redis://127.0.0.1:1/0"}).test_client()
    figures = scrape(down)
    assert figures[("hotline_redis_up", ())] == 0
