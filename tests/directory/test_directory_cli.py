"""`hotline directory import|search` as staff use them: output, --json, exit codes."""

from __future__ import annotations

import json
import pathlib

import pytest
from click.testing import CliRunner

from hotline.cli import main
from hotline.directory.importer import CSV_HEADER

SAMPLE = str(pathlib.Path(__file__).parents[2] / "ivr_scripts" / "directory.sample.csv")


@pytest.fixture()
def run(redis_url, redis_conn):
    env = {"HOTLINE_REDIS_URL": redis_url, "HOTLINE_KEY_PREFIX": "cli:"}

    def invoke(*args: str):
        return CliRunner().invoke(main, ["directory", *args], env=env)

    return invoke


def test_import_reports_counts_and_a_second_import_changes_nothing(run):
    first = run("import", SAMPLE)
    assert first.exit_code == 0, first.output
    assert "21 entries loaded (21 new, 0 updated, 0 unchanged); 0 rejected" in first.output
    again = run("import", SAMPLE, "--json")
    assert json.loads(again.output) | {"file": ""} == {
        "file": "", "loaded": 21, "added": 0, "updated": 0, "unchanged": 21, "removed": 0,
        "replaced": False, "rejected": []}


def test_import_with_bad_rows_lists_them_on_stderr_and_exits_1(run, tmp_path):
    path = tmp_path / "new.csv"
    path.write_text("\n".join([
        ",".join(CSV_HEADER),
        ("Unseen Clinic,clinic,02-0000-0150,마포구 1,서울,,KR,,37.56,126.90,ko,mon 09:00-12:00,"
        "free,x"),
        "Broken,clinic,02-0000-0151,addr,서울,,KR,,north,126.9,ko,,free,x",
        "Also Broken,shop,02-0000-0152,addr,서울,,KR,,,,ko,,free,x",
    ]) + "\n", encoding="utf-8")
    done = run("import", str(path))
    assert done.exit_code == 1
    assert "1 entries loaded" in done.stdout and "2 rejected" in done.stdout
    assert "new.csv:3: latitude 'north' is not a number" in done.stderr
    assert "new.csv:4: unknown category 'shop'" in done.stderr
    data = json.loads(run("import", str(path), "--json").stdout)
    assert [r["line"] for r in data["rejected"]] == [3, 4]
    found = json.loads(run("search", "마포", "--json").stdout)
    assert found["results"][0]["name"] == "Unseen Clinic"


def test_import_of_an_unreadable_file_is_a_message_not_a_traceback(run, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("name,kind\nx,y\n", encoding="utf-8")
    done = run("import", str(bad))
    assert done.exit_code == 1 and "header must be exactly" in done.stderr
    assert "Traceback" not in done.output
    missing = run("import", str(tmp_path / "nope.csv"))
    assert missing.exit_code != 0 and "cannot read" in missing.stderr


def test_replace_with_nothing_good_leaves_the_directory_alone(run, tmp_path):
    run("import", SAMPLE)
    empty = tmp_path / "empty.csv"
    empty.write_text(",".join(CSV_HEADER) + "\n", encoding="utf-8")
    done = run("import", str(empty), "--replace")
    assert done.exit_code == 1 and "left as it was" in done.stderr
    assert json.loads(run("search", "서울", "--json").stdout)["results"]


def test_search_prints_place_and_results_and_json(run):
    run("import", SAMPLE)
    text = run("search", "Gangnam", "--category", "clinic")
    assert text.exit_code == 0
    assert text.stdout.splitlines()[:2] == [
        "Place: Gangnam-gu, Seoul (kr-seoul-gangnam)",
        "1. 서울 무료 진료소 [clinic] +82 2-0000-0104"]
    data = json.loads(run("search", "로스앤젤레스", "--json", "--category",
                          "korean_medicine", "--limit", "2").stdout)
    assert data["status"] == "ok" and data["place"]["id"] == "us-la" and data["more"]
    assert [r["in_place"] for r in data["results"]] == [True, True]


def test_search_open_now_at_a_given_time(run):
    run("import", SAMPLE)
    data = json.loads(run("search", "LA", "--open-now", "--now", "2026-11-25T10:30-08:00",
                          "--category", "korean_medicine", "--json").stdout)
    assert [r["name"] for r in data["results"]] == ["LA Free Korean Medicine Day"]
    bad = run("search", "LA", "--open-now", "--now", "tomorrow")
    assert bad.exit_code == 2 and "ISO-8601" in bad.stderr


def test_search_ambiguous_and_unknown_places_exit_1_and_say_why(run):
    run("import", SAMPLE)
    ambiguous = run("search", "중구")
    assert ambiguous.exit_code == 1
    assert "Jung-gu, Seoul / Jung-gu, Busan / Jung-gu, Incheon" in ambiguous.stderr
    data = json.loads(run("search", "중구", "--json", "--language", "ko").stdout)
    assert [c["name"] for c in data["choices"]] == ["서울 중구", "부산 중구", "인천 중구"]
    unknown = run("search", "xyzzy")
    assert unknown.exit_code == 1 and "No known place" in unknown.stderr
    assert run("search", "서울", "--category", "hospital").exit_code == 2
