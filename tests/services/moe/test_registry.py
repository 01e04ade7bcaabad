from __future__ import annotations

import httpx
import pytest

from services import moe
from services.agencies import create_agency_registry_app
from services.dopa.people import demo_people, synthetic_population
from services.moe.records import education_record
from services.moe.registry import registry_datasets

API_KEY = "test-registry-key"
SOMYING = demo_people()[1]
URL = "/v1/datasets/education/query"
PEOPLE = synthetic_population(size=300)

pytestmark = pytest.mark.anyio

HEADERS = {
    "Authorization": f"Bearer {API_KEY}",
    "X-Request-Id": "req-1",
    "X-Caller": "citizen-service-portal",
    "X-Purpose": "To issue the education record certificate",
    "X-Petition-Id": "petition-42",
    "X-Consent-Ref": "consent-7",
}


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
async def client():
    app = create_agency_registry_app(moe, people=PEOPLE, api_key=API_KEY)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://registry") as client:
        yield client


async def test_healthz_counts_the_people(client):
    response = await client.get("/healthz")
    assert response.json() == {"status": "ok", "agency": "moe", "datasets": {"education": 300}}


async def test_answers_the_qualifications(client):
    response = await client.post(
        URL, json={"subject": SOMYING.national_id, "fields": ["qualifications"]}, headers=HEADERS
    )
    assert response.status_code == 200
    body = response.json()
    assert body["fields"] == education_record(SOMYING)
    assert body["source"] == "moe"


async def test_refuses_fields_outside_the_contract(client):
    response = await client.post(
        URL,
        json={"subject": SOMYING.national_id, "fields": ["qualifications", "discipline"]},
        headers=HEADERS,
    )
    assert response.status_code == 400
    assert response.json() == {"error": "unknown_fields", "fields": ["discipline"]}


@pytest.mark.parametrize("subject", ["1509900456788", "15099004567", "x"])
async def test_refuses_an_invalid_citizen_id(client, subject):
    response = await client.post(
        URL, json={"subject": subject, "fields": ["qualifications"]}, headers=HEADERS
    )
    assert response.status_code == 400
    assert response.json() == {"error": "invalid_subject"}


async def test_an_unknown_person_is_not_found(client):
    response = await client.post(
        URL, json={"subject": "1234567890121", "fields": ["qualifications"]}, headers=HEADERS
    )
    assert response.status_code == 404


@pytest.mark.parametrize(("value", "expected"), [("[]", True), ("anything", False)])
async def test_a_match_check_answers_yes_or_no_without_values(client, value, expected):
    child = demo_people()[3]
    response = await client.post(
        "/v1/datasets/education/match",
        json={"subject": child.national_id, "match": {"qualifications": value}},
        headers=HEADERS,
    )
    body = response.json()
    assert body["match"] is expected
    assert "fields" not in body


def test_refuses_two_people_with_one_citizen_id():
    with pytest.raises(ValueError):
        registry_datasets([PEOPLE[0], PEOPLE[0]])
