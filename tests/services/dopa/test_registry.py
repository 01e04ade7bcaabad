from __future__ import annotations

from datetime import datetime

import httpx
import pytest

from services import dopa
from services.agencies import create_agency_registry_app
from services.dopa.contract import DATASETS, POPULATION
from services.dopa.people import Person, demo_people, person_to_record, synthetic_population
from services.exchange.registry import ReceivedQuery
from tests.fixtures.exchange import SignAsPortal, portal_keys

API_KEY = "test-registry-key"
SOMCHAI = "3103900123458"
URL = "/v1/datasets/population/query"

# Starlette's TestClient warns that it wants `httpx2`, and warnings are errors here, so the
# tests speak to the app through httpx's own ASGI transport.
pytestmark = pytest.mark.anyio


def headers(**overrides: str | bytes | None) -> dict[str, str | bytes]:
    values: dict[str, str | bytes | None] = {
        "Authorization": f"Bearer {API_KEY}",
        "X-Request-Id": "req-1",
        "X-Caller": "citizen-service-portal",
        "X-Purpose": "To issue the certificate of residence you asked for",
        "X-Petition-Id": "petition-42",
        "X-Consent-Ref": "consent-7",
        "X-Acting-User": "citizen:17",
    }
    values.update(overrides)
    return {k: v for k, v in values.items() if v is not None}


@pytest.fixture
def app():
    return create_agency_registry_app(
        dopa,
        people=synthetic_population(size=50),
        api_key=API_KEY,
        portal_public_keys=portal_keys(),
    )


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
async def client(app):
    transport = httpx.ASGITransport(app=app)
    # Every request is signed as the portal's exchange signs it (RFC 9421).
    async with httpx.AsyncClient(
        transport=transport, base_url="http://registry", auth=SignAsPortal()
    ) as client:
        yield client


async def test_healthz_counts_the_people(client):
    response = await client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "agency": "dopa",
        "datasets": {
            "population": 50,
            "family": 50,
            "birth_record": 50,
            "marital_status": 50,
            "name_history": 50,
        },
    }


class TestAnswer:
    async def test_returns_only_the_fields_asked_for(self, client):
        fields = ["given_name_th", "family_name_th", "address", "moved_in_on"]
        response = await client.post(
            URL, json={"subject": SOMCHAI, "fields": fields}, headers=headers()
        )
        assert response.status_code == 200
        body = response.json()
        assert set(body) == {"dataset", "subject", "fields", "source", "as_of"}
        assert body["dataset"] == "population"
        assert body["subject"] == SOMCHAI
        assert body["source"] == "dopa"
        assert list(body["fields"]) == fields
        record = person_to_record(demo_people()[0])
        assert body["fields"] == {name: record[name] for name in fields}
        assert body["fields"]["given_name_th"] == "สมชาย"

    async def test_as_of_is_an_aware_utc_datetime(self, client):
        response = await client.post(
            URL, json={"subject": SOMCHAI, "fields": ["status"]}, headers=headers()
        )
        as_of = datetime.fromisoformat(response.json()["as_of"])
        assert as_of.utcoffset() is not None and as_of.utcoffset().total_seconds() == 0

    async def test_every_contract_field_can_be_asked_for(self, client):
        fields = sorted(POPULATION.field_names)
        response = await client.post(
            URL, json={"subject": SOMCHAI, "fields": fields}, headers=headers()
        )
        assert response.status_code == 200
        assert set(response.json()["fields"]) == POPULATION.field_names

    async def test_a_deceased_person_is_answered_with_their_status(self, client):
        father = demo_people()[4]
        response = await client.post(
            URL, json={"subject": father.national_id, "fields": ["status"]}, headers=headers()
        )
        assert response.json()["fields"] == {"status": "deceased"}

    async def test_echoes_the_request_id(self, client):
        response = await client.post(
            URL,
            json={"subject": SOMCHAI, "fields": ["gender"]},
            headers=headers(**{"X-Request-Id": "abc-123"}),
        )
        assert response.headers["X-Request-Id"] == "abc-123"

    async def test_bearer_scheme_is_case_insensitive(self, client):
        response = await client.post(
            URL,
            json={"subject": SOMCHAI, "fields": ["gender"]},
            headers=headers(Authorization=f"bearer {API_KEY}"),
        )
        assert response.status_code == 200


class TestRefusal:
    @pytest.mark.parametrize(
        "authorization",
        [
            None,
            "",
            f"Basic {API_KEY}",
            "Bearer wrong-key",
            f"Bearer {API_KEY}x",
            "Bearer คีย์".encode(),
        ],
    )
    async def test_without_the_key_is_unauthorized(self, client, authorization):
        response = await client.post(
            URL,
            json={"subject": SOMCHAI, "fields": ["gender"]},
            headers=headers(Authorization=authorization),
        )
        assert response.status_code == 401
        assert response.json() == {"error": "unauthorized"}
        assert response.headers["X-Request-Id"] == "req-1"

    @pytest.mark.parametrize("header", ["X-Purpose", "X-Request-Id", "X-Caller"])
    @pytest.mark.parametrize("value", [None, "", "  "])
    async def test_without_a_required_header_is_a_bad_request(self, client, header, value):
        response = await client.post(
            URL,
            json={"subject": SOMCHAI, "fields": ["gender"]},
            headers=headers(**{header: value}),
        )
        assert response.status_code == 400
        assert response.json() == {"error": "missing_header", "header": header}

    async def test_unknown_dataset_is_not_found(self, client):
        response = await client.post(
            "/v1/datasets/land_titles/query",
            json={"subject": SOMCHAI, "fields": ["gender"]},
            headers=headers(),
        )
        assert response.status_code == 404
        assert response.json() == {"error": "unknown_dataset"}

    @pytest.mark.parametrize("subject", ["3103900123457", "310390012345", "abc", "0103900123458"])
    async def test_invalid_subject_is_a_bad_request(self, client, subject):
        response = await client.post(
            URL, json={"subject": subject, "fields": ["gender"]}, headers=headers()
        )
        assert response.status_code == 400
        assert response.json() == {"error": "invalid_subject"}

    async def test_fields_outside_the_contract_are_refused_not_dropped(self, client):
        response = await client.post(
            URL,
            json={"subject": SOMCHAI, "fields": ["gender", "religion", "blood_type"]},
            headers=headers(),
        )
        assert response.status_code == 400
        assert response.json() == {"error": "unknown_fields", "fields": ["religion", "blood_type"]}

    async def test_no_fields_is_refused(self, client):
        response = await client.post(
            URL, json={"subject": SOMCHAI, "fields": []}, headers=headers()
        )
        assert response.status_code == 400
        assert response.json() == {"error": "unknown_fields", "fields": []}

    async def test_unknown_person_is_not_found(self, client):
        response = await client.post(
            URL, json={"subject": "1234567890121", "fields": ["gender"]}, headers=headers()
        )
        assert response.status_code == 404
        assert response.json() == {"error": "not_found"}

    @pytest.mark.parametrize(
        "content",
        [
            b"{not json",
            b"\xff\xfe",
            b"",
            b"[]",
            b'"3103900123458"',
            b'{"fields": ["gender"]}',
            b'{"subject": 3103900123458, "fields": ["gender"]}',
            b'{"subject": "3103900123458"}',
            b'{"subject": "3103900123458", "fields": "gender"}',
            b'{"subject": "3103900123458", "fields": [1]}',
            b"[" * 100_000,
        ],
    )
    async def test_malformed_body_is_unprocessable_not_a_server_error(self, client, content):
        response = await client.post(
            URL, content=content, headers={**headers(), "Content-Type": "application/json"}
        )
        assert response.status_code == 422
        assert response.json()["error"] == "malformed_body"


class TestReceivedLog:
    async def test_records_who_asked_what_and_why(self, app, client):
        await client.post(
            URL,
            json={"subject": SOMCHAI, "fields": ["address", "moved_in_on"]},
            headers=headers(),
        )
        assert app.state.received == [
            ReceivedQuery(
                request_id="req-1",
                caller="citizen-service-portal",
                purpose="To issue the certificate of residence you asked for",
                petition_id="petition-42",
                consent_ref="consent-7",
                dataset="population",
                subject=SOMCHAI,
                fields=("address", "moved_in_on"),
                status_code=200,
                acting_user="citizen:17",
            )
        ]

    async def test_accepts_and_records_an_empty_consent_ref(self, app, client):
        # The exchange sends an empty X-Consent-Ref when the service needs no consent.
        response = await client.post(
            URL,
            json={"subject": SOMCHAI, "fields": ["gender"]},
            headers=headers(**{"X-Consent-Ref": "", "X-Petition-Id": None}),
        )
        assert response.status_code == 200
        (query,) = app.state.received
        assert (query.consent_ref, query.petition_id) == ("", "")

    async def test_records_refused_queries_with_their_status(self, app, client):
        await client.post(URL, json={"subject": SOMCHAI, "fields": ["religion"]}, headers=headers())
        (query,) = app.state.received
        assert query.fields == ("religion",)
        assert query.status_code == 400

    async def test_does_not_record_unauthorised_callers(self, app, client):
        await client.post(
            URL,
            json={"subject": SOMCHAI, "fields": ["gender"]},
            headers=headers(Authorization="Bearer nope"),
        )
        assert app.state.received == []


def test_refuses_an_empty_api_key():
    with pytest.raises(ValueError):
        create_agency_registry_app(dopa, people=demo_people(), api_key="")


def test_refuses_two_people_with_one_citizen_id():
    somchai: Person = demo_people()[0]
    with pytest.raises(ValueError):
        create_agency_registry_app(dopa, people=[somchai, somchai], api_key=API_KEY)


class TestCivilRegisterDatasets:
    @pytest.mark.parametrize(
        ("dataset", "subject", "expected"),
        [
            (
                "family",
                SOMCHAI,
                lambda f: [c["given_name_th"] for c in f["children"]] == ["ปิยะนุช", "ปกรณ์"],
            ),
            ("birth_record", "1103900812346", lambda f: f["father_national_id"] == SOMCHAI),
            ("marital_status", SOMCHAI, lambda f: f["marital_status"] == "divorced"),
            (
                "name_history",
                "1509900456789",
                lambda f: f["previous_names"][0]["changed_on"] == "2015-05-20",
            ),
        ],
    )
    async def test_every_dataset_is_answered_with_every_field(
        self, client, dataset, subject, expected
    ):
        contract = next(d for d in DATASETS if d.name == dataset)
        fields = [f.name for f in contract.fields]
        response = await client.post(
            f"/v1/datasets/{dataset}/query",
            json={"subject": subject, "fields": fields},
            headers=headers(),
        )
        assert response.status_code == 200
        answered = response.json()["fields"]
        assert list(answered) == fields
        assert all(contract.field(n).accepts(v) for n, v in answered.items())
        assert expected(answered)

    async def test_answers_only_the_fields_asked_for(self, client):
        response = await client.post(
            "/v1/datasets/birth_record/query",
            json={"subject": SOMCHAI, "fields": ["birthplace_en"]},
            headers=headers(),
        )
        assert response.json()["fields"] == {"birthplace_en": "Bangkok"}

    @pytest.mark.parametrize(
        "dataset", ["family", "birth_record", "marital_status", "name_history"]
    )
    async def test_refuses_fields_of_another_dataset(self, client, dataset):
        response = await client.post(
            f"/v1/datasets/{dataset}/query",
            json={"subject": SOMCHAI, "fields": ["address"]},
            headers=headers(),
        )
        assert response.status_code == 400
        assert response.json() == {"error": "unknown_fields", "fields": ["address"]}

    async def test_unknown_person_has_no_family(self, client):
        response = await client.post(
            "/v1/datasets/family/query",
            json={"subject": "1234567890121", "fields": ["children"]},
            headers=headers(),
        )
        assert response.status_code == 404

    async def test_a_match_check_answers_without_values(self, client):
        response = await client.post(
            "/v1/datasets/marital_status/match",
            json={"subject": SOMCHAI, "match": {"marital_status": "married"}},
            headers=headers(),
        )
        assert response.json()["match"] is False and "fields" not in response.json()
