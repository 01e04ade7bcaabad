"""The family register: parents and children, marriages and name changes agree."""

from __future__ import annotations

from datetime import date

import pytest

from identity.citizen_ids import is_valid_citizen_id
from services.dopa.people import (
    REFERENCE_DATE,
    Gender,
    MaritalStatus,
    PersonStatus,
    demo_people,
    synthetic_population,
)
from services.dopa.records import (
    birth_record,
    family_record,
    index_children,
    is_minor,
    marital_status_record,
    name_history_record,
)

SOMCHAI, SOMYING, DAUGHTER, GRANDFATHER, NEWBORN = (
    "3103900123458",
    "1509900456789",
    "1103900773219",
    "3103900004572",
    "1103900812346",
)


@pytest.fixture(scope="module")
def population():
    return synthetic_population(size=2000)


@pytest.fixture(scope="module")
def by_id(population):
    return {p.national_id: p for p in population}


class TestParentsAndChildren:
    def test_parents_are_in_the_register_with_the_right_gender(self, population, by_id):
        for person in population:
            if person.father_id:
                assert by_id[person.father_id].gender is Gender.MALE
            if person.mother_id:
                assert by_id[person.mother_id].gender is Gender.FEMALE

    def test_parents_are_old_enough(self, population, by_id):
        for person in population:
            for parent_id in (person.father_id, person.mother_id):
                if parent_id:
                    parent = by_id[parent_id]
                    assert parent.birthdate.year + 15 <= person.birthdate.year, person

    def test_generated_children_live_with_their_parents(self, population, by_id):
        for person in population[len(demo_people()) :]:
            for parent_id in (person.father_id, person.mother_id):
                if parent_id:
                    assert by_id[parent_id].house_id == person.house_id

    def test_a_childs_parent_lists_the_child_in_the_family_record(self, population, by_id):
        children = index_children(population)
        linked = 0
        for person in population:
            if person.status is not PersonStatus.ALIVE:
                continue
            for parent_id in (person.father_id, person.mother_id):
                if parent_id:
                    listed = family_record(children.get(parent_id, []))["children"]
                    assert person.national_id in {c["national_id"] for c in listed}
                    linked += 1
        assert linked > 100

    def test_the_family_record_lists_living_children_only(self, population):
        for records in index_children(population).values():
            listed = {c["national_id"] for c in family_record(records)["children"]}
            alive = {c.national_id for c in records if c.status is PersonStatus.ALIVE}
            assert listed == alive

    def test_somchai_has_a_daughter_and_a_newborn_son(self, population):
        listed = family_record(index_children(population)[SOMCHAI])["children"]
        assert [c["national_id"] for c in listed] == [DAUGHTER, NEWBORN]
        assert listed[1] == {
            "national_id": NEWBORN,
            "title_th": "เด็กชาย",
            "given_name_th": "ปกรณ์",
            "family_name_th": "ใจดี",
            "title_en": "Master",
            "given_name_en": "Pakorn",
            "family_name_en": "Jaidee",
            "birthdate": "2026-10-01",
        }

    def test_somchais_deceased_father_is_his_father(self, by_id):
        assert by_id[SOMCHAI].father_id == GRANDFATHER
        assert by_id[GRANDFATHER].status is PersonStatus.DECEASED

    def test_children_are_minors_and_somchai_is_not(self, by_id):
        on = date(2026, 11, 21)
        assert is_minor(by_id[DAUGHTER], on) and is_minor(by_id[NEWBORN], on)
        assert not is_minor(by_id[SOMCHAI], on)


class TestNewborn:
    def test_is_the_sixth_demo_person_in_somchais_house(self):
        people = demo_people()
        assert len(people) == 6
        newborn, somchai = people[5], people[0]
        assert newborn.national_id == NEWBORN and is_valid_citizen_id(NEWBORN)
        assert newborn.full_name_th == "เด็กชายปกรณ์ ใจดี"
        assert newborn.full_name_en == "Master Pakorn Jaidee"
        assert newborn.birthdate == date(2026, 10, 1) > REFERENCE_DATE
        assert (newborn.house_id, newborn.address) == (somchai.house_id, somchai.address)
        assert (newborn.father_id, newborn.mother_id) == (SOMCHAI, "")

    def test_has_a_unique_citizen_id(self, population):
        assert [p.national_id for p in population].count(NEWBORN) == 1

    def test_birth_was_registered_within_fifteen_days(self, by_id):
        record = birth_record(by_id[NEWBORN], by_id)
        assert record["father_name_th"] == "นายสมชาย ใจดี"
        assert record["father_national_id"] == SOMCHAI
        assert record["mother_national_id"] == ""
        registered = date.fromisoformat(record["registered_on"])
        assert date(2026, 10, 1) <= registered <= date(2026, 10, 15)


class TestMarriage:
    def test_married_pairs_are_symmetric(self, population, by_id):
        pairs = 0
        for person in population:
            if person.marital_status is MaritalStatus.MARRIED:
                spouse = by_id[person.spouse_id]
                assert spouse.gender is not person.gender
                if spouse.spouse_id == person.national_id:
                    assert spouse.marital_status is MaritalStatus.MARRIED
                    assert spouse.marital_status_on == person.marital_status_on
                    pairs += 1
                else:  # the survivor of a deceased spouse is widowed
                    assert person.status is PersonStatus.DECEASED
                    assert spouse.marital_status is MaritalStatus.WIDOWED
            else:
                assert person.spouse_id == ""
        assert pairs > 100

    def test_only_a_single_person_has_no_date_and_dates_are_plausible(self, population):
        for person in population:
            if person.marital_status is MaritalStatus.SINGLE:
                assert person.marital_status_on is None
            else:
                on = person.marital_status_on
                assert on is not None and person.birthdate.year + 18 <= on.year
                assert on <= REFERENCE_DATE

    def test_married_women_are_titled_nang(self, population):
        for person in population:
            if person.gender is Gender.FEMALE and person.marital_status is not (
                MaritalStatus.SINGLE
            ):
                assert person.title_th == "นาง", person

    def test_wives_who_took_the_family_name_keep_their_maiden_name(self, population, by_id):
        wives = [
            p
            for p in population
            if p.gender is Gender.FEMALE
            and p.marital_status is MaritalStatus.MARRIED
            and p.family_name_th == by_id[p.spouse_id].family_name_th
        ]
        assert wives
        for wife in wives:
            (maiden,) = wife.previous_names
            assert maiden.family_name_th != wife.family_name_th
            assert maiden.changed_on == wife.marital_status_on

    def test_the_record_names_a_living_spouse(self, population, by_id):
        couple = next(
            p
            for p in population
            if p.marital_status is MaritalStatus.MARRIED and p.status is PersonStatus.ALIVE
        )
        record = marital_status_record(couple, by_id)
        assert record["marital_status"] == "married"
        assert record["spouse_name_th"] == by_id[couple.spouse_id].full_name_th

    def test_demo_statuses(self, by_id):
        assert marital_status_record(by_id[SOMCHAI], by_id) == {
            "marital_status": "divorced",
            "spouse_name_th": "",
            "spouse_name_en": "",
            "registered_on": "2019-07-08",
        }
        assert marital_status_record(by_id[SOMYING], by_id) == {
            "marital_status": "single",
            "spouse_name_th": "",
            "spouse_name_en": "",
            "registered_on": None,
        }


class TestNameHistory:
    def test_somying_changed_her_given_name_once(self, by_id):
        assert name_history_record(by_id[SOMYING]) == {
            "previous_names": [
                {
                    "given_name_th": "น้ำผึ้ง",
                    "family_name_th": "รักไทย",
                    "given_name_en": "Namphueng",
                    "family_name_en": "Rakthai",
                    "changed_on": "2015-05-20",
                }
            ]
        }

    def test_somchai_never_changed_his_name(self, by_id):
        assert name_history_record(by_id[SOMCHAI]) == {"previous_names": []}

    def test_a_few_people_changed_names_after_birth(self, population):
        changed = [p for p in population if p.previous_names]
        assert 0.05 * len(population) < len(changed) < 0.5 * len(population)
        for person in changed:
            for name in person.previous_names:
                assert person.birthdate < name.changed_on <= REFERENCE_DATE
                assert (name.given_name_th, name.family_name_th) != (
                    person.given_name_th,
                    person.family_name_th,
                )


class TestBirthRecord:
    def test_every_person_has_a_plausible_birth_record(self, population, by_id):
        for person in population:
            record = birth_record(person, by_id)
            assert record["birthdate"] == person.birthdate.isoformat()
            assert record["birthplace_th"] and record["birthplace_en"]
            assert record["mother_name_th"]
            registered = date.fromisoformat(record["registered_on"])
            assert 0 <= (registered - person.birthdate).days < 15

    def test_parents_in_the_register_are_named_with_their_ids(self, population, by_id):
        for person in population:
            record = birth_record(person, by_id)
            if person.father_id:
                assert record["father_national_id"] == person.father_id
                assert record["father_name_th"] == by_id[person.father_id].full_name_th
            if person.mother_id:
                assert record["mother_national_id"] == person.mother_id

    def test_a_child_is_born_in_the_province_of_the_family_home(self, population):
        for person in population[len(demo_people()) :]:
            if person.father_id or person.mother_id:
                assert person.birth_province_code == person.address.province_code

    def test_somchai_was_born_in_bangkok_to_his_registered_father(self, by_id):
        record = birth_record(by_id[SOMCHAI], by_id)
        assert record["birthplace_en"] == "Bangkok"
        assert record["father_name_th"] == "นายสมศักดิ์ ใจดี"
        assert record["father_national_id"] == GRANDFATHER
        assert record["mother_name_th"] == "นางบุญเรือน ใจดี"
