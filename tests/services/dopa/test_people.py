from __future__ import annotations

import json

import geothai
import pytest

from identity.citizen_ids import is_valid_citizen_id
from services.dopa import AGENCY
from services.dopa.contract import DATASETS, POPULATION
from services.dopa.people import (
    REFERENCE_DATE,
    Gender,
    PersonStatus,
    address_line_en,
    address_line_th,
    demo_people,
    find_person,
    person_to_record,
    synthetic_population,
)


@pytest.fixture(scope="module")
def population():
    return synthetic_population()


def test_agency_declares_the_population_dataset():
    assert AGENCY.code == "dopa"
    assert AGENCY.dataset("population") is POPULATION
    assert DATASETS[0] is POPULATION
    assert [d.name for d in DATASETS] == [
        "population",
        "family",
        "birth_record",
        "marital_status",
        "name_history",
    ]
    assert POPULATION.qualified_name == "dopa.population"


def test_every_contract_field_has_thai_and_english_labels():
    for dataset in DATASETS:
        assert dataset.title_th and dataset.title_en
        for field in dataset.fields:
            assert field.label_th and field.label_en, field.name


def test_population_has_the_size_asked_for(population):
    assert len(population) == 200
    assert len(synthetic_population(size=1000)) == 1000


def test_every_citizen_id_is_valid_and_unique():
    people = synthetic_population(size=2000)
    ids = [p.national_id for p in people]
    assert all(is_valid_citizen_id(i) for i in ids)
    assert len(set(ids)) == len(ids)


def test_the_same_seed_gives_the_same_people():
    assert synthetic_population(seed=7) == synthetic_population(seed=7)
    assert synthetic_population(seed=7) != synthetic_population(seed=8)


def test_a_larger_population_extends_a_smaller_one():
    assert synthetic_population(size=500)[:200] == synthetic_population(size=200)


def test_size_smaller_than_the_demo_people_is_refused():
    with pytest.raises(ValueError):
        synthetic_population(size=len(demo_people()) - 1)


def test_every_address_agrees_with_geothai(population):
    for person in population:
        a = person.address
        found = geothai.address(a.subdistrict_code)
        assert found is not None, a.subdistrict_code
        assert (a.subdistrict_th, a.subdistrict_en) == (
            found.subdistrict.name_th,
            found.subdistrict.name_en,
        )
        assert (a.district_th, a.district_en) == (found.district.name_th, found.district.name_en)
        assert (a.province_th, a.province_en) == (found.province.name_th, found.province.name_en)
        assert a.postal_code in found.subdistrict.postal_codes
        if a.province_code == "10":
            assert a.moo == "", "Bangkok has no village numbers"


def test_house_ids_have_eleven_digits_starting_with_the_district_code(population):
    for person in population:
        assert len(person.house_id) == 11 and person.house_id.isdigit()
        assert person.house_id[:4] == person.address.district_code


def test_people_in_one_house_share_its_address(population):
    by_house = {}
    for person in population:
        by_house.setdefault(person.house_id, set()).add(person.address)
    assert all(len(addresses) == 1 for addresses in by_house.values())


def test_birthdates_and_move_in_dates_are_plausible(population):
    for person in population:
        assert person.birthdate <= person.moved_in_on
    # The demo newborn (index 5) is born after the reference date; generated people never are.
    for person in population[len(demo_people()) :]:
        assert 1940 <= person.birthdate.year <= 2020
        assert person.moved_in_on <= REFERENCE_DATE


def test_titles_follow_gender_age_and_marriage(population):
    for person in population:
        age = (REFERENCE_DATE - person.birthdate).days / 365.25
        if age < 14.9:
            expected = {Gender.MALE: {"เด็กชาย"}, Gender.FEMALE: {"เด็กหญิง"}}
        elif age > 15.1:
            expected = {Gender.MALE: {"นาย"}, Gender.FEMALE: {"นาง", "นางสาว"}}
        else:
            continue
        assert person.title_th in expected[person.gender], person
        english = {"นาย": "Mr", "นาง": "Mrs", "นางสาว": "Miss", "เด็กชาย": "Master"}
        assert person.title_en == english.get(person.title_th, "Miss")


def test_names_have_thai_and_latin_spellings(population):
    for person in population:
        assert all("\u0e00" <= c <= "\u0e7f" for c in person.given_name_th)
        assert person.given_name_en.isascii() and person.family_name_en.isascii()
        assert person.nationality == "ไทย"


class TestDemoPeople:
    def test_come_first_in_every_population(self, population):
        fixed = demo_people()
        assert population[: len(fixed)] == fixed
        assert synthetic_population(seed=1, size=50)[: len(fixed)] == fixed

    def test_somchai_lives_in_bangkok(self, population):
        somchai = population[0]
        assert somchai.national_id == "3103900123458"
        assert somchai.full_name_th == "นายสมชาย ใจดี"
        assert somchai.full_name_en == "Mr Somchai Jaidee"
        assert somchai.address.province_en == "Bangkok"
        assert somchai.status is PersonStatus.ALIVE

    def test_somying_lives_in_chiang_mai(self, population):
        somying = population[1]
        assert somying.national_id == "1509900456789"
        assert somying.full_name_th == "นางสาวสมหญิง รักไทย"
        assert somying.full_name_en == "Miss Somying Rakthai"
        assert somying.address.province_en == "Chiang Mai"

    def test_the_third_has_the_longest_names_and_address(self, population):
        longest = population[2]
        assert len(longest.given_name_th) >= 40 and len(longest.family_name_th) >= 40
        assert len(longest.given_name_en) >= 40 and len(longest.family_name_en) >= 40
        for attr in ("given_name_th", "family_name_th", "given_name_en", "family_name_en"):
            assert getattr(longest, attr) == max((getattr(p, attr) for p in population), key=len)
        assert address_line_th(longest.address) == max(
            (address_line_th(p.address) for p in population), key=len
        )
        assert address_line_en(longest.address) == max(
            (address_line_en(p.address) for p in population), key=len
        )

    def test_include_a_child_in_somchais_house(self):
        daughter = demo_people()[3]
        assert daughter.title_th == "เด็กหญิง"
        assert daughter.house_id == demo_people()[0].house_id

    def test_include_a_deceased_person(self):
        assert demo_people()[4].status is PersonStatus.DECEASED


def test_find_person_by_citizen_id(population):
    assert find_person(population, "1509900456789") == population[1]
    assert find_person(population, "1234567890121") is None


def test_bangkok_address_line_uses_khwaeng_and_khet():
    somchai = demo_people()[0]
    assert address_line_th(somchai.address) == (
        "99/12 ซอยสุขุมวิท 21 ถนนสุขุมวิท แขวงคลองเตยเหนือ เขตวัฒนา กรุงเทพมหานคร 10110"
    )
    assert address_line_en(somchai.address) == (
        "99/12, Soi Sukhumvit 21, Sukhumvit Road, Khlong Toei Nuea Subdistrict, "
        "Vadhana District, Bangkok 10110"
    )


def test_provincial_address_line_uses_tambon_amphoe_and_changwat():
    somying = demo_people()[1]
    assert address_line_th(somying.address) == (
        "88/8 ถนนห้วยแก้ว ตำบลสุเทพ อำเภอเมืองเชียงใหม่ จังหวัดเชียงใหม่ 50200"
    )
    assert address_line_en(somying.address) == (
        "88/8, Huai Kaeo Road, Suthep Subdistrict, Mueang Chiang Mai District, "
        "Chiang Mai Province 50200"
    )


def test_record_holds_every_contract_field_as_json():
    record = person_to_record(demo_people()[0])
    assert set(record) == POPULATION.field_names
    assert record["birthdate"] == "1975-04-12"
    assert record["gender"] == "male"
    assert record["status"] == "alive"
    assert record["address"]["subdistrict_code"] == "103901"
    assert json.loads(json.dumps(record, ensure_ascii=False)) == record
