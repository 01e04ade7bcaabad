from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from documents.render import render_certificate_pdf
from services import nhso
from services.agencies import create_agency_registry_app
from services.catalogue.service import load_definition
from services.dopa.people import PersonStatus, demo_people, synthetic_population
from services.nhso import AGENCY, CERTIFICATE_CONTEXTS
from services.nhso.records import coverage_record
from services.sso.records import insured_record
from tests.documents.test_render import normalised, pdf_text

API_KEY = "test-registry-key"
SOMCHAI = demo_people()[0].national_id
DEFINITIONS = sorted(
    (Path(__file__).resolve().parents[3] / "services/nhso/definitions").glob("*.yaml")
)
HEADERS = {
    "Authorization": f"Bearer {API_KEY}",
    "X-Request-Id": "req-1",
    "X-Caller": "citizen-service-portal",
    "X-Purpose": "To issue the health coverage certificate you asked for",
}


@pytest.fixture(scope="module")
def people():
    return synthetic_population(size=1000)


class TestRecords:
    def test_are_deterministic(self, people):
        assert [coverage_record(p) for p in people] == [coverage_record(p) for p in people]

    def test_agree_with_social_security(self, people):
        for person in people:
            coverage, insured = coverage_record(person), insured_record(person)
            if coverage is None:
                assert person.status is PersonStatus.DECEASED or person.birthdate.year > 2025
                continue
            employee = insured is not None and insured["section"] in ("33", "39")
            assert (coverage["scheme"]["code"] == "SSS") is employee
            if employee:
                assert coverage["main_hospital"] == insured["hospital"]

    def test_the_hospital_is_in_the_province_of_the_dopa_address(self, people):
        for person in people:
            coverage = coverage_record(person)
            if coverage and coverage["main_hospital"]:
                assert coverage["main_hospital"]["province_th"] == person.address.province_th

    def test_demo_people(self):
        somchai, daughter, father = (demo_people()[i] for i in (0, 3, 4))
        assert coverage_record(somchai)["scheme"]["code"] == "SSS"
        assert coverage_record(daughter)["scheme"]["code"] == "UCS"
        assert coverage_record(father) is None


@pytest.fixture
async def client():
    app = create_agency_registry_app(nhso, people=synthetic_population(size=50), api_key=API_KEY)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://registry"
    ) as client:
        yield client


@pytest.mark.anyio
class TestRegistry:
    async def test_answers_only_the_fields_asked_for(self, client):
        response = await client.post(
            "/v1/datasets/coverage/query",
            json={"subject": SOMCHAI, "fields": ["scheme"]},
            headers=HEADERS,
        )
        assert response.status_code == 200
        assert list(response.json()["fields"]) == ["scheme"]

    async def test_refuses_fields_outside_the_contract(self, client):
        response = await client.post(
            "/v1/datasets/coverage/query",
            json={"subject": SOMCHAI, "fields": ["diagnoses"]},
            headers=HEADERS,
        )
        assert response.json() == {"error": "unknown_fields", "fields": ["diagnoses"]}

    @pytest.mark.parametrize(("since", "expected"), [("2010-06-01", True), ("2011-01-01", False)])
    async def test_match_answers_without_values(self, client, since, expected):
        response = await client.post(
            "/v1/datasets/coverage/match",
            json={"subject": SOMCHAI, "match": {"registered_since": since}},
            headers=HEADERS,
        )
        assert response.json()["match"] is expected and "fields" not in response.json()


@pytest.mark.parametrize("path", DEFINITIONS, ids=lambda p: p.stem)
def test_definition_loads(path):
    assert load_definition(path).agency == "nhso"


def test_coverage_certificate_renders_somchais_scheme(tmp_path):
    somchai = demo_people()[0]
    context = CERTIFICATE_CONTEXTS["health_coverage"](
        evidence={"nhso.coverage": coverage_record(somchai)}, holder={}, answers={}
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
        "document_number": "NHSO-2569-7K3M9QXD",
        "verify_url": "https://portal.example.go.th/verify/NHSO-2569-7K3M9QXD",
        "issued_at": datetime(2026, 1, 5, 3, 0, tzinfo=UTC),
    }
    text = normalised(pdf_text(render_certificate_pdf("health_coverage", context), tmp_path))
    for expected in ["นายสมชาย ใจดี", "สิทธิประกันสังคม", "โรงพยาบาลกล้วยน้ำไท", "1 มิถุนายน พ.ศ. 2553"]:
        assert normalised(expected) in text, expected
