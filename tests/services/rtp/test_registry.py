from __future__ import annotations

import httpx
import pytest

from services import rtp
from services.agencies import create_agency_registry_app
from services.dopa.people import synthetic_population
from services.rtp.records import criminal_record
from services.rtp.registry import registry_datasets

API_KEY = "test-registry-key"
SOMCHAI = "3103900123458"
URL = "/v1/datasets/criminal_record/query"
PEOPLE = synthetic_population(size=400)
CONVICTED = next(p for p in PEOPLE if criminal_record(p)["record_status"] == "found")

pytestmark = pytest.mark.anyio

HEADERS = {
    "Authorization": f"Bearer {API_KEY}",
    "X-Request-Id": "req-1",
    "X-Caller": "citizen-service-portal",
    "X-Purpose": "To search the criminal record register",
    "X-Petition-Id": "petition-42",
    "X-Consent-Ref": "consent-7",
}


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
async def client():
    app = create_agency_registry_app(rtp, people=PEOPLE, api_key=API_KEY)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://registry") as client:
        yield client


async def test_healthz_counts_the_people(client):
    response = await client.get("/healthz")
    assert response.json() == {
        "status": "ok",
        "agency": "rtp",
        "datasets": {"criminal_record": 400},
    }


async def test_answers_only_the_fields_asked_for(client):
    response = await client.post(
        URL, json={"subject": SOMCHAI, "fields": ["record_status"]}, headers=HEADERS
    )
    assert response.status_code == 200
    assert response.json()["fields"] == {"record_status": "none"}


async def test_answers_the_convictions_of_a_convicted_person(client):
    response = await client.post(
        URL,
        json={"subject": CONVICTED.national_id, "fields": ["record_status", "convictions"]},
        headers=HEADERS,
    )
    fields = response.json()["fields"]
    assert fields["record_status"] == "found"
    assert fields["convictions"] == criminal_record(CONVICTED)["convictions"]


async def test_refuses_fields_outside_the_contract(client):
    response = await client.post(
        URL, json={"subject": SOMCHAI, "fields": ["record_status", "arrests"]}, headers=HEADERS
    )
    assert response.status_code == 400
    assert response.json() == {"error": "unknown_fields", "fields": ["arrests"]}


@pytest.mark.parametrize("subject", ["3103900123457", "abc", "0103900123458"])
async def test_refuses_an_invalid_citizen_id(client, subject):
    response = await client.post(
        URL, json={"subject": subject, "fields": ["record_status"]}, headers=HEADERS
    )
    assert response.status_code == 400
    assert response.json() == {"error": "invalid_subject"}


async def test_refuses_a_caller_without_the_key(client):
    response = await client.post(
        URL,
        json={"subject": SOMCHAI, "fields": ["record_status"]},
        headers={**HEADERS, "Authorization": "Bearer wrong"},
    )
    assert response.status_code == 401


@pytest.mark.parametrize(
    ("subject", "value", "expected"),
    [(SOMCHAI, "none", True), (SOMCHAI, "found", False), (CONVICTED.national_id, "found", True)],
)
async def test_a_match_check_answers_yes_or_no_without_values(client, subject, value, expected):
    response = await client.post(
        "/v1/datasets/criminal_record/match",
        json={"subject": subject, "match": {"record_status": value}},
        headers=HEADERS,
    )
    body = response.json()
    assert body["match"] is expected
    assert "fields" not in body and "convictions" not in str(body)


def test_refuses_two_people_with_one_citizen_id():
    with pytest.raises(ValueError):
        registry_datasets([PEOPLE[0], PEOPLE[0]])
