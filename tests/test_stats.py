"""Daily figures: counted where things happen, read back per day; counts only."""

from hotline import stats
from hotline.callbacks import intake as callback_intake
from hotline.callbacks import queue as callbacks
from hotline.callbacks.queue import Status
from hotline.config import load_config
from hotline.privacy.vault import new_key
from hotline.urgent import cases as urgent

NOW = 1_800_000_000.0  # 2027-01-15 08:00 UTC
CALLER = "+821012345678"


def config(**extra):
    return load_config({"KEY_PREFIX": "t:", "SECRET_KEY": "secret", "ENCRYPTION_KEY": new_key(), **extra}, environ={})


def today(conn, cfg, now=NOW):
    return stats.read_days(conn, cfg, now, days=1)[0]


def sms(signed_post, body, sid, caller=CALLER):
    response = signed_post("/twilio/sms", {"From": caller, "To": "+15005550006", "Body": body,
                                           "MessageSid": sid})
    response.close()  # the count is made once the answer has gone out
    assert response.status_code == 200
    return response


def test_a_new_sms_conversation_counts_once_by_channel_and_language(app, signed_post,
                                                                    redis_conn):
    sms(signed_post, "안녕하세요", "SM1")
    sms(signed_post, "1", "SM2")  # the same conversation goes on: not a new contact
    sms(signed_post, "hello", "SM3", caller="+12025550123")
    call = signed_post("/twilio/voice", {"From": "+821099998888", "To": "+15005550006",
                                         "CallSid": "CA1", "CallStatus": "ringing"})
    call.close()
    day = today(redis_conn, app.extensions["hotline"].config, app.extensions["hotline"].clock())
    contacts = day.contacts()
    assert sum(n for (channel, _), n in contacts.items() if channel == "sms") == 2
    assert sum(n for (channel, _), n in contacts.items() if channel == "voice") == 1
    assert contacts.get(("sms", "ko")) == 1


def test_nothing_identifying_is_kept_in_the_figures(app, signed_post, redis_conn):
    sms(signed_post, "병원 찾아요 서울", "SM9")
    for key in redis_conn.keys("*stats:*"):
        blob = repr(redis_conn.dump(key))
        assert "1012345678" not in blob and "병원".encode() not in redis_conn.dump(key)


def test_callback_created_and_reached_gives_the_median_time_to_call_back(redis_conn):
    cfg = config()
    waits = [600, 1800, 7200]
    for n, wait in enumerate(waits):
        placed = callbacks.create(redis_conn, cfg, f"+8210555500{n:02d}", language="ko",
                                  topic="clinic", now=NOW)
        taken = callbacks.take_next(redis_conn, cfg, ["ko"], "v1", NOW + wait)
        assert taken is not None and taken.id == placed.request.id
        callbacks.close(redis_conn, cfg, taken.id, Status.DONE, NOW + wait + 300)
    again = callbacks.create(redis_conn, cfg, "+821055550099", language="ko", topic="x",
                             now=NOW, idem="SMx")
    callbacks.create(redis_conn, cfg, "+821055550099", language="ko", topic="x", now=NOW,
                     idem="SMx")  # a Twilio retry: not a second request
    callbacks.close(redis_conn, cfg, again.request.id, Status.CANCELLED, NOW + 5)
    day = today(redis_conn, cfg)
    assert day.get("callback_created") == 4
    assert day.get("callback_closed:done") == 3 and day.get("callback_closed:cancelled") == 1
    assert sorted(day.callback_wait) == waits
    assert stats.median(day.callback_wait) == 1800


def test_a_missed_call_is_counted_once_per_window(redis_conn):
    cfg = config(MISSED_CALL_WINDOW=3600)
    assert callback_intake.missed_call(redis_conn, cfg, CALLER, "CA1", NOW)
    assert callback_intake.missed_call(redis_conn, cfg, CALLER, "CA2", NOW + 60) is None
    assert today(redis_conn, cfg).get("missed_call") == 1


def test_urgent_cases_and_time_to_acknowledge(redis_conn):
    cfg = config()
    case, new = urgent.open_case(redis_conn, cfg, CALLER, sid="SM1", language="ko",
                                 channel="sms", first_words="", reason="word", now=NOW)
    assert new
    urgent.open_case(redis_conn, cfg, CALLER, sid="SM1", language="ko", channel="sms",
                     first_words="", reason="word", now=NOW)  # retry: same case
    urgent.mark_paged(redis_conn, cfg, case.code, "v1")
    assert urgent.claim(redis_conn, cfg, case.code, "v1", NOW + 95) == "won"
    assert urgent.claim(redis_conn, cfg, case.code, "v1", NOW + 99) == "claimed"
    day = today(redis_conn, cfg)
    assert day.get("urgent_created") == 1 and day.get("urgent_acked") == 1
    assert day.urgent_ack == [95.0]


def test_opt_outs_are_counted_for_the_figures(redis_conn):
    cfg = config()
    stats.count_opt_out(redis_conn, cfg, NOW)
    stats.count_opt_out(redis_conn, cfg, NOW + 1)
    assert today(redis_conn, cfg).get("opt_out") == 2


def test_days_follow_the_stats_timezone_and_expire_after_90_days(redis_conn):
    seoul = config(STATS_TIMEZONE="Asia/Seoul")
    late_utc = 1_800_000_000.0 + 16 * 3600  # 2027-01-16 00:00 UTC = 09:00 in Seoul
    stats.count_opt_out(redis_conn, seoul, late_utc - 10 * 3600)  # 23:00 Seoul on the 15th
    stats.count_opt_out(redis_conn, seoul, late_utc - 8 * 3600)  # 01:00 Seoul on the 16th
    days = stats.read_days(redis_conn, seoul, late_utc, days=3)
    assert [d.day for d in days] == ["2027-01-14", "2027-01-15", "2027-01-16"]
    assert [d.get("opt_out") for d in days] == [0, 1, 1]
    ttl = redis_conn.ttl("t:stats:2027-01-16")
    assert 89 * 86400 < ttl <= 90 * 86400


def test_a_redis_outage_never_breaks_the_counting_caller():
    from hotline.redisdb import connect

    dead = connect(load_config({"REDIS_URL": "redis://127.0.0.1:1/0"}, environ={}), fast=True)  # as webhooks connect
    stats.count_opt_out(dead, config(), NOW)  # logged, not raised
