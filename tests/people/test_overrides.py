"""Rota overrides: who covers whose shifts, from the CLI to who is on call and the grid."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner

from hotline.cli import main
from hotline.config import load_config
from hotline.people import overrides, rota, rota_grid, volunteers

ROTA = """\
timezone: Asia/Seoul
levels:
  - name: primary
    shifts:
      - {volunteer: Kim, days: [mon, tue, wed, thu, fri, sat, sun], from: "09:00", to: "24:00"}
"""
SEOUL = ZoneInfo("Asia/Seoul")


@pytest.fixture()
def team(redis_conn, redis_url):
    config = load_config({"REDIS_URL": redis_url}, environ={})
    kim = volunteers.add(redis_conn, config, "Kim", "+821011110001", ("ko",))
    lee = volunteers.add(redis_conn, config, "Lee", "+821011110003", ("ko",))
    rota.import_rota(redis_conn, config, ROTA, "rota.yaml", 0.0,
                     rota.resolver(redis_conn, config))
    return redis_conn, config, kim, lee


def at(day: date, hhmm: str) -> float:
    return datetime.fromisoformat(f"{day.isoformat()}T{hhmm}").replace(tzinfo=SEOUL).timestamp()


def test_kim_covers_lee_from_the_cli_and_the_rota_uses_it(team, redis_url):
    conn, config, kim, lee = team
    runner = CliRunner(env={"HOTLINE_REDIS_URL": redis_url})
    day = datetime.now(SEOUL).date() + timedelta(days=2)
    added = runner.invoke(main, ["oncall", "override", "add", "Lee", "--for", "Kim",
                                 "--on", day.isoformat(), "--from", "18:00", "--to", "24:00"])
    assert added.exit_code == 0, added.output
    assert "Lee covers Kim from" in added.output and "for 6 h" in added.output
    assert rota.current(conn, config, at(day, "19:00"))[0].volunteers == (lee.id,)
    assert rota.current(conn, config, at(day, "17:59"))[0].volunteers == (kim.id,)
    listed = json.loads(runner.invoke(main, ["oncall", "override", "list", "--json"]).output)
    assert [(o["covering"], o["for"], o["from"][11:], o["to"][11:]) for o in listed] == [
        ("Lee", "Kim", "18:00+09:00", "00:00+09:00")]
    shown = runner.invoke(main, ["oncall", "show", "--at", f"{day.isoformat()}T19:00"])
    assert "primary" in shown.output and "Lee +82 10-****-**03" in shown.output

    removed = runner.invoke(main, ["oncall", "override", "remove", listed[0]["id"]])
    assert removed.exit_code == 0
    assert rota.current(conn, config, at(day, "19:00"))[0].volunteers == (kim.id,)


@pytest.mark.parametrize(("args", "error"), [
    (["Lee", "--for", "Nobody"], "'Nobody' is not a registered volunteer"),
    (["Kim", "--for", "Kim"], "cannot cover their own shift"),
    (["Lee", "--for", "Kim", "--to", "18:00"], "from and to are the same"),
    (["Lee", "--for", "Kim", "--on", "2020-01-01"], "the override is over already"),
    (["Lee", "--for", "Kim", "--on", "next tuesday"], "is not a date like 2026-12-08"),
])
def test_a_bad_override_is_one_line_on_stderr(team, redis_url, args, error):
    runner = CliRunner(env={"HOTLINE_REDIS_URL": redis_url})
    day = (datetime.now(SEOUL).date() + timedelta(days=2)).isoformat()
    defaults = {"--on": day, "--from": "18:00", "--to": "24:00"}
    for flag, value in defaults.items():
        if flag not in args:
            args = [*args, flag, value]
    result = runner.invoke(main, ["oncall", "override", "add", *args])
    assert result.exit_code == 1 and error in result.output
    assert "Traceback" not in result.output
    assert overrides.current(team[0], team[1], 0) == []


def test_the_week_grid_shows_who_covers_and_an_ended_override_is_pruned(team):
    conn, config, kim, lee = team
    current = rota.load_rota(conn, config)
    now = at(date(2026, 11, 23), "08:00")  # a Monday
    start, end = rota.span_of(current, "2026-11-25", "20:00", "22:00")
    overrides.add(conn, config, lee.id, kim.id, start, end, now)
    grids = rota_grid.level_grids(current, now, lambda v: True,
                                  overrides.current(conn, config, now))
    wed = 2
    assert grids[0].rows[21][wed].people == [lee.id]
    assert grids[0].rows[21][wed].covering == {lee.id: kim.id}
    assert grids[0].rows[19][wed].people == [kim.id] and not grids[0].rows[19][wed].covering
    assert overrides.current(conn, config, end) == []  # over at its end
    assert overrides.current(conn, config, start) != []  # still there: nothing deleted
    assert overrides.prune(conn, config, end) == 1  # the rota watch drops it
    assert conn.zcard(f"{config.key_prefix}rota:overrides") == 0


def test_leave_by_sms_turns_the_volunteers_shifts_into_gaps(team):
    from hotline.conversation import volunteer_commands

    conn, config, kim, _lee = team
    now = at(date(2026, 11, 23), "08:00")
    assert volunteer_commands.run(conn, config, kim, "휴가 2026-11-25 11-26", now) == (
        "2026-11-25부터 2026-11-26까지 쉬는 날로 적었어요. 그동안 호출하지 않아요.")
    assert rota.current(conn, config, at(date(2026, 11, 24), "23:00"))[0].volunteers == (
        kim.id,)
    for day in (date(2026, 11, 25), date(2026, 11, 26)):
        assert rota.current(conn, config, at(day, "10:00"))[0].volunteers == ()
    assert rota.current(conn, config, at(date(2026, 11, 27), "10:00"))[0].volunteers == (
        kim.id,)
    grid = rota_grid.level_grids(rota.load_rota(conn, config), now, lambda v: True,
                                 overrides.current(conn, config, now))[0]
    assert "wed 00:00-24:00" in grid.gaps and "thu 00:00-24:00" in grid.gaps
    bad = "쉬는 날을 함께 보내 주세요. 예: 휴가 12-10 12-12"
    for text in ("휴가", "휴가 tomorrow", "휴가 11-26 11-25", "LEAVE 2020-01-01"):
        assert volunteer_commands.run(conn, config, kim, text, now) == bad
