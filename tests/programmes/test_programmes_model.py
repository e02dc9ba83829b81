"""Programmes as staff write them (YAML or CSV) and `hotline programmes import|list|show`."""

from __future__ import annotations

import json
import pathlib

import pytest
from click.testing import CliRunner

from hotline.cli import main
from hotline.engine.loader import load_scripts
from hotline.programmes.model import ProgrammeError, parse_csv, read_file, wording_problems

SCRIPTS = pathlib.Path(__file__).parents[2] / "ivr_scripts"
SAMPLE = str(SCRIPTS / "programmes.sample.yaml")


def test_the_sample_file_reads_as_programmes_with_sessions_in_their_timezones():
    found = {p.id: p for p in read_file(SAMPLE)}
    assert set(found) == {"counselling", "checkup-la", "peer-basic"}
    checkup = found["checkup-la"]
    assert checkup.kind == "check-up" and checkup.name["ko"] == "LA 한방 검진"
    (session,) = checkup.sessions
    assert session.starts().isoformat() == "2027-01-16T10:00:00-08:00"
    assert found["counselling"].sessions[0].place == "by phone"
    assert found["counselling"].sessions[0].capacity == 2


def test_every_problem_of_a_file_is_named_at_once(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text("""programmes:
  - id: talk
    kind: party
    name: {ko: 상담}
    sessions:
      - {id: a, date: "2027-13-01", time: "10:00", timezone: Asia/Seoul}
      - {id: a, date: "2027-01-01", time: "10:00", timezone: Mars/Olympus, capacity: 0}
  - id: talk
    kind: course
""", encoding="utf-8")
    with pytest.raises(ProgrammeError) as caught:
        read_file(str(path))
    problems = "\n".join(caught.value.problems)
    for expected in ("programme talk: kind must be one of", "session a: date must be YYYY-MM-DD",
                     "unknown timezone 'Mars/Olympus'", "capacity must be a whole number",
                     "two sessions share an id", "the id is used twice",
                     "name needs a text per language"):
        assert expected in problems


def test_csv_has_one_row_per_session_and_reads_like_the_yaml():
    found = parse_csv("""programme,kind,name_ko,name_en,reminder_ko,session,date,time,timezone,place,capacity
talk,counselling,무료 상담,Free counselling,상담,s1,2027-01-11,14:00,Asia/Seoul,by phone,2
talk,counselling,무료 상담,Free counselling,상담,s2,2027-01-18,14:00,Asia/Seoul,by phone,3
""")
    (talk,) = found
    assert talk.name == {"ko": "무료 상담", "en": "Free counselling"}
    assert talk.reminder == {"ko": "상담"}
    assert [(s.id, s.capacity) for s in talk.sessions] == [("s1", 2), ("s2", 3)]


def test_names_and_reminder_words_must_be_neutral_plain_and_short():
    script = load_scripts(str(SCRIPTS))["main"]
    found = parse_csv("""programme,kind,name_ko,name_en,reminder_ko,session,date,time,timezone,place,capacity
a,course,탈북민 교실,Class,모임,s1,2027-01-11,14:00,Asia/Seoul,x,2
b,course,건강 프로그램,A very long name for a short menu,모임,s1,2027-01-11,14:00,Asia/Seoul,x,2
c,course,건강 교실,Health class,건강 모임,s1,2027-01-11,14:00,Asia/Seoul,x,2
""")
    problems = wording_problems(found, script.neutral_words, script.loanwords)
    assert any("programme a name in 'ko'" in p and "not neutral" in p for p in problems)
    assert any("programme b name in 'ko'" in p and "'프로그램' is a loanword" in p
               for p in problems)
    assert any("programme b name in 'en': longer than 20" in p for p in problems)
    assert not [p for p in problems if "programme c" in p]


@pytest.fixture()
def run(redis_url, redis_conn):
    env = {"HOTLINE_REDIS_URL": redis_url, "HOTLINE_KEY_PREFIX": "cli:",
           "HOTLINE_SCRIPTS_DIR": str(SCRIPTS)}

    def invoke(*args: str):
        return CliRunner().invoke(main, ["programmes", *args], env=env)

    return invoke


def test_cli_imports_lists_and_shows_with_counts_only(run):
    done = run("import", SAMPLE)
    assert done.exit_code == 0, done.output
    assert "3 programmes saved" in done.output
    listed = json.loads(run("list", "--json").output)
    assert [p["id"] for p in listed] == ["checkup-la", "counselling", "peer-basic"]
    assert "counselling      counselling  무료 상담" in run("list").output
    shown = json.loads(run("show", "counselling", "--json").output)
    assert [(s["id"], s["taken"], s["capacity"]) for s in shown["sessions"]] == [
        ("jan-11", 0, 2), ("jan-18", 0, 2)]
    assert "jan-11     2027-01-11 14:00 Asia/Seoul" in run("show", "counselling").output


def test_cli_refuses_a_bad_file_or_a_loanword_with_one_message_and_exit_1(run, tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("programmes: [{id: x, kind: party, name: {ko: 모임}}]\n", encoding="utf-8")
    done = run("import", str(bad))
    assert done.exit_code == 1 and "kind must be one of" in done.output
    assert "Traceback" not in done.output
    loan = tmp_path / "loan.csv"
    loan.write_text("programme,kind,name_ko,session,date,time,timezone,capacity\n"
                    "x,course,헬스 교실,s,2027-01-01,10:00,Asia/Seoul,3\n", encoding="utf-8")
    done = run("import", str(loan))
    assert done.exit_code == 1 and "'헬스' is a loanword" in done.output
    assert run("list").output.strip() == "no programmes (hotline programmes import FILE)"
    missing = run("show", "nope")
    assert missing.exit_code == 1 and "no programme 'nope'" in missing.output
