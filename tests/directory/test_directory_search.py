"""Searching the directory: places as callers name them, ranking, filters, open now."""

from __future__ import annotations

import pathlib
from datetime import datetime

import pytest

from hotline.directory.capability import search_directory
from hotline.directory.gazetteer import builtin
from hotline.directory.hours import parse_hours, timezone_for
from hotline.directory.importer import CSV_HEADER, read_csv, read_file
from hotline.directory.search import Index

SAMPLE = pathlib.Path(__file__).parents[2] / "ivr_scripts" / "directory.sample.csv"


@pytest.fixture(scope="module")
def index() -> Index:
    return Index(read_file(str(SAMPLE)).entries)


def at(iso: str) -> float:
    return datetime.fromisoformat(iso).timestamp()


@pytest.mark.parametrize("said, place", [
    ("서울", "kr-seoul"), ("Seoul", "kr-seoul"), ("서울특별시", "kr-seoul"),
    ("강남구", "kr-seoul-gangnam"), ("Gangnam", "kr-seoul-gangnam"), ("강남", "kr-seoul-gangnam"),
    ("Gangnam-gu", "kr-seoul-gangnam"), ("로스앤젤레스", "us-la"), ("LA", "us-la"),
    ("Los Angeles", "us-la"), ("인천", "kr-incheon"), ("Incheon", "kr-incheon"),
    ("연길", "cn-yanji"), ("Yanji", "cn-yanji"), ("延吉", "cn-yanji"),
    ("블라디보스토크", "ru-vladivostok"), ("Владивосток", "ru-vladivostok"),
    # typos and spacing
    ("Los Angelos", "us-la"), ("los  angeles", "us-la"), ("LosAngeles", "us-la"),
    ("강넘구", "kr-seoul-gangnam"), ("강남 구", "kr-seoul-gangnam"), ("Incheonn", "kr-incheon"),
    ("Gangnum", "kr-seoul-gangnam"), ("로스엔젤레스", "us-la"), ("블라디보스톡", "ru-vladivostok"),
    # more words, Korean endings
    ("서울 강남구", "kr-seoul-gangnam"), ("강남구에서", "kr-seoul-gangnam"),
    ("Koreatown LA", "us-la-koreatown"), ("서울 중구", "kr-seoul-jung"),
    # postal codes: Korea 5 digits, US ZIP
    ("06236", "kr-seoul-gangnam"), ("90005", "us-la-koreatown"), ("90012", "us-la"),
    ("90005-1234", "us-la-koreatown"),
])
def test_places_named_the_way_callers_name_them(said, place):
    found = builtin().resolve(said)
    assert found.place is not None and found.place.id == place, found


@pytest.mark.parametrize("said, count", [("중구", 3), ("광주", 2), ("Washington", 2)])
def test_two_equally_good_places_are_ambiguous(said, count):
    found = builtin().resolve(said)
    assert found.place is None and len(found.choices) == count


def test_a_name_that_is_no_place_is_not_matched_to_something_random():
    assert builtin().resolve("xyzzy").place is None
    assert builtin().resolve("병원").place is None


def test_entries_in_the_place_come_first_then_the_nearest(index):
    result = index.search("강남", limit=6)
    first, *rest = result.hits
    assert first.entry.name == "서울 무료 진료소" and first.in_place
    assert not any(h.in_place for h in rest)
    distances = [h.distance_km for h in rest]
    assert distances == sorted(distances) and distances[0] < 10
    assert result.more


def test_category_and_language_filters(index):
    shelters = index.search("서울", category="shelter")
    assert [h.entry.name for h in shelters.hits] == ["인천 임시 쉼터"]
    english = index.search("서울", language="en", limit=20)
    assert english.hits and all("en" in h.entry.languages for h in english.hits)
    korean_medicine = index.search("LA", category=["korean_medicine"], limit=5)
    assert [h.entry.city for h in korean_medicine.hits] == [
        "Los Angeles", "Los Angeles", "Garden Grove"]


def test_nothing_within_reach_is_none_and_the_capability_names_the_nearest_place(index):
    result = index.search("김포", category="shelter")
    assert result.status == "ok" and not result.hits[0].in_place  # 인천, nearby
    result = index.search("부산", category="shelter", nearby_km=100.0)
    assert result.status == "none"
    data = search_directory(index, {"place": "부산", "category": ["tb_care"],
                                    "language": "ko"}, 0.0)
    assert data["status"] == "ok" and data["results"][0]["name"] == "결핵 무료 검진 병원"


def test_nothing_in_the_country_never_names_a_place_across_a_border(index):
    # Korean medicine is only in Los Angeles: a caller in Seoul is not sent to the US.
    assert index.search("서울", category="korean_medicine").status == "none"
    data = search_directory(index, {"place": "서울", "category": ["korean_medicine"],
                                    "language": "ko"}, 0.0)
    assert data["status"] == "none" and "nearby" not in data and data["results"] == []


def test_none_of_the_asked_kind_in_the_place_gives_the_nearest_of_it_in_the_country(index):
    params = {"place": "서울", "category": ["shelter", "food", "settlement"],
              "kind": ["shelter"], "language": "ko"}
    data = search_directory(index, params, 0.0)
    # Seoul has a food bank and a settlement desk, but the caller asked for a shelter.
    assert [r["category"] for r in data["results"]] == ["shelter"]
    assert data["results"][0]["name"] == "인천 임시 쉼터"
    assert not data["results"][0]["in_place"] and data["place"]["name"] == "서울"
    # In Incheon there is one: every kind the node lists comes, in place first.
    data = search_directory(index, {**params, "place": "인천"}, 0.0)
    assert {r["category"] for r in data["results"] if r["in_place"]} == {"shelter",
                                                                          "settlement"}


def test_the_place_keeps_the_callers_own_spelling(index):
    for wrote, language in (("연길", "ko"), ("옌지", "ko"), ("Yanji", "en")):
        data = search_directory(index, {"place": wrote, "category": ["shelter"],
                                        "language": language}, 0.0)
        assert data["place"]["name"] == wrote
    typo = search_directory(index, {"place": "서을", "category": ["clinic"],
                                    "language": "ko"}, 0.0)
    assert typo["place"]["name"] == "서울"  # a misspelling is not echoed back


def test_open_now_uses_each_entry_own_timezone(index):
    # Wednesday 10:30 in Los Angeles is Thursday 03:30 in Seoul.
    now = at("2026-11-25T10:30:00-08:00")
    la = index.search("LA", category="korean_medicine", open_now=True, now=now)
    assert [h.entry.name for h in la.hits] == ["LA Free Korean Medicine Day"]
    seoul = index.search("서울", open_now=True, now=now, limit=10)
    assert [h.entry.hours for h in seoul.hits] == ["24/7"]  # only the Incheon shelter
    # Thursday 10:30 in Seoul: the Seoul clinics are open.
    later = index.search("강남", category="clinic", open_now=True,
                         now=at("2026-11-26T10:30:00+09:00"))
    assert later.hits[0].entry.name == "서울 무료 진료소"


def test_paging_goes_through_every_result_once(index):
    seen, offset = [], 0
    while True:
        page = index.search("서울", limit=3, offset=offset)
        seen += [h.entry.id for h in page.hits]
        if not page.more:
            break
        offset += 3
    assert len(seen) == len(set(seen)) >= 10


def test_entry_cities_unknown_to_the_gazetteer_are_places_too():
    rows = "\n".join([
        ",".join(CSV_HEADER),
        "Prairie Clinic,clinic,+1 785-555-0101,1 Main St,Smallville,KS,US,,39.0,-98.0,en,,free,x",
        "Prairie Food,food,+1 785-555-0102,2 Main St,Smallville,KS,US,,39.01,-98.01,en,,free,x",
    ])
    index = Index(read_csv(rows).entries)
    result = index.search("Smalville")  # a typo of a city only the entries know
    assert result.resolution.place is not None
    assert {h.entry.name for h in result.hits} == {"Prairie Clinic", "Prairie Food"}
    assert all(h.in_place for h in result.hits)


def test_a_postal_code_finds_its_own_entries_first(index):
    result = index.search("90005")
    assert result.hits[0].entry.postal_code == "90005"


def test_hours_and_timezones():
    hours = parse_hours("mon-fri 09:00-18:00; sat 10:00-14:00")
    assert hours.is_open(0, 9 * 60) and not hours.is_open(0, 18 * 60)
    assert hours.is_open(5, 13 * 60) and not hours.is_open(6, 11 * 60)
    night = parse_hours("fri 22:00-06:00")
    assert night.is_open(4, 23 * 60) and night.is_open(5, 5 * 60) and not night.is_open(5, 7 * 60)
    assert parse_hours("24/7").always
    assert timezone_for("US", "CA") == "America/Los_Angeles"
    assert timezone_for("US", "New York") == "America/New_York"
    assert timezone_for("RU", "Primorsky Krai") == "Asia/Vladivostok"
    assert timezone_for("RU") == "Europe/Moscow"
    assert (timezone_for("CN"), timezone_for("KR")) == ("Asia/Shanghai", "Asia/Seoul")


GWANGJU_ROWS = [
    # city 광주 is both the metropolitan city and 광주시 in Gyeonggi-do
    "A,clinic,062-555-0101,서구 1,광주,,KR,,35.15,126.85,ko,,free,x",  # coordinates
    "B,clinic,062-555-0102,서구 2,광주,,KR,61950,,,ko,,free,x",  # postal code only
    "C,clinic,062-555-0103,서구 3,광주,,KR,,,,ko,,free,x",  # nothing else: the larger one
    "D,clinic,031-555-0104,경안로 4,광주,경기도,KR,,,,ko,,free,x",  # its region says which
    "E,clinic,031-555-0105,경안로 5,광주,,KR,,37.43,127.25,ko,,free,x",  # coordinates again
]


def test_an_entry_city_with_two_namesakes_is_placed_in_the_one_it_is_in():
    index = Index(read_csv("\n".join([",".join(CSV_HEADER), *GWANGJU_ROWS])).entries)
    homes = {e.name: home for e, home in zip(index.entries, index.home)}
    assert homes == {"A": "kr-gwangju", "B": "kr-gwangju", "C": "kr-gwangju",
                     "D": "kr-gyeonggi-gwangju", "E": "kr-gyeonggi-gwangju"}
    # No invented third 광주: the caller chooses between the two real ones ...
    data = search_directory(index, {"place": "광주", "language": "ko"}, 0.0)
    assert data["status"] == "ambiguous"
    assert [c["name"] for c in data["choices"]] == ["광주", "경기도 광주시"]
    english = search_directory(index, {"place": "광주", "language": "en"}, 0.0)
    assert [c["name"] for c in english["choices"]] == ["Gwangju", "Gwangju, Gyeonggi-do"]
    # ... and each one holds its own entries.
    metro = search_directory(index, {"place_id": "kr-gwangju", "limit": 5}, 0.0)
    assert sorted(r["name"] for r in metro["results"] if r["in_place"]) == ["A", "B", "C"]
    gyeonggi = index.search(place_id="kr-gyeonggi-gwangju", limit=5)
    assert sorted(h.entry.name for h in gyeonggi.hits if h.in_place) == ["D", "E"]


def test_a_town_named_in_one_script_is_found_from_the_other():
    # Towns the gazetteer does not know: one a file names only in Hangul, one only in Latin.
    rows = "\n".join([
        ",".join(CSV_HEADER),
        "김해 나눔 의원,clinic,055-555-0101,가야로 1,김해시,경상남도,KR,,35.23,128.88,ko,,free,x",
        "Tacoma Shelter,shelter,253-555-0190,1 Main St,Tacoma,WA,US,,47.25,-122.44,en;ko,24/7,free,x",
    ])
    index = Index(read_csv(rows).entries)
    for said, name in [("Gimhae", "김해 나눔 의원"), ("gimhae-si", "김해 나눔 의원"),
                       ("김해", "김해 나눔 의원"), ("타코마", "Tacoma Shelter"),
                       ("Tacoma", "Tacoma Shelter")]:
        result = index.search(said, limit=1)
        assert [h.entry.name for h in result.hits] == [name], said
        assert result.hits[0].in_place, said
    for said in ("병원", "도와주세요", "배가 아파요", "xyzzy"):
        assert index.search(said).status == "no_place", said


def test_romanisation_of_hangul():
    from hotline.directory.romanize import romanize

    assert [romanize(w) for w in ("김해", "해운대", "타코마", "의정부", "울릉", "LA 한인")] == [
        "gimhae", "haeundae", "takoma", "uijeongbu", "ulleung", "LA hanin"]
