from __future__ import annotations

from dataclasses import asdict
from datetime import UTC, date, datetime
from pathlib import Path

import httpx
import pytest

from documents.render import render_certificate_pdf
from services import sso
from services.agencies import create_agency_registry_app
from services.catalogue.service import load_definition
from services.dopa.people import REFERENCE_DATE, PersonStatus, demo_people, synthetic_population
from services.sso import AGENCY, CERTIFICATE_CONTEXTS
from services.sso.records import insured_record
from tests.documents.test_render import normalised, pdf_text

API_KEY = "test-registry-key"
SOMCHAI = demo_people()[0].national_id
DEFINITIONS = sorted(
    (Path(__file__).resolve().parents[3] / "services/sso/definitions").glob("*.yaml")
)
HEADERS = {
    "Authorization": f"Bearer {API_KEY}",
    "X-Request-Id": "req-1",
    "X-Caller": "citizen-service-portal",
    "X-Purpose": "To issue the contribution certificate you asked for",
}


def age(birthdate: date) -> int:
    on = REFERENCE_DATE
    return on.year - birthdate.year - ((on.month, on.day) < (birthdate.month, birthdate.day))


@pytest.fixture(scope="module")
def people():
    return synthetic_population(size=1000)


class TestRecords:
    def test_are_deterministic_and_at_the_dopa_address(self, people):
        records = [insured_record(p) for p in people]
        assert records == [insured_record(p) for p in people]
        for person, record in zip(people, records, strict=True):
            if record is not None:
                assert record["address"] == asdict(person.address)

    def test_only_living_people_of_working_age_are_insured(self, people):
        insured = [p for p in people if insured_record(p)]
        assert len(insured) > 100
        for person in insured:
            assert person.status is PersonStatus.ALIVE and 18 <= age(person.birthdate) <= 60

    def test_contributions_follow_the_rates_of_each_section(self, people):
        for person in people:
            record = insured_record(person)
            if record is None:
                continue
            assert int(record["contribution_months"]) >= len(record["contributions"])
            for item in record["contributions"]:
                if record["section"] == "33":
                    assert int(item["amount"]) == round(int(item["wage_base"]) * 0.05) <= 750
                elif record["section"] == "39":
                    assert (item["wage_base"], item["amount"]) == ("4800", "432")
                else:
                    assert item["wage_base"] is None and item["amount"] in ("70", "100", "300")

    def test_somchai_pays_under_section_33_and_his_child_and_father_are_not_insured(self):
        somchai, daughter, father = (demo_people()[i] for i in (0, 3, 4))
        record = insured_record(somchai)
        assert (record["section"], record["employer_name_en"]) == ("33", "Asok Trading Co., Ltd.")
        assert len(record["contributions"]) == 12
        assert insured_record(daughter) is None and insured_record(father) is None


@pytest.fixture
async def client():
    app = create_agency_registry_app(sso, people=synthetic_population(size=50), api_key=API_KEY)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://registry"
    ) as client:
        yield client


@pytest.mark.anyio
class TestRegistry:
    async def test_answers_only_the_fields_asked_for(self, client):
        response = await client.post(
            "/v1/datasets/insured/query",
            json={"subject": SOMCHAI, "fields": ["section", "contributions"]},
            headers=HEADERS,
        )
        assert response.status_code == 200
        assert list(response.json()["fields"]) == ["section", "contributions"]

    async def test_refuses_fields_outside_the_contract_and_invalid_subjects(self, client):
        response = await client.post(
            "/v1/datasets/insured/query",
            json={"subject": SOMCHAI, "fields": ["section", "wage"]},
            headers=HEADERS,
        )
        assert response.json() == {"error": "unknown_fields", "fields": ["wage"]}
        response = await client.post(
            "/v1/datasets/insured/query",
            json={"subject": "12345", "fields": ["section"]},
            headers=HEADERS,
        )
        assert response.json() == {"error": "invalid_subject"}

    @pytest.mark.parametrize(("section", "expected"), [("33", True), ("40", False)])
    async def test_match_answers_without_values(self, client, section, expected):
        response = await client.post(
            "/v1/datasets/insured/match",
            json={"subject": SOMCHAI, "match": {"section": section}},
            headers=HEADERS,
        )
        assert response.json()["match"] is expected and "fields" not in response.json()


@pytest.mark.parametrize("path", DEFINITIONS, ids=lambda p: p.stem)
def test_definition_loads(path):
    definition = load_definition(path)
    population = definition.evidence_item("dopa.population")
    if population is not None:
        assert population.upload_instead is None


def test_child_allowance_asks_dopa_about_the_child():
    definition = load_definition(next(p for p in DEFINITIONS if p.stem == "child-allowance"))
    assert definition.evidence_item("dopa.population").subject == "form:child_national_id"
    assert definition.life_events == ("new-baby",)


def test_contribution_certificate_renders_somchais_contributions(tmp_path):
    somchai = demo_people()[0]
    context = CERTIFICATE_CONTEXTS["sso_contributions"](
        evidence={"sso.insured": insured_record(somchai)}, holder={}, answers={}
    )
    context |= {
        "holder": {
            "national_id": somchai.national_id,
            "title_th": somchai.title_th,
            "given_name_th": somchai.given_name_th,
            "family_name_th": somchai.family_name_th,
            "title_en": somchai.title_en,
            "given_name_en": somchai.given_name_en,
            "family_name_en": somchai.family_name_en,
        },
        "agency": AGENCY.letterhead(),
        "document_number": "SSO-2569-7K3M9QXD",
        "verify_url": "https://portal.example.go.th/verify/SSO-2569-7K3M9QXD",
        "issued_at": datetime(2026, 1, 5, 3, 0, tzinfo=UTC),
    }
    text = normalised(pdf_text(render_certificate_pdf("sso_contributions", context), tmp_path))
    for expected in [
        "นายสมชาย ใจดี",
        "มาตรา 33",
        "บริษัท อโศกเทรดดิ้ง จำกัด",
        "322",
        "ธันวาคม พ.ศ. 2568",
        "9,000",
        "สำนักงานประกันสังคม",
    ]:
        assert normalised(expected) in text, expected
