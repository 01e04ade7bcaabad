"""DBD: synthetic companies agree with DOPA, the public company register and the director match
check keep to their contracts, the company affidavit renders."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from identity.citizen_ids import check_digit
from services import dbd
from services.agencies import create_agency_registry_app
from services.catalogue.service import load_definition
from services.dbd.contract import COMPANY, COMPANY_DIRECTOR
from services.dbd.records import SOMCHAI_COMPANY, company_to_record, synthetic_companies
from services.dopa.people import REFERENCE_DATE, PersonStatus, demo_people, synthetic_population
from tests.services.rd.support import (
    API_KEY,
    client_for,
    headers,
    normalised,
    render_text,
)

DEFINITION = Path(dbd.__file__).parent / "definitions/company-affidavit.yaml"
SOMCHAI, SOMYING = demo_people()[:2]


@pytest.fixture(scope="module")
def people():
    return synthetic_population(size=1000)


@pytest.fixture(scope="module")
def companies(people):
    return synthetic_companies(people)


def _age_on(person, day: date) -> int:
    b = person.birthdate
    return day.year - b.year - ((day.month, day.day) < (b.month, b.day))


class TestRecords:
    def test_are_deterministic(self, people, companies):
        assert synthetic_companies(people) == companies

    def test_about_one_company_per_twenty_adults(self, people, companies):
        adults = [p for p in people if _age_on(p, REFERENCE_DATE) >= 20]
        assert len(adults) / 35 < len(companies) < len(adults) / 10

    def test_juristic_ids_are_mod_11_and_encode_office_and_year(self, companies):
        for key, company in companies.items():
            assert len(key) == 13 and key.isdigit() and key[0] == "0"
            assert check_digit(key[:12]) == int(key[12])
            assert key[1:3] == company.head_office.province_code
            assert key[3] == "5"
            assert key[4:7] == f"{(company.registered_on.year + 543) % 1000:03d}"

    def test_directors_are_living_adults_of_the_population(self, people, companies):
        ids = {p.national_id for p in people}
        for company in companies.values():
            assert 1 <= len(company.directors) <= 2
            for director in company.directors:
                assert director.national_id in ids
                assert director.status is PersonStatus.ALIVE
                assert _age_on(director, company.registered_on) >= 20
            assert company.registered_on < REFERENCE_DATE

    def test_head_offices_are_in_the_founder_district(self, companies):
        for company in companies.values():
            assert company.head_office.district_code == company.directors[0].address.district_code

    def test_somchai_directs_jaidee_trading(self, companies):
        company = companies[SOMCHAI_COMPANY]
        assert company.directors == (SOMCHAI,)
        assert company.name_en == "Jaidee Trading Co., Ltd."
        record = company_to_record(company)
        assert record["status"] == "active"
        assert set(record) == COMPANY.field_names
        for field in COMPANY.fields:
            assert field.accepts(record[field.name]), field.name


pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
async def client(people, monkeypatch):
    async with client_for(
        create_agency_registry_app(dbd, people=people, api_key=API_KEY)
    ) as client:
        yield client


class TestRegistry:
    async def test_answers_only_the_fields_asked_for(self, client):
        response = await client.post(
            "/v1/datasets/company/query",
            json={"subject": SOMCHAI_COMPANY, "fields": ["name_th", "status"]},
            headers=headers(),
        )
        assert response.status_code == 200
        assert response.json()["fields"] == {"name_th": "บริษัท ใจดีเทรดดิ้ง จำกัด", "status": "active"}

    async def test_refuses_unknown_fields(self, client):
        response = await client.post(
            "/v1/datasets/company/query",
            json={"subject": SOMCHAI_COMPANY, "fields": ["shareholders"]},
            headers=headers(),
        )
        assert response.status_code == 400
        assert response.json() == {"error": "unknown_fields", "fields": ["shareholders"]}

    @pytest.mark.parametrize("subject", ["0105556043213", "010555604321", "10-12345"])
    async def test_refuses_invalid_juristic_ids(self, client, subject):
        response = await client.post(
            "/v1/datasets/company/query",
            json={"subject": subject, "fields": ["name_th"]},
            headers=headers(),
        )
        assert response.status_code == 400
        assert response.json() == {"error": "invalid_subject"}

    @pytest.mark.parametrize(
        ("person", "expected"), [(SOMCHAI.national_id, True), (SOMYING.national_id, False)]
    )
    async def test_director_match_answers_yes_or_no_without_values(self, client, person, expected):
        response = await client.post(
            "/v1/datasets/company_director/match",
            json={"subject": SOMCHAI_COMPANY, "match": {"director_national_id": person}},
            headers=headers(),
        )
        assert response.status_code == 200
        assert response.json()["match"] is expected
        assert "fields" not in response.json()

    def test_director_dataset_is_not_public(self):
        assert COMPANY.public and not COMPANY_DIRECTOR.public


def test_affidavit_renders_directors_and_capital(companies, tmp_path):
    context = dbd.CERTIFICATE_CONTEXTS["company_affidavit"](
        evidence={"dbd.company": company_to_record(companies[SOMCHAI_COMPANY])},
        holder={"national_id": SOMCHAI.national_id},
        answers={"juristic_id": SOMCHAI_COMPANY},
    )
    text = render_text("company_affidavit", context, dbd.AGENCY, tmp_path)
    for expected in [
        "หนังสือรับรองการจดทะเบียนนิติบุคคล",
        "บริษัท ใจดีเทรดดิ้ง จำกัด",
        "0105556043212",
        "นายสมชาย ใจดี",
        "5,000,000 บาท",
        "15 กรกฎาคม พ.ศ. 2556",
        "ซอยสุขุมวิท 21",
        "ยังดำเนินกิจการอยู่",
        "Jaidee Trading Co., Ltd.",
        "กรมพัฒนาธุรกิจการค้า",
    ]:
        assert normalised(expected) in text, expected


def test_affidavit_of_a_two_director_company_lists_both(companies, tmp_path):
    company = next(c for c in companies.values() if len(c.directors) == 2)
    context = dbd.CERTIFICATE_CONTEXTS["company_affidavit"](
        evidence={"dbd.company": company_to_record(company)},
        holder={"national_id": SOMCHAI.national_id},
        answers={"juristic_id": company.juristic_id},
    )
    text = render_text("company_affidavit", context, dbd.AGENCY, tmp_path)
    for director in company.directors:
        assert normalised(director.given_name_th) in text
    assert normalised("กรรมการสองคนลงลายมือชื่อร่วมกัน") in text


def test_definition_loads(monkeypatch):
    definition = load_definition(DEFINITION)
    assert definition.form[0].kind == "juristic_id"
    assert definition.evidence[0].subject == "form:juristic_id"
    assert (definition.paper_documents_before, definition.paper_documents_now) == (1, 0)
    assert definition.fee_baht == 200
