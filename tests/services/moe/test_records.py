from __future__ import annotations

from datetime import date

from services.dopa.people import REFERENCE_DATE, PersonStatus, demo_people, synthetic_population
from services.moe.contract import EDUCATION
from services.moe.records import _SCHOOLS, education_record

PEOPLE = synthetic_population(size=2000)
RECORDS = {p.national_id: education_record(p)["qualifications"] for p in PEOPLE}


def age_on(birthdate: date, day: date) -> int:
    return day.year - birthdate.year - ((day.month, day.day) < (birthdate.month, birthdate.day))


def test_the_same_person_always_gets_the_same_record():
    small = synthetic_population(size=300)
    assert all(education_record(p)["qualifications"] == RECORDS[p.national_id] for p in small)


def test_somying_graduated_from_chiang_mai_university():
    somying = demo_people()[1]
    degrees = [q for q in RECORDS[somying.national_id] if q["level_th"] == "ปริญญาตรี"]
    assert [q["institution_th"] for q in degrees] == ["มหาวิทยาลัยเชียงใหม่"]
    assert degrees[0]["institution_en"] == "Chiang Mai University"


def test_somchai_finished_upper_secondary_in_1993():
    somchai = demo_people()[0]
    (m6,) = [q for q in RECORDS[somchai.national_id] if "ม.6" in q["level_th"]]
    assert m6["graduated_on"].startswith("1993-")


def test_the_child_has_completed_nothing_yet():
    assert RECORDS[demo_people()[3].national_id] == []


def test_qualifications_fit_the_age_and_come_in_order():
    for person in PEOPLE:
        dates = [date.fromisoformat(q["graduated_on"]) for q in RECORDS[person.national_id]]
        assert dates == sorted(dates)
        for day in dates:
            assert day < REFERENCE_DATE
            assert age_on(person.birthdate, day) >= 14
        if person.status is PersonStatus.DECEASED and dates:
            assert age_on(person.birthdate, dates[-1]) <= 24


def test_nobody_under_fourteen_has_a_qualification():
    young = [p for p in PEOPLE if age_on(p.birthdate, REFERENCE_DATE) < 14]
    assert young and all(RECORDS[p.national_id] == [] for p in young)


def test_a_school_of_a_listed_province_is_a_school_of_that_province():
    checked = 0
    for person in PEOPLE:
        schools = _SCHOOLS.get(person.address.province_code)
        for q in RECORDS[person.national_id]:
            if schools and q["institution_th"].startswith("โรงเรียน"):
                assert q["institution_th"] in {s.th for s in schools}
                checked += 1
    assert checked > 50


def test_a_technical_college_is_in_the_dopa_province():
    for person in PEOPLE:
        for q in RECORDS[person.national_id]:
            if (
                q["institution_th"].startswith("วิทยาลัยเทคนิค")
                and person.address.province_code != "10"
            ):
                assert q["institution_th"] == f"วิทยาลัยเทคนิค{person.address.province_th}"


def test_every_record_has_the_contract_shape():
    (field,) = EDUCATION.fields
    for qualifications in RECORDS.values():
        assert field.accepts(qualifications)
