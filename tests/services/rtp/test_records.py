from __future__ import annotations

from datetime import date

from services.dopa.people import REFERENCE_DATE, PersonStatus, demo_people, synthetic_population
from services.rtp.records import criminal_record

PEOPLE = synthetic_population(size=2000)
RECORDS = {p.national_id: criminal_record(p) for p in PEOPLE}


def test_the_same_person_always_gets_the_same_record():
    small = synthetic_population(size=300)
    assert all(criminal_record(p) == RECORDS[p.national_id] for p in small)


def test_the_demo_people_are_clean():
    for person in demo_people():
        assert criminal_record(person) == {"record_status": "none", "convictions": []}


def test_about_two_per_cent_have_a_conviction():
    found = [r for r in RECORDS.values() if r["record_status"] == "found"]
    assert 0.005 * len(PEOPLE) < len(found) < 0.04 * len(PEOPLE)
    assert all(r["convictions"] for r in found)
    assert all(not r["convictions"] for r in RECORDS.values() if r["record_status"] == "none")


def test_convictions_are_judged_in_adulthood_and_before_the_reference_date():
    for person in PEOPLE:
        for conviction in RECORDS[person.national_id]["convictions"]:
            judged_on = date.fromisoformat(conviction["judged_on"])
            age = judged_on.year - person.birthdate.year
            assert age >= 18 and judged_on < REFERENCE_DATE
            if person.status is PersonStatus.DECEASED:
                assert age <= 36


def test_a_provincial_conviction_is_from_the_court_of_the_dopa_province():
    convictions = [
        (person, c) for person in PEOPLE for c in RECORDS[person.national_id]["convictions"]
    ]
    assert convictions
    for person, conviction in convictions:
        if person.address.province_th != "กรุงเทพมหานคร":
            assert conviction["court_th"] == f"ศาลจังหวัด{person.address.province_th}"
            assert conviction["court_en"] == f"{person.address.province_en} Provincial Court"


def test_every_record_has_the_contract_shape():
    from services.rtp.contract import CRIMINAL_RECORD

    for record in RECORDS.values():
        assert set(record) == CRIMINAL_RECORD.field_names
        for field in CRIMINAL_RECORD.fields:
            assert field.accepts(record[field.name])
