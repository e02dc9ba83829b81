"""Loading the directory: CSV and HSDS JSON, rejected rows, re-import, atomic replace."""

from __future__ import annotations

import json
import pathlib
import threading

import pytest

from hotline.directory.importer import CSV_HEADER, ImportFileError, read_csv, read_file
from hotline.directory.search import get_index
from hotline.directory.store import Keys, load_entries, revision, store_entries

SAMPLE = pathlib.Path(__file__).parents[2] / "ivr_scripts" / "directory.sample.csv"
HEADER = ",".join(CSV_HEADER)
PREFIX = "t:"


def csv_text(*rows: str) -> str:
    return "\n".join([HEADER, *rows]) + "\n"


GOOD = ("Seoul Free Clinic,clinic,02-0000-0104,강남구 테헤란로 10,서울,,KR,06236,37.499,127.033,"
        "ko;en,mon-fri 09:00-18:00; sat 10:00-14:00,free,General medicine")
LA = ("LA Hanbang,korean_medicine,+1 213-555-0101,3100 W 8th St,Los Angeles,CA,US,90005,"
      "34.0577,-118.2963,ko;en,sat 09:00-13:00,free,Free acupuncture")


def test_a_good_row_becomes_an_entry_with_e164_phone_hours_and_timezone():
    read = read_csv(csv_text(GOOD, LA), "x.csv")
    assert read.rejected == []
    seoul, la = read.entries
    assert (seoul.phone, seoul.country, seoul.timezone) == ("+82200000104", "KR", "Asia/Seoul")
    assert seoul.hours == "mon-fri 09:00-18:00; sat 10:00-14:00"
    assert seoul.languages == ("ko", "en")
    assert (la.phone, la.timezone, la.category) == ("+12135550101", "America/Los_Angeles",
                                                    "korean_medicine")


def test_bad_rows_are_rejected_with_their_line_and_reason_and_good_rows_still_load():
    text = csv_text(
        GOOD,
        "Bad Phone,clinic,12,addr,서울,,KR,,,,ko,,free,x",
        "Bad Category,hospital,02-0000-0101,addr,서울,,KR,,,,ko,,free,x",
        "Bad Hours,clinic,02-0000-0101,addr,서울,,KR,,,,ko,someday 9-5,free,x",
        "Bad Coords,clinic,02-0000-0101,addr,서울,,KR,,95.5,127,ko,,free,x",
        "Half Coords,clinic,02-0000-0101,addr,서울,,KR,,37.5,,ko,,free,x",
        '"Multi, line",shelter,02-0000-0101,"a\nb",서울,,KR,,,,ko,24/7,free,x',
        "Short row,clinic",
        LA,
    )
    read = read_csv(text, "x.csv")
    assert [e.name for e in read.entries] == ["Seoul Free Clinic", "Multi, line", "LA Hanbang"]
    reasons = {r.line: r.reason for r in read.rejected}
    assert sorted(reasons) == [3, 4, 5, 6, 7, 10]
    assert "phone '12'" in reasons[3]
    assert "unknown category 'hospital'" in reasons[4]
    assert "bad hours" in reasons[5] and "someday" in reasons[5]
    assert "latitude 95.5" in reasons[6]
    assert "both latitude and longitude" in reasons[7]
    assert "expected 14 fields" in reasons[10]
    assert str(read.rejected[0]) == f"x.csv:3: {reasons[3]}"


def test_a_wrong_header_rejects_the_whole_file_naming_the_columns():
    with pytest.raises(ImportFileError, match="missing: cost"):
        read_csv(HEADER.replace(",cost", "") + "\n" + GOOD, "x.csv")


def test_the_same_row_twice_in_one_file_is_reported():
    read = read_csv(csv_text(GOOD, GOOD), "x.csv")
    assert len(read.entries) == 1
    assert read.rejected[0].line == 3 and "same name and address as x.csv:2" in read.rejected[0].reason


def test_the_sample_file_loads_without_rejections_and_says_it_is_sample_data():
    assert "SAMPLE DATA" in SAMPLE.read_text(encoding="utf-8").splitlines()[0]
    read = read_file(str(SAMPLE))
    assert read.rejected == []
    categories = {e.category for e in read.entries}
    assert {"mental_health", "korean_medicine", "shelter", "tb_care", "settlement"} <= categories


def test_reimporting_the_same_file_changes_nothing(redis_conn):
    entries = read_file(str(SAMPLE)).entries
    first = store_entries(redis_conn, PREFIX, entries)
    version = revision(redis_conn, PREFIX)
    again = store_entries(redis_conn, PREFIX, entries)
    assert (first.added, again.added, again.updated, again.unchanged) == (
        len(entries), 0, 0, len(entries))
    assert revision(redis_conn, PREFIX) == version
    replaced = store_entries(redis_conn, PREFIX, entries, replace=True)
    assert not replaced.changed and revision(redis_conn, PREFIX) == version


def test_a_changed_row_updates_the_entry_with_the_same_id(redis_conn):
    store_entries(redis_conn, PREFIX, read_csv(csv_text(GOOD)).entries)
    moved = GOOD.replace("02-0000-0104", "02-0000-0199")
    report = store_entries(redis_conn, PREFIX, read_csv(csv_text(moved, LA)).entries)
    assert (report.added, report.updated) == (1, 1)
    _, entries = load_entries(redis_conn, PREFIX)
    assert sorted(e.phone for e in entries) == ["+12135550101", "+82200000199"]


def test_replace_makes_the_directory_exactly_the_new_file(redis_conn):
    store_entries(redis_conn, PREFIX, read_file(str(SAMPLE)).entries)
    old_gen = redis_conn.get(Keys(PREFIX).current).decode()
    report = store_entries(redis_conn, PREFIX, read_csv(csv_text(LA)).entries, replace=True)
    assert (report.removed, report.added, report.unchanged) == (21, 1, 0)
    _, entries = load_entries(redis_conn, PREFIX)
    assert [e.name for e in entries] == ["LA Hanbang"]
    # The old generation stays readable a little while for searches mid-read, then goes.
    assert 0 < redis_conn.ttl(Keys(PREFIX).generation(old_gen)) <= 300


def test_a_search_during_replace_sees_the_old_or_the_new_directory_never_a_mix(redis_conn):
    small = read_csv(csv_text(LA)).entries
    big = read_file(str(SAMPLE)).entries
    store_entries(redis_conn, PREFIX, small, replace=True)
    sizes: set[int] = set()
    done = threading.Event()

    def watch() -> None:
        while not done.is_set():
            sizes.add(len(load_entries(redis_conn, PREFIX)[1]))

    watcher = threading.Thread(target=watch)
    watcher.start()
    try:
        for _ in range(5):
            store_entries(redis_conn, PREFIX, big, replace=True)
            store_entries(redis_conn, PREFIX, small, replace=True)
    finally:
        done.set()
        watcher.join()
    assert sizes <= {len(small), len(big)} and sizes


def test_the_index_follows_the_directory_when_it_changes(redis_conn):
    store_entries(redis_conn, PREFIX, read_csv(csv_text(GOOD)).entries)
    assert len(get_index(redis_conn, PREFIX).entries) == 1
    store_entries(redis_conn, PREFIX, read_csv(csv_text(GOOD, LA)).entries)
    assert len(get_index(redis_conn, PREFIX).entries) == 2


def test_hsds_json_with_organizations_locations_phones_and_schedules(tmp_path):
    doc = {"organizations": [{"name": "Hope Clinic Org", "services": [
        {"name": "Hope Clinic", "category": "clinic",
         "eligibility_description": "Anyone, no papers needed",
         "languages": [{"code": "ko"}, {"code": "en"}],
         "phones": [{"number": "+1 213-555-0110"}],
         "schedules": [{"byday": "MO,TU,WE", "opens_at": "09:00", "closes_at": "17:00"}],
         "location": {"latitude": 34.06, "longitude": -118.30,
                      "addresses": [{"address_1": "1 Wilshire Blvd", "city": "Los Angeles",
                                     "state_province": "CA", "country": "US",
                                     "postal_code": "90010"}]}},
        {"name": "No Category", "phones": [{"number": "+1 213-555-0111"}],
         "location": {"addresses": [{"city": "Los Angeles", "country": "US"}]}},
    ]}]}
    path = tmp_path / "hsds.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    read = read_file(str(path))
    (entry,) = read.entries
    assert (entry.organization, entry.eligibility) == ("Hope Clinic Org",
                                                       "Anyone, no papers needed")
    assert entry.hours == "mon-wed 09:00-17:00" and entry.timezone == "America/Los_Angeles"
    assert entry.languages == ("ko", "en") and entry.postal_code == "90010"
    (bad,) = read.rejected
    assert bad.where == 'hsds.json: service "No Category"'  # named, not by a Python index
    assert "no taxonomy term to decide a category" in bad.reason


def test_the_sample_loads_only_into_an_empty_directory(redis_conn, tmp_path):
    from hotline.directory.importer import load_if_empty

    assert load_if_empty(redis_conn, PREFIX, str(SAMPLE)) is True
    version = revision(redis_conn, PREFIX)
    other = tmp_path / "other.csv"
    other.write_text(csv_text(LA), encoding="utf-8")
    assert load_if_empty(redis_conn, PREFIX, str(other)) is False
    assert revision(redis_conn, PREFIX) == version
    assert len(load_entries(redis_conn, PREFIX)[1]) == 21


def test_optional_alternate_columns_give_names_in_the_callers_language(redis_conn):
    from hotline.directory.capability import search_directory
    from hotline.directory.importer import read_csv
    from hotline.directory.rows import CSV_HEADER
    from hotline.directory.search import Index

    header = ",".join(CSV_HEADER) + ",alternate_name,alternate_address"
    text = "\n".join([
        header,
        ("LA Community Counselling,mental_health,+1 213-555-0105,500 S Vermont Ave,Los Angeles,"
        "CA,US,90020,34.066,-118.292,ko;en,mon-fri 10:00-19:00,free,,LA 마음 상담소,버몬트가 500"),
        ("결핵 무료 검진 병원,tb_care,02-0000-0106,중구 을지로 50,서울,,KR,04530,37.566,126.991,"
        "ko;en,mon-fri 09:00-17:00,free,,Free TB Clinic,50 Eulji-ro"),
        ("서울 무료 치과,dental,02-0000-0105,구로구 디지털로 30,서울,,KR,08390,37.485,126.897,ko,"
        "mon-fri 09:30-17:30,low,,,"),
    ]) + "\n"
    read = read_csv(text, "alt.csv")
    assert read.rejected == [] and read.entries[0].alternate_name == "LA 마음 상담소"
    index = Index(read.entries)
    ask = {"category": ["mental_health", "tb_care", "dental"], "limit": 5}
    ko = search_directory(index, {**ask, "place": "LA", "language": "ko"}, 0.0)
    assert ko["results"][0]["name"] == "LA 마음 상담소"
    assert ko["results"][0]["address"] == "버몬트가 500"
    en = search_directory(index, {**ask, "place": "Seoul", "language": "en"}, 0.0)
    names = [r["name"] for r in en["results"]]
    assert "Free TB Clinic" in names and "서울 무료 치과" in names  # none given: as it is
    assert {r["address"] for r in en["results"]} >= {"50 Eulji-ro"}
    en_la = search_directory(index, {**ask, "place": "LA", "language": "en"}, 0.0)
    assert en_la["results"][0]["name"] == "LA Community Counselling"
    # Only the known optional columns may follow the fixed ones.
    import pytest

    from hotline.directory.rows import ImportFileError
    with pytest.raises(ImportFileError, match="unexpected: nickname"):
        read_csv(",".join(CSV_HEADER) + ",nickname\n", "bad.csv")


def test_an_edit_by_hand_keeps_the_alternate_name_and_address(redis_conn):
    from hotline.directory.edit import as_row, update_entry
    from hotline.directory.importer import read_csv
    from hotline.directory.rows import CSV_HEADER
    from hotline.directory.store import store_entries

    text = (",".join(CSV_HEADER) + ",alternate_name,alternate_address\n"
            "결핵 무료 검진 병원,tb_care,02-0000-0106,중구 을지로 50,서울,,KR,04530,,,ko,,free,,"
            "Free TB Clinic,50 Eulji-ro\n")
    entry = read_csv(text).entries[0]
    store_entries(redis_conn, "alt:", [entry])
    edited = update_entry(redis_conn, "alt:", entry.id, {**as_row(entry), "hours": "24/7"})
    assert edited.hours == "24/7" and edited.alternate_name == "Free TB Clinic"
    assert edited.alternate_address == "50 Eulji-ro"
