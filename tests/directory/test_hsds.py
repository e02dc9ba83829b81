"""Open Referral HSDS 3.0: every published JSON shape, the category mapping file, bad
fields that spoil only themselves, and export -> import round trips."""

from __future__ import annotations

import dataclasses
import json
import pathlib

import pytest

from hotline.directory.export import check_hsds, export_hsds
from hotline.directory.importer import read_csv, read_file, read_text
from hotline.directory.rows import ImportFileError
from hotline.directory.taxonomy import load_map, read_map

HERE = pathlib.Path(__file__).parent / "hsds"
SAMPLE = pathlib.Path(__file__).parents[2] / "ivr_scripts" / "directory.sample.csv"
SERVICE_ID = "ac148810-d857-441c-9679-408f346de14b"
LABEL = f'service {SERVICE_ID} "Community Counselling"'


def read(name: str, category: str = "mental_health", country: str = "US"):
    return read_file(str(HERE / name), load_map(default=category), country=country)


@pytest.mark.parametrize("name", ["service_full.json", "service_list.json",
                                  "service_at_location_simple.json",
                                  "organization_full.json"])
def test_every_published_shape_loads_the_example_service(name):
    result = read(name)
    assert result.rejected == []
    (entry,) = result.entries
    assert (entry.name, entry.alternate_name) == ("Community Counselling",
                                                  "MyCity Counselling Services")
    assert entry.organization == "Example Organization Inc."
    assert entry.category == "mental_health" and entry.source == name


@pytest.mark.parametrize("name", ["service_full.json", "organization_full.json"])
def test_the_full_examples_map_address_phone_schedule_language_and_cost(name):
    (entry,) = read(name).entries
    assert (entry.address, entry.city, entry.region, entry.postal_code, entry.country) == (
        "1-30 Main Street, MyVillage", "MyCity", "MyState", "ABC 1234", "US")
    assert entry.phone == "+441234234567"  # the example's number is wrapped in quotes
    assert entry.hours == "thu-fri 10:00-18:00"
    assert entry.languages == ("ur",)
    assert entry.cost == "low"  # £35 a session is not free
    assert entry.eligibility.startswith("This service is intended for all people aged 12")


def test_latitude_100_drops_only_the_coordinates_with_a_warning_naming_the_entry():
    result = read("service_full.json")
    (entry,) = result.entries
    assert entry.latitude is None and entry.longitude is None
    (coords,) = [w for w in result.warnings if "latitude" in w.reason]
    assert coords.where == f"service_full.json: {LABEL}"
    assert "100,101" in coords.reason and "coordinates dropped" in coords.reason


def test_an_unknown_taxonomy_is_rejected_by_id_and_name_unless_a_category_is_given():
    result = read("organization_full.json", category="")
    assert result.entries == []
    (rejected,) = result.rejected
    assert rejected.where == f"organization_full.json: {LABEL}"
    assert "'code', 'name'" in rejected.reason and "--category" in rejected.reason
    no_terms = read("service_list.json", category="")
    assert "no taxonomy term" in no_terms.rejected[0].reason


def test_the_mapping_file_maps_taxonomy_codes_and_names_to_our_categories(tmp_path):
    doc = json.loads((HERE / "service_full.json").read_text())
    doc["attributes"][0]["taxonomy_term"].update(code="BD-1800.2000", name="Food Pantries")
    path = tmp_path / "food.json"
    path.write_text(json.dumps(doc))
    assert read_file(str(path)).entries[0].category == "food"  # the shipped file, by name
    mapping = tmp_path / "map.csv"
    mapping.write_text("# ours\nterm,category\nbd-1800.2000,shelter\n")
    assert read_file(str(path), load_map(str(mapping))).entries[0].category == "shelter"


def test_a_bad_mapping_file_names_every_bad_row():
    with pytest.raises(ImportFileError) as info:
        read_map("term,category\nA,clinic\nB,hospital\nC\n", "m.csv")
    assert "row 3: 'B' maps to unknown category 'hospital'" in str(info.value)
    assert "row 4: expected a term and a category" in str(info.value)


def service(**changes):
    doc = json.loads((HERE / "service_full.json").read_text())
    doc.update(changes)
    return doc


def test_a_bad_phone_is_dropped_while_another_dialable_one_is_left():
    doc = service(phones=[{"id": "p1", "number": "12"}, {"id": "p2", "number": "+1 213-555-0110"}])
    doc["service_at_locations"][0]["phones"] = []
    doc["service_at_locations"][0]["location"]["phones"] = []
    result = read_text(json.dumps(doc), "x.json", load_map(default="clinic"))
    assert result.entries[0].phone == "+12135550110"
    assert any("phones: '12' is not a phone number" in w.reason for w in result.warnings)


def test_an_entry_whose_phones_are_all_undialable_is_rejected_by_id_and_name():
    doc = service(phones=[{"id": "p1", "number": "12"}])
    doc["service_at_locations"][0]["phones"] = [{"id": "p2", "number": "not a number"}]
    doc["service_at_locations"][0]["location"]["phones"] = []
    result = read_text(json.dumps(doc), "x.json", load_map(default="clinic"))
    (rejected,) = result.rejected
    assert rejected.where == f"x.json: {LABEL}" and "no dialable phone" in rejected.reason


def test_monthly_schedules_and_unknown_languages_are_warnings_not_rejections():
    doc = service(languages=[{"id": "l1", "name": "Klingon"}, {"id": "l2", "code": "ko"}],
                  schedules=[{"id": "s1", "freq": "MONTHLY", "byday": "2MO",
                              "opens_at": "09:00", "closes_at": "12:00"}])
    doc["service_at_locations"][0]["schedules"] = []
    result = read_text(json.dumps(doc), "x.json", load_map(default="clinic"))
    (entry,) = result.entries
    assert entry.languages == ("ko",) and entry.hours == ""
    reasons = " | ".join(w.reason for w in result.warnings)
    assert "schedules: s1" in reasons and "'Klingon'" in reasons


def test_a_service_at_several_locations_is_one_entry_per_location():
    doc = service()
    second = json.loads(json.dumps(doc["service_at_locations"][0]))
    second["id"] = "sal-2"
    second["location"].update(id="loc-2", latitude=37.5, longitude=127.0)
    second["location"]["addresses"][0].update(address_1="1 Sejong-daero", city="서울",
                                              country="KR", postal_code="04524")
    doc["service_at_locations"].append(second)
    result = read_text(json.dumps(doc), "x.json", load_map(default="clinic"))
    assert [e.country for e in result.entries] == ["US", "KR"]
    assert result.entries[1].timezone == "Asia/Seoul" and result.entries[1].latitude == 37.5
    assert all("at location" in w.where for w in result.warnings)


def test_text_that_is_no_hsds_shape_is_refused_whole():
    with pytest.raises(ImportFileError):
        read_text('{"hello": 1}', "x.json", load_map())


def same(entries):
    return sorted((dataclasses.replace(e, source="") for e in entries), key=lambda e: e.id)


def test_export_then_import_gives_the_same_directory():
    original = read_csv(SAMPLE.read_text(encoding="utf-8"), "sample.csv").entries
    document = export_hsds(original)
    back = read_text(json.dumps(document), "export.json", load_map())
    assert back.rejected == [] and back.warnings == []
    assert same(back.entries) == same(original)
    extra = dataclasses.replace(original[0], hours="24/7", alternate_name="Другое имя",
                                cost="low")
    again = read_text(json.dumps(export_hsds([extra])), "e.json", load_map()).entries
    assert same(again) == same([extra])


def test_the_export_passes_the_schema_check_and_the_check_finds_real_faults():
    original = read_csv(SAMPLE.read_text(encoding="utf-8"), "sample.csv").entries
    document = export_hsds(original)
    assert check_hsds(document) == []
    assert document["total_items"] == len(original) == len(document["contents"])
    broken = json.loads(json.dumps(document))
    del broken["contents"][0]["status"]
    broken["contents"][1]["phones"][0]["number"] = 821012345678
    broken["contents"][2]["service_at_locations"][0]["location"]["addresses"][0].pop("city")
    broken["contents"][3]["organization"]["description"] = None
    problems = check_hsds(broken)
    assert "contents[0].status: required (service)" in problems
    assert any(p.startswith("contents[1].phones[0].number: must be a string") for p in problems)
    assert ("contents[2].service_at_locations[0].location.addresses[0].city: "
            "required (address)") in problems
    assert "contents[3].organization.description: required (organization)" in problems
    assert len(problems) == 4


TABULAR = HERE / "tabular"


def zipped(tmp_path, folder=TABULAR, inside="hsds/") -> pathlib.Path:
    import zipfile

    path = tmp_path / "partner.zip"
    with zipfile.ZipFile(path, "w") as archive:
        for file in sorted(folder.iterdir()):
            archive.write(file, inside + file.name)
    return path


def test_tabular_hsds_joins_the_tables_by_their_ids():
    result = read_file(str(TABULAR), load_map(default="mental_health"))
    assert result.rejected == []
    counselling, dental = sorted(result.entries, key=lambda e: e.name)
    assert (counselling.phone, counselling.hours, counselling.languages) == (
        "+441234234567", "thu-fri 10:00-18:00", ("ur",))
    assert counselling.latitude is None  # latitude 100, as in the published example
    assert dental.category == "dental"  # 'Dental Care' through attributes + taxonomy_terms
    assert (dental.phone, dental.hours, dental.city, dental.alternate_name) == (
        "+82200000199", "sat 09:00-13:00", "서울", "무료 치과")  # the fax line is no phone
    assert (dental.latitude, dental.timezone, dental.cost) == (37.5663, "Asia/Seoul", "free")


def test_a_zip_of_the_tables_reads_like_the_folder(tmp_path):
    folder = read_file(str(TABULAR), load_map(default="mental_health"))
    archive = read_file(str(zipped(tmp_path)), load_map(default="mental_health"))
    assert same(archive.entries) == same(folder.entries)
    assert {e.source for e in archive.entries} == {"partner.zip"}


def test_datapackage_names_tables_kept_under_other_file_names(tmp_path):
    copy = tmp_path / "renamed"
    copy.mkdir()
    for file in TABULAR.iterdir():
        target = "svc.csv" if file.name == "services.csv" else file.name
        copy.joinpath(target).write_bytes(file.read_bytes())
    package = json.loads((TABULAR / "datapackage.json").read_text())
    package["resources"][0]["path"] = "svc.csv"
    (copy / "datapackage.json").write_text(json.dumps(package))
    assert len(read_file(str(copy), load_map(default="clinic")).entries) == 2
    (copy / "datapackage.json").unlink()
    with pytest.raises(ImportFileError, match="no services.csv"):
        read_file(str(copy), load_map(default="clinic"))


def test_a_zip_that_is_no_zip_is_refused(tmp_path):
    bad = tmp_path / "bad.zip"
    bad.write_bytes(b"not a zip")
    with pytest.raises(ImportFileError, match="not a zip file"):
        read_file(str(bad))
