"""The directory_search node, driven through the engine with real searches on real Redis.

Each conversation saves the session as JSON between steps, as a webhook would, and
answers every Handoff by calling the real capability.
"""

from __future__ import annotations

import pathlib
from dataclasses import dataclass, field
from typing import Any

import pytest
from rq import SimpleWorker

from hotline import jobs
from hotline.config import load_config
from hotline.directory.capability import search_capability
from hotline.directory.importer import read_file
from hotline.directory.store import store_entries
from hotline.engine import Begin, Digits, Session, Text, step
from hotline.engine.actions import Ask, Say
from hotline.engine.inputs import Input, Outcome
from hotline.engine.lint import errors, lint
from hotline.engine.loader import load_script
from hotline.engine.segments import count_segments
from hotline.engine.wording import sms_text, voice_text
from hotline.privacy.vault import new_key
from hotline.telephony import OutboxTransport, read_outbox
from tests.capabilities import send_sms_capability

HERE = pathlib.Path(__file__).resolve().parents[1]  # tests/
SCRIPT = load_script(str(HERE / "directory_data" / "find_help.yaml"))
SAMPLE = HERE.parent / "ivr_scripts" / "directory.sample.csv"
NOW = 1_795_000_000.0  # a fixed clock
CALLER = "+821012345678"


@dataclass
class Ctx:
    """What the web layer gives a capability: Redis, config, the caller, the call."""

    redis: Any
    config: dict[str, Any]
    caller: str = CALLER
    call_sid: str = "CA0001"
    message_sid: str = ""
    now: float = NOW
    jobs: list[Any] = field(default_factory=list)  # what the capabilities start (settle.py)


@dataclass
class Conversation:
    ctx: Ctx
    channel: str
    session: Session | None = None
    handoffs: list[str] = field(default_factory=list)

    def send(self, event: Input) -> str:
        """Step the engine (carrying out handoffs); return what the caller reads or hears."""
        session = Session.from_dict(self.session.to_dict()) if self.session else None
        result = step(SCRIPT, session, event, now=NOW)
        shown = [a for a in result.actions if isinstance(a, (Say, Ask))]
        while result.handoff:
            handoff = result.handoff
            self.handoffs.append(handoff.capability)
            capability = {"directory_search": search_capability,
                          "send_sms": send_sms_capability}[handoff.capability]
            data = capability(self.ctx, dict(handoff.params))
            saved = Session.from_dict(result.session.to_dict())
            result = step(SCRIPT, saved, Outcome(handoff.capability, data), now=NOW)
            shown += [a for a in result.actions if isinstance(a, (Say, Ask))]
        self.session = result.session
        render = sms_text if self.channel == "sms" else voice_text
        return "\n".join(render(a, SCRIPT.languages[a.language]) for a in shown)


@pytest.fixture()
def ctx(redis_conn, tmp_path) -> Ctx:
    config = load_config({"KEY_PREFIX": "t:", "ENCRYPTION_KEY": new_key(), "DATA_DIR": str(tmp_path)}, environ={})
    store_entries(redis_conn, "t:", read_file(str(SAMPLE)).entries)
    return Ctx(redis_conn, config)


def sms(ctx: Ctx, first: str = "병원") -> tuple[Conversation, str]:
    talk = Conversation(ctx, "sms")
    return talk, talk.send(Begin("sms", first, "KR"))


def test_the_test_script_lints_clean():
    assert errors(lint(SCRIPT)) == []


def test_sms_korean_find_a_clinic_one_line_per_result_within_one_segment(ctx):
    talk, menu = sms(ctx)
    assert "1 병원 찾기" in menu
    assert "시나 구 이름" in talk.send(Text("1"))
    reply = talk.send(Text("강남"))
    assert talk.handoffs == ["directory_search"]
    first_line = reply.splitlines()[0]
    assert first_line == "서울 무료 진료소 02-0000-0104, 강남구 테헤란로 10, 월-금 9-18"
    assert "9 더 보기" in reply and "0 처음으로" in reply
    assert count_segments(reply).segments == 1
    # 9 pages on: a different result, still within budget.
    more = talk.send(Text("9"))
    assert more.splitlines()[0] != first_line and count_segments(more).segments == 1
    assert "02-0000-01" in more


def test_sms_pages_reach_every_result_once_then_say_there_are_no_more(ctx):
    talk, _ = sms(ctx)
    talk.send(Text("1"))
    reply = talk.send(Text("서울"))
    lines = []
    for _ in range(30):
        lines += [ln for ln in reply.splitlines() if "02-0000" in ln or "032-0000" in ln]
        if "9 더 보기" not in reply:
            break
        reply = talk.send(Text("9"))
    assert len(lines) == len(set(lines)) == 6  # every clinic-like service in Korea
    assert "더 없어요" in talk.send(Text("9"))


USSURIYSK_ROW = ("우수리스크 임시 쉼터,shelter,+7 4234 00-01-02,,Ussuriysk,Primorsky Krai,RU,,"
                "43.7974,131.9519,ko;ru,24/7,free,잠시 머물 곳.\n")


def test_sms_two_segment_budget_shows_more_results_per_reply(ctx, tmp_path):
    csv = tmp_path / "ru.csv"
    csv.write_text(SAMPLE.read_text(encoding="utf-8") + USSURIYSK_ROW, encoding="utf-8")
    store_entries(ctx.redis, "t:", read_file(str(csv)).entries)
    talk, _ = sms(ctx, "shelter")
    assert "Which city" in talk.send(Text("2"))
    reply = talk.send(Text("Vladivostok"))
    assert reply.splitlines()[0].startswith("블라디보스토크 임시 쉼터 +7 423 000-01-01")
    assert "24h" in reply
    assert len([ln for ln in reply.splitlines() if "+7" in ln]) >= 2  # and Ussuriysk
    assert count_segments(reply).segments <= 2
    # Yanji is nearer than Ussuriysk's neighbours, but in China: never listed.
    assert "+86" not in reply and "연길" not in reply


def test_sms_nearest_place_when_nothing_in_the_place_named(ctx):
    talk, _ = sms(ctx, "쉼터")
    talk.send(Text("2"))
    reply = talk.send(Text("김포"))
    assert reply.startswith("김포에는 없어요. 가까운 곳:")  # the caller's own spelling
    assert "인천 임시 쉼터" in reply and "24시간" in reply


def test_sms_ambiguous_place_asks_which_one(ctx):
    talk, _ = sms(ctx)
    talk.send(Text("1"))
    ask = talk.send(Text("중구"))
    assert ask.splitlines()[:4] == ["어느 곳인가요?", "1 서울 중구", "2 부산 중구", "3 인천 중구"]
    reply = talk.send(Text("1"))
    assert reply.startswith("결핵 무료 검진 병원 02-0000-0106")


def test_sms_unknown_place_says_so_and_offers_another_place_or_a_call_back(ctx):
    talk, _ = sms(ctx)
    talk.send(Text("1"))
    reply = talk.send(Text("xyzzy"))
    assert reply.splitlines() == ["'xyzzy' 지역을 찾지 못했어요.", "1 다른 곳 찾기",
                                  "2 다시 전화 받기", "0 처음으로"]
    assert "시나 구 이름" in talk.send(Text("1"))


def test_sms_a_new_place_name_instead_of_a_key_searches_again(ctx):
    talk, _ = sms(ctx)
    talk.send(Text("1"))
    talk.send(Text("강남"))
    assert "Koreatown" in talk.send(Text("Koreatown LA"))


def test_sms_english(ctx):
    talk, menu = sms(ctx, "clinic please")
    assert "1 Find a clinic" in menu
    talk.send(Text("1"))
    reply = talk.send(Text("Los Angelos"))  # a typo
    # An American number shown to a caller in Korea: international form.
    assert reply.splitlines()[0] == ("LA Community Counselling +1 213-555-0105, "
                                     "500 S Vermont Ave, Mon-Fri 10-19")
    assert "9 More" in reply and "0 Main menu" in reply


def test_voice_region_key_then_one_result_at_a_time_repeat_next_and_send_by_sms(ctx):
    talk = Conversation(ctx, "voice")
    talk.send(Begin("voice", "", "KR"))
    question = talk.send(Digits("1"))
    assert "로스앤젤레스: 3번" in question
    first = talk.send(Digits("3"))
    assert "다시 듣기: 1번" in first and "다음: 2번" in first and "문자로 받기: 3번" in first
    assert first.count("전화 +1 213-555-01") == 1  # one result at a time
    assert "월요일부터 금요일까지 10시부터 19시까지." in first  # hours read out in words
    assert talk.send(Digits("1")) == first  # repeat
    second = talk.send(Digits("2"))
    assert second != first and "전화 +1 213-555-01" in second
    sent = talk.send(Digits("3"))
    assert sent.startswith("문자로 보냈어요.") and talk.handoffs[-1] == "send_sms"
    assert "0 처음으로" not in sent and "처음으로: 0번" in sent


def test_voice_speech_place_and_english(ctx):
    talk = Conversation(ctx, "voice")
    talk.send(Begin("voice", "", "US"))
    talk.session = talk.session.with_(language="en")
    talk.send(Digits("2"))  # find a shelter: no regions, so speech only
    heard = talk.send(Text("Bangkok"))
    assert heard.startswith("방콕 임시 쉼터. phone +66 2 000 0101.")
    assert "open 24 hours." in heard and "24h" not in heard  # read aloud as words
    assert "Repeat: press 1." in heard and "Get it by text: press 3." in heard
    assert "Next" not in heard  # nothing else within reach of Bangkok


def test_a_wrong_key_on_a_result_reshows_the_same_result(ctx):
    talk, _ = sms(ctx)
    talk.send(Text("1"))
    first = talk.send(Text("강남"))
    again = talk.send(Text("7"))
    assert again.startswith("잘못 누르셨어요.") and first.splitlines()[0] in again


def test_send_sms_is_queued_with_the_number_encrypted_and_sent_by_a_worker(ctx, tmp_path):
    from hotline import job_context as context

    data = send_sms_capability(ctx, {"body": "서울 무료 진료소 02-0000-0104", "language": "ko"})
    assert data == {"queued": True}
    assert send_sms_capability(ctx, {"body": "서울 무료 진료소 02-0000-0104"}) == {"queued": True}
    for key in ctx.redis.keys("*"):  # the raw number is nowhere in Redis
        kind = ctx.redis.type(key)
        dump = ctx.redis.dump(key) or b""
        assert CALLER.encode() not in dump and b"1012345678" not in dump, (key, kind)
    context.configure(ctx.config, transport=OutboxTransport(str(tmp_path), "+15005550006"))
    try:
        SimpleWorker([jobs.DEFAULT], connection=ctx.redis).work(burst=True)
    finally:
        context.configure({})
    sent = read_outbox(str(tmp_path))
    assert [(m["to"], m["body"]) for m in sent] == [(CALLER, "서울 무료 진료소 02-0000-0104")]
    assert ctx.redis.keys("t:dir:sms:*") == []


def test_a_phone_number_typed_as_a_place_is_never_kept(ctx):
    talk, _ = sms(ctx)
    talk.send(Text("1"))
    reply = talk.send(Text("010-1234-5678"))
    assert reply.startswith("잘못 누르셨어요.") and talk.handoffs == []
    assert "1234" not in str(talk.session.to_dict())


def test_directory_file_setting_loads_the_sample_when_redis_has_none(redis_conn, tmp_path):
    ctx = Ctx(redis_conn, load_config({"KEY_PREFIX": "t2:", "DIRECTORY_FILE": str(SAMPLE)}, environ={}))
    data = search_capability(ctx, {"place": "인천", "category": ["shelter"], "language": "ko"})
    assert data["results"][0]["name"] == "인천 임시 쉼터"
    assert data["results"][0]["always"] is True


LONG_NAME_ROW = ("마음쉼 상담의원 부설 무료 진료소와 함께하는 협력 병원 인천 남동구 분원 (협력 병원),clinic,"
                 "032-0000-0199,남동구 구월로 아주 긴 길 이름 1234번길 56-78 3층,인천,,KR,21550,"
                 "37.4480,126.7300,ko,mon-fri 09:00-18:00; sat 10:00-14:00,free,긴 이름.\n")


@pytest.mark.parametrize("first, country, phone", [
    ("병원", "KR", "032-0000-0199"),
    ("clinic", "US", "+82 32-0000-0199"),
])
def test_a_result_too_long_for_its_segment_keeps_the_phone_number_whole(
        ctx, tmp_path, first, country, phone):
    csv = tmp_path / "long.csv"
    csv.write_text(SAMPLE.read_text(encoding="utf-8") + LONG_NAME_ROW, encoding="utf-8")
    store_entries(ctx.redis, "t:", read_file(str(csv)).entries)
    talk = Conversation(ctx, "sms")
    talk.send(Begin("sms", first, country))
    talk.send(Text("1"))
    reply = talk.send(Text("21550"))  # the long entry's own postal code: it comes first
    assert count_segments(reply).segments == 1
    line = reply.splitlines()[0]
    assert phone in reply, reply
    # The number comes first and whole; the name gives way (cut, marked with …).
    assert line.startswith(phone) and "…" in line and "마음쉼" in line


def test_nothing_near_offers_another_place_a_call_back_and_the_nearest_place_in_key_order(ctx):
    talk = Conversation(ctx, "sms")
    talk.send(Begin("sms", "clinic", "US"))
    talk.send(Text("1"))
    reply = talk.send(Text("New York"))  # the nearest clinic is in Los Angeles, 3,900 km
    keys = [line.split(" ", 1)[0] for line in reply.splitlines()[1:]]
    assert reply.startswith("Nothing found near New York") and keys == ["1", "2", "3", "0"]
    assert "3 See Garden Grove" in reply  # the nearest place with one, in the same country
