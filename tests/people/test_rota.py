"""The on-call rota: who answers at each level at a given instant, in the rota's timezone."""

from datetime import UTC, datetime, timedelta

import pytest

from hotline.config import load_config
from hotline.people import volunteers
from hotline.people.rota import RotaError, import_rota, load_rota, on_call, parse_rota

SEOUL = """\
timezone: Asia/Seoul
ack_timeout_seconds: 120      # per level, may be overridden per level
levels:
  - name: primary
    shifts:
      - {volunteer: "+821011110001", days: [mon, tue, wed, thu, fri], from: "09:00", to: "21:00"}
      - {volunteer: "+821011110002", days: [sat, sun], from: "00:00", to: "24:00"}
      - {volunteer: "+821011110004", days: [fri], from: "22:00", to: "06:00"}
  - name: backup
    ack_timeout_seconds: 60
    shifts:
      - {volunteer: "+821011110003", days: [mon, tue, wed, thu, fri, sat, sun], from: "00:00", to: "24:00"}
"""


def at(text: str) -> float:
    """An instant from an ISO time with its offset."""
    return datetime.fromisoformat(text).timestamp()


def who(rota, when, available=None):
    return {c.level: c.volunteers for c in on_call(rota, when, available)}


def test_weekday_and_weekend_shifts_in_seoul():
    rota = parse_rota(SEOUL)
    # Wednesday 2026-11-25 10:00 KST
    assert who(rota, at("2026-11-25T10:00:00+09:00")) == {
        "primary": ("+821011110001",), "backup": ("+821011110003",)}
    # The same instant written in UTC gives the same answer.
    assert who(rota, at("2026-11-25T01:00:00+00:00"))["primary"] == ("+821011110001",)
    # 21:00 is the end of the day shift: nobody at primary (a gap), backup still there.
    assert who(rota, at("2026-11-25T21:00:00+09:00")) == {
        "primary": (), "backup": ("+821011110003",)}
    assert who(rota, at("2026-11-28T15:00:00+09:00"))["primary"] == ("+821011110002",)


def test_levels_keep_their_own_ack_timeout():
    levels = on_call(parse_rota(SEOUL), at("2026-11-25T10:00:00+09:00"))
    assert [(c.level, c.ack_timeout) for c in levels] == [("primary", 120), ("backup", 60)]


def test_a_shift_crossing_midnight_belongs_to_the_day_it_starts():
    rota = parse_rota(SEOUL)
    # Friday 22:00 -> Saturday 06:00: on at Friday 23:30 and Saturday 05:59 ...
    assert "+821011110004" in who(rota, at("2026-11-27T23:30:00+09:00"))["primary"]
    assert "+821011110004" in who(rota, at("2026-11-28T05:59:00+09:00"))["primary"]
    # ... off at Saturday 06:00, and not on Friday 03:00 (Thursday has no night shift).
    assert "+821011110004" not in who(rota, at("2026-11-28T06:00:00+09:00"))["primary"]
    assert who(rota, at("2026-11-27T03:00:00+09:00"))["primary"] == ()


def test_a_volunteer_who_is_off_leaves_the_level_and_is_listed_apart():
    rota = parse_rota(SEOUL)
    levels = on_call(rota, at("2026-11-25T10:00:00+09:00"),
                     available=lambda v: v != "+821011110001")
    assert levels[0].volunteers == () and levels[0].off == ("+821011110001",)
    assert levels[1].volunteers == ("+821011110003",)


LOS_ANGELES = """\
timezone: America/Los_Angeles
levels:
  - name: primary
    shifts:
      - {volunteer: night, days: [mon, tue, wed, thu, fri, sat, sun], from: "18:00", to: "02:30"}
      - {volunteer: late, days: [mon, tue, wed, thu, fri, sat, sun], from: "02:30", to: "10:00"}
      - {volunteer: day, days: [mon, tue, wed, thu, fri, sat, sun], from: "10:00", to: "18:00"}
  - name: backup
    shifts:
      - {volunteer: owl, days: [sun], from: "00:00", to: "05:00"}
"""


def _minutes_of(start: str, hours: int):
    first = datetime.fromisoformat(start)
    return [(first + timedelta(minutes=m)).timestamp() for m in range(hours * 60)]


@pytest.mark.parametrize("night", ["2026-03-07T12:00:00+00:00", "2026-10-31T12:00:00+00:00"])
def test_dst_changes_leave_no_gap_and_no_double_between_shifts(night):
    rota = parse_rota(LOS_ANGELES)
    for instant in _minutes_of(night, 30):  # every minute across the night of the change
        primary = who(rota, instant)["primary"]
        assert len(primary) == 1, datetime.fromtimestamp(instant, UTC)


def test_spring_forward_in_los_angeles():
    rota = parse_rota(LOS_ANGELES)
    # 2026-03-08: 02:00 PST jumps to 03:00 PDT; 02:30 never happens on the wall clock.
    assert who(rota, at("2026-03-08T01:59:00-08:00"))["primary"] == ("night",)
    assert who(rota, at("2026-03-08T03:15:00-07:00"))["primary"] == ("night",)
    assert who(rota, at("2026-03-08T03:30:00-07:00"))["primary"] == ("late",)
    # The Sunday backup shift 00:00-05:00 lasts four real hours that night.
    assert who(rota, at("2026-03-08T04:59:00-07:00"))["backup"] == ("owl",)
    assert who(rota, at("2026-03-08T05:00:00-07:00"))["backup"] == ()
    assert who(rota, at("2026-03-08T10:00:00-07:00"))["primary"] == ("day",)


def test_fall_back_in_los_angeles():
    rota = parse_rota(LOS_ANGELES)
    # 2026-11-01: 02:00 PDT goes back to 01:00 PST; 01:xx happens twice.
    assert who(rota, at("2026-11-01T02:15:00-07:00"))["primary"] == ("night",)
    assert who(rota, at("2026-11-01T01:15:00-08:00"))["primary"] == ("night",)
    assert who(rota, at("2026-11-01T02:29:00-08:00"))["primary"] == ("night",)
    assert who(rota, at("2026-11-01T02:30:00-08:00"))["primary"] == ("late",)
    # The backup shift 00:00-05:00 lasts six real hours that night.
    assert who(rota, at("2026-11-01T04:59:00-08:00"))["backup"] == ("owl",)
    assert who(rota, at("2026-11-01T00:00:00-07:00"))["backup"] == ("owl",)
    assert who(rota, at("2026-10-31T23:59:00-07:00"))["backup"] == ()


def test_invalid_files_list_every_problem_with_its_line():
    bad = """\
timezone: Asia/Sowl
ack_timeout_seconds: 0
levels:
  - name: primary
    shifts:
      - {volunteer: "+821011110001", days: [mon, funday], from: "9:00", to: "25:00"}
      - {volunteer: "", days: [], from: "10:00", to: "10:00"}
  - name: backup
    shifts: []
"""
    with pytest.raises(RotaError) as caught:
        parse_rota(bad, file="rota.yaml")
    assert caught.value.problems == [
        "rota.yaml:1: timezone 'Asia/Sowl' is not a known zone (e.g. Asia/Seoul)",
        ("rota.yaml:2: ack_timeout_seconds must be a whole number of seconds from 1 to 3600, "
         "not 0"),
        "rota.yaml:6: level primary: 'funday' is not a day (mon..sun)",
        "rota.yaml:6: level primary: to must be a time HH:MM (00:00..24:00), not '25:00'",
        "rota.yaml:7: level primary: a shift needs volunteer: a phone or name",
        "rota.yaml:7: level primary: days must be a list such as [mon, tue]",
        ("rota.yaml:7: level primary: from and to are the same; a whole day is "
         "from: '00:00' to: '24:00'"),
        "rota.yaml:8: level backup: shifts must be a list of shifts",
    ]


def test_broken_yaml_names_its_line():
    with pytest.raises(RotaError) as caught:
        parse_rota("timezone: Asia/Seoul\nlevels:\n  - name: [oops\n", file="r.yaml")
    assert caught.value.problems[0].startswith("r.yaml:")
    assert caught.value.problems[0].endswith("not valid YAML")


def _config():
    return load_config({"KEY_PREFIX": "hotline:"}, environ={})


def test_import_resolves_volunteers_and_a_bad_file_keeps_the_old_rota(redis_conn):
    config = _config()
    kim = volunteers.add(redis_conn, config, "Kim", "+821011110001", ("ko",))
    lee = volunteers.add(redis_conn, config, "Lee", "+821011110003", ("ko", "en"))

    def resolve(ref):
        found = volunteers.find(redis_conn, config, ref)
        return found.id if found else None

    text = SEOUL.replace('"+821011110002"', "kim").replace('"+821011110004"', "LEE")
    rota = import_rota(redis_conn, config, text, "rota.yaml", 0.0, resolve)
    assert rota.volunteers() == [kim.id, lee.id]
    stored = load_rota(redis_conn, config)
    assert stored == rota
    with pytest.raises(RotaError) as caught:
        import_rota(redis_conn, config, text.replace("LEE", "Park"), "rota.yaml", 1.0, resolve)
    assert caught.value.problems == [
        "rota.yaml:8: level primary: 'Park' is not a registered volunteer"]
    assert load_rota(redis_conn, config) == rota


def test_oncall_commands_import_and_show(redis_url, redis_conn, tmp_path):
    from click.testing import CliRunner

    from hotline.cli import main

    config = _config()
    for name, phone in [("Kim", "+821011110001"), ("Park", "+821011110002"),
                        ("Lee", "+821011110003"), ("Choi", "+821011110004")]:
        volunteers.add(redis_conn, config, name, phone, ("ko",))
    lee = volunteers.find(redis_conn, config, "Lee")
    volunteers.set_available(redis_conn, config, lee.id, False)
    runner = CliRunner(env={"HOTLINE_REDIS_URL": redis_url})

    imported = runner.invoke(main, ["oncall", "import", "ivr_scripts/oncall.sample.yaml"])
    assert imported.exit_code == 0, imported.output
    assert "2 level(s), 4 shift(s), timezone Asia/Seoul" in imported.output

    shown = runner.invoke(main, ["oncall", "show", "--at", "2026-11-27T23:00", "--json"])
    assert shown.exit_code == 0, shown.output
    data = __import__("json").loads(shown.output)
    assert data["at"] == "2026-11-27T23:00+09:00"
    assert [[p["name"] for p in lv["on_call"]] for lv in data["levels"]] == [["Choi"], []]
    assert data["levels"][1]["off"][0]["name"] == "Lee"

    text = runner.invoke(main, ["oncall", "show", "--at", "2026-11-28T12:00:00+09:00"])
    # Numbers masked as `hotline volunteers list` shows them.
    assert "1. primary (ack within 120s): Park +82 10-****-**02" in text.output
    assert "+821011110002" not in text.output and "1111" not in shown.output
    assert "2. backup (ack within 180s): nobody available: skipped  [OFF: Lee]" in text.output

    bad = tmp_path / "bad.yaml"
    bad.write_text("timezone: Mars/Base\nlevels: []\n", encoding="utf-8")
    refused = runner.invoke(main, ["oncall", "import", str(bad)])
    assert refused.exit_code == 1
    assert f"{bad}:1: timezone 'Mars/Base' is not a known zone" in refused.output
    assert "the old rota stays in force" in refused.output
    still = runner.invoke(main, ["oncall", "show", "--at", "2026-11-28T12:00", "--json"])
    assert "Park" in still.output
