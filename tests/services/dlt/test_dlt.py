from __future__ import annotations

from dataclasses import asdict
from datetime import UTC, date, datetime
from pathlib import Path

import httpx
import pytest

from documents.render import render_certificate_pdf
from services import dlt
from services.agencies import create_agency_registry_app
from services.catalogue.service import load_definition
from services.dlt import AGENCY, CERTIFICATE_CONTEXTS
from services.dlt.records import licence_record, vehicle_record
from services.dopa.people import REFERENCE_DATE, PersonStatus, demo_people, synthetic_population
from tests.documents.test_render import normalised, pdf_text

API_KEY = "test-registry-key"
SOMCHAI, DAUGHTER = demo_people()[0].national_id, demo_people()[3].national_id
DEFINITIONS = sorted(
    (Path(__file__).resolve().parents[3] / "services/dlt/definitions").glob("*.yaml")
)
HEADERS = {
    "Authorization": f"Bearer {API_KEY}",
    "X-Request-Id": "req-1",
    "X-Caller": "citizen-service-portal",
    "X-Purpose": "To issue the vehicle registration certificate you asked for",
}


def age(birthdate: date) -> int:
    on = REFERENCE_DATE
    return on.year - birthdate.year - ((on.month, on.day) < (birthdate.month, birthdate.day))


@pytest.fixture(scope="module")
def people():
    return synthetic_population(size=1000)


class TestRecords:
    def test_are_deterministic(self, people):
        assert [vehicle_record(p) for p in people] == [vehicle_record(p) for p in people]
        assert [licence_record(p) for p in people] == [licence_record(p) for p in people]

    def test_owner_and_licence_address_is_the_dopa_address(self, people):
        for person in people:
            for record, key in (
                (vehicle_record(person), "owner_address"),
                (licence_record(person), "address"),
            ):
                if record is not None:
                    assert record[key] == asdict(person.address)

    def test_only_living_adults_own_vehicles_or_hold_licences(self, people):
        holders = [p for p in people if vehicle_record(p) or licence_record(p)]
        assert len(holders) > 100
        for person in holders:
            assert person.status is PersonStatus.ALIVE and age(person.birthdate) >= 18

    def test_nothing_is_registered_before_the_owner_turned_18(self, people):
        for person in people:
            for vehicle in (vehicle_record(person) or {}).get("vehicles", []):
                registered = date.fromisoformat(vehicle["registered_on"])
                assert age(person.birthdate) - (REFERENCE_DATE.year - registered.year) >= 17
            for licence in (licence_record(person) or {}).get("licences", []):
                assert date.fromisoformat(licence["issued_on"]).year - person.birthdate.year >= 18

    def test_somchai_owns_a_car_and_a_motorcycle_and_holds_a_car_licence(self):
        somchai = demo_people()[0]
        vehicles = vehicle_record(somchai)["vehicles"]
        assert [v["type_code"] for v in vehicles] == ["รย.1", "รย.12"]
        assert vehicles[0]["plate"] == "1กข 2345"
        assert vehicles[0]["plate_province_th"] == "กรุงเทพมหานคร"
        (licence,) = licence_record(somchai)["licences"]
        assert (licence["class_code"], licence["status"]) == ("car", "valid")

    @pytest.mark.parametrize("index", [3, 4])
    def test_the_daughter_and_the_deceased_father_have_nothing(self, index):
        person = demo_people()[index]
        assert vehicle_record(person) is None and licence_record(person) is None


@pytest.fixture
async def client():
    app = create_agency_registry_app(dlt, people=synthetic_population(size=50), api_key=API_KEY)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://registry"
    ) as client:
        yield client


@pytest.mark.anyio
class TestRegistry:
    async def test_answers_only_the_fields_asked_for(self, client):
        response = await client.post(
            "/v1/datasets/vehicles/query",
            json={"subject": SOMCHAI, "fields": ["vehicles"]},
            headers=HEADERS,
        )
        assert response.status_code == 200
        assert list(response.json()["fields"]) == ["vehicles"]
        assert response.json()["source"] == "dlt"

    async def test_refuses_fields_outside_the_contract(self, client):
        response = await client.post(
            "/v1/datasets/driving_licence/query",
            json={"subject": SOMCHAI, "fields": ["points", "photo"]},
            headers=HEADERS,
        )
        assert response.status_code == 400
        assert response.json() == {"error": "unknown_fields", "fields": ["photo"]}

    async def test_refuses_an_invalid_subject(self, client):
        response = await client.post(
            "/v1/datasets/vehicles/query",
            json={"subject": "3103900123457", "fields": ["vehicles"]},
            headers=HEADERS,
        )
        assert response.status_code == 400
        assert response.json() == {"error": "invalid_subject"}

    async def test_a_child_has_no_licence(self, client):
        response = await client.post(
            "/v1/datasets/driving_licence/query",
            json={"subject": DAUGHTER, "fields": ["licences"]},
            headers=HEADERS,
        )
        assert response.status_code == 404

    @pytest.mark.parametrize(("points", "expected"), [("12", True), ("3", False)])
    async def test_match_answers_without_values(self, client, points, expected):
        response = await client.post(
            "/v1/datasets/driving_licence/match",
            json={"subject": SOMCHAI, "match": {"points": points}},
            headers=HEADERS,
        )
        assert response.json()["match"] is expected
        assert "fields" not in response.json()


@pytest.mark.parametrize("path", DEFINITIONS, ids=lambda p: p.stem)
def test_definition_loads(path):
    definition = load_definition(path)
    assert definition.agency == "dlt"
    if definition.outcome == "record":
        assert definition.life_events == ("moving-house",)
        population = definition.evidence_item("dopa.population")
        assert population is not None and population.upload_instead is None


def _full(context: dict, holder) -> dict:
    return context | {
        "holder": {
            "national_id": holder.national_id,
            **{
                k: getattr(holder, k)
                for k in (
                    "title_th",
                    "given_name_th",
                    "family_name_th",
                    "title_en",
                    "given_name_en",
                    "family_name_en",
                )
            },
        },
        "agency": AGENCY.letterhead(),
        "document_number": "DLT-2569-7K3M9QXD",
        "verify_url": "https://portal.example.go.th/verify/DLT-2569-7K3M9QXD",
        "issued_at": datetime(2026, 1, 5, 3, 0, tzinfo=UTC),
    }


@pytest.mark.parametrize("plate", ["", "1กข2345"])
def test_vehicle_certificate_renders_somchai_and_his_car(tmp_path, plate):
    somchai = demo_people()[0]
    context = CERTIFICATE_CONTEXTS["vehicle_registration"](
        evidence={"dlt.vehicles": vehicle_record(somchai)}, holder={}, answers={"plate": plate}
    )
    assert len(context["vehicles"]) == (1 if plate else 2)
    text = normalised(
        pdf_text(render_certificate_pdf("vehicle_registration", _full(context, somchai)), tmp_path)
    )
    for expected in [
        "นายสมชาย ใจดี",
        "1กข 2345",
        "Corolla Altis",
        "20 พฤษภาคม พ.ศ. 2569",
        "กรมการขนส่งทางบก",
        "3-1039-00123-45-8",
    ]:
        assert normalised(expected) in text, expected
    assert (normalised("3กค 189") in text) is (not plate)


def test_vehicle_certificate_says_when_the_plate_is_not_in_the_holders_name(tmp_path):
    somchai = demo_people()[0]
    context = CERTIFICATE_CONTEXTS["vehicle_registration"](
        evidence={"dlt.vehicles": vehicle_record(somchai)}, holder={}, answers={"plate": "9ขข 1"}
    )
    text = normalised(
        pdf_text(render_certificate_pdf("vehicle_registration", _full(context, somchai)), tmp_path)
    )
    assert normalised("ไม่ปรากฏรถหมายเลขทะเบียน 9ขข 1") in text


def test_licence_record_renders_somying_and_both_licences(tmp_path):
    somying = demo_people()[1]
    context = CERTIFICATE_CONTEXTS["driving_licence_record"](
        evidence={"dlt.driving_licence": licence_record(somying)}, holder={}, answers={}
    )
    text = normalised(
        pdf_text(
            render_certificate_pdf("driving_licence_record", _full(context, somying)), tmp_path
        )
    )
    for expected in [
        "นางสาวสมหญิง รักไทย",
        "62004821",
        "68107733",
        "Temporary private car licence",
        "23 สิงหาคม พ.ศ. 2571",
        "ตำบลสุเทพ",
    ]:
        assert normalised(expected) in text, expected
