"""RD: synthetic taxpayers agree with DOPA, the registry keeps to its contract, the tax residence
certificate refuses non-residents and renders."""

from __future__ import annotations

from pathlib import Path

import pytest

from services import rd
from services.agencies import create_agency_registry_app
from services.catalogue.service import load_definition
from services.dopa.people import PersonStatus, demo_people, person_to_record, synthetic_population
from services.rd.contract import TAXPAYER
from services.rd.records import (
    LAST_YEAR_OF_DECEASED,
    RESIDENT_DAYS,
    TAX_YEARS,
    synthetic_taxpayers,
    tax_office,
    taxpayer_to_record,
)
from tests.services.rd.support import API_KEY, client_for, headers, normalised, render_text

DEFINITION = Path(rd.__file__).parent / "definitions/tax-residence-certificate.yaml"
SOMCHAI, SOMYING, LONGEST, DAUGHTER, FATHER = demo_people()[:5]
URL = "/v1/datasets/taxpayer/query"


@pytest.fixture(scope="module")
def people():
    return synthetic_population(size=600)


@pytest.fixture(scope="module")
def taxpayers(people):
    return synthetic_taxpayers(people)


class TestRecords:
    def test_are_deterministic_and_independent_of_the_population_size(self, people, taxpayers):
        assert synthetic_taxpayers(people) == taxpayers
        smaller = synthetic_taxpayers(people[:200])
        assert all(taxpayers[k] == v for k, v in smaller.items())

    def test_a_fair_share_of_people_are_taxpayers(self, people, taxpayers):
        assert 0.4 * len(people) < len(taxpayers) < 0.9 * len(people)

    def test_nobody_files_before_twenty_or_before_registering(self, people, taxpayers):
        by_id = {p.national_id: p for p in people}
        for taxpayer in taxpayers.values():
            person = by_id[taxpayer.national_id]
            for filing in taxpayer.filings:
                assert filing.tax_year - 543 - person.birthdate.year >= 20
                assert filing.tax_year - 543 >= taxpayer.registered_on.year
                assert filing.filed_on.year == filing.tax_year - 543 + 1

    def test_the_deceased_file_nothing_recent(self, people, taxpayers):
        dead = [p for p in people if p.status is PersonStatus.DECEASED]
        assert dead
        for person in dead:
            taxpayer = taxpayers.get(person.national_id)
            if taxpayer:
                assert all(f.tax_year <= LAST_YEAR_OF_DECEASED for f in taxpayer.filings)

    def test_the_tax_office_is_that_of_the_dopa_address(self, people, taxpayers):
        by_id = {p.national_id: p for p in people}
        for taxpayer in taxpayers.values():
            office_th, _ = tax_office(by_id[taxpayer.national_id])
            assert taxpayer.tax_office_th == office_th
        assert taxpayers[SOMCHAI.national_id].tax_office_th == "สำนักงานสรรพากรพื้นที่สาขาวัฒนา"

    def test_residence_follows_the_180_day_rule(self, taxpayers):
        for taxpayer in taxpayers.values():
            for year in taxpayer.residence:
                assert year.resident == (year.days_in_thailand >= RESIDENT_DAYS)
                assert year.tax_year in TAX_YEARS

    def test_demo_people(self, taxpayers):
        somchai = taxpayers[SOMCHAI.national_id]
        assert [r.tax_year for r in somchai.residence] == list(TAX_YEARS)
        assert all(r.resident for r in somchai.residence)
        somying = {r.tax_year: r.resident for r in taxpayers[SOMYING.national_id].residence}
        assert somying[2565] is False and somying[2567] is True
        assert LONGEST.national_id in taxpayers
        assert DAUGHTER.national_id not in taxpayers
        assert [f.tax_year for f in taxpayers[FATHER.national_id].filings] == [2563]

    def test_records_hold_strings_only(self, taxpayers):
        record = taxpayer_to_record(taxpayers[SOMCHAI.national_id])
        assert set(record) == TAXPAYER.field_names
        for field in TAXPAYER.fields:
            assert field.accepts(record[field.name]), field.name


pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
async def client(people):
    async with client_for(create_agency_registry_app(rd, people=people, api_key=API_KEY)) as client:
        yield client


class TestRegistry:
    async def test_answers_only_the_fields_asked_for(self, client):
        response = await client.post(
            URL, json={"subject": SOMCHAI.national_id, "fields": ["residence"]}, headers=headers()
        )
        assert response.status_code == 200
        fields = response.json()["fields"]
        assert list(fields) == ["residence"]
        assert fields["residence"][0] == {
            "tax_year": "2563",
            "days_in_thailand": "352",
            "resident": "yes",
        }

    async def test_refuses_fields_outside_the_contract(self, client):
        response = await client.post(
            URL,
            json={"subject": SOMCHAI.national_id, "fields": ["residence", "income"]},
            headers=headers(),
        )
        assert response.status_code == 400
        assert response.json() == {"error": "unknown_fields", "fields": ["income"]}

    async def test_refuses_an_invalid_citizen_id(self, client):
        response = await client.post(
            URL, json={"subject": "3103900123457", "fields": ["residence"]}, headers=headers()
        )
        assert response.status_code == 400
        assert response.json() == {"error": "invalid_subject"}

    async def test_a_child_is_not_found(self, client):
        response = await client.post(
            URL, json={"subject": DAUGHTER.national_id, "fields": ["residence"]}, headers=headers()
        )
        assert response.status_code == 404


def evidence_for(person, taxpayers):
    record = taxpayer_to_record(taxpayers[person.national_id])
    return {"rd.taxpayer": record, "dopa.population": person_to_record(person)}


def holder_of(person):
    return {"national_id": person.national_id, "title_th": "", "given_name_th": ""}


class TestCertificate:
    def test_refuses_a_year_the_person_was_not_resident(self, taxpayers):
        with pytest.raises(ValueError, match="not resident"):
            rd.CERTIFICATE_CONTEXTS["tax_residence"](
                evidence=evidence_for(SOMYING, taxpayers),
                holder=holder_of(SOMYING),
                answers={"tax_year": "2565", "country": "ญี่ปุ่น"},
            )

    def test_refuses_a_year_without_a_record(self, taxpayers):
        with pytest.raises(ValueError, match="no residence record"):
            rd.CERTIFICATE_CONTEXTS["tax_residence"](
                evidence=evidence_for(SOMCHAI, taxpayers),
                holder=holder_of(SOMCHAI),
                answers={"tax_year": "2559", "country": "Japan"},
            )

    def test_renders_for_a_resident_with_the_register_names(self, taxpayers, tmp_path):
        context = rd.CERTIFICATE_CONTEXTS["tax_residence"](
            evidence=evidence_for(SOMCHAI, taxpayers),
            holder=holder_of(SOMCHAI),
            answers={"tax_year": "2567", "country": "Japan"},
        )
        assert context["holder"]["given_name_th"] == "สมชาย"
        text = render_text("tax_residence", context, rd.AGENCY, tmp_path)
        for expected in [
            "หนังสือรับรองการมีถิ่นที่อยู่ทางภาษี",
            "นายสมชาย ใจดี",
            "3-1039-00123-45-8",
            "ปีภาษี 2567",
            "taxyear2024",
            "Japan",
            "สำนักงานสรรพากรพื้นที่สาขาวัฒนา",
            "กรมสรรพากร",
        ]:
            assert normalised(expected) in text, expected

    def test_longest_names_render(self, taxpayers, tmp_path):
        context = rd.CERTIFICATE_CONTEXTS["tax_residence"](
            evidence=evidence_for(LONGEST, taxpayers),
            holder=holder_of(LONGEST),
            answers={"tax_year": "2567", "country": "สาธารณรัฐสิงคโปร์"},
        )
        text = render_text("tax_residence", context, rd.AGENCY, tmp_path)
        assert normalised(LONGEST.family_name_th) in text


def test_definition_loads(monkeypatch):
    definition = load_definition(DEFINITION)
    assert definition.certificate and definition.certificate.template == "tax_residence"
    assert (definition.paper_documents_before, definition.paper_documents_now) == (2, 0)
    assert definition.decision == "one_officer" and definition.min_ial == 2.1
