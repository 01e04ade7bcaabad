"""The reference registry answers only requests the portal signed, and signs every answer."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from services import dopa
from services.agencies import create_agency_registry_app
from services.dopa.people import synthetic_population
from services.exchange.signing import verify_response
from tests.fixtures.exchange import REGISTRY_KEY, SignAsPortal, portal_keys

pytestmark = pytest.mark.anyio

API_KEY = "test-registry-key"
SOMCHAI = "3103900123458"
URL = "/v1/datasets/population/query"
HEADERS = {
    "Authorization": f"Bearer {API_KEY}",
    "X-Request-Id": "req-1",
    "X-Caller": "citizen-service-portal",
    "X-Purpose": "test",
    "X-Petition-Id": "petition-42",
    "X-Consent-Ref": "consent-7",
    "X-Acting-User": "citizen:1",
}


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def app():
    return create_agency_registry_app(
        dopa,
        people=synthetic_population(size=20),
        api_key=API_KEY,
        portal_public_keys=portal_keys(),
        signing_key=REGISTRY_KEY,
    )


async def post(app, *, auth=None, fields=("gender",), tamper=None) -> httpx.Response:  # type: ignore[no-untyped-def]
    def hook(request: httpx.Request) -> None:
        if tamper:
            tamper(request)

    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(
        transport=transport, base_url="http://registry", auth=auth
    ) as client:
        request = client.build_request(
            "POST", URL, json={"subject": SOMCHAI, "fields": list(fields)}, headers=HEADERS
        )
        if auth is not None:
            request = next(auth.auth_flow(request))
        hook(request)
        return await client.send(request, auth=None)


async def test_a_signed_request_is_answered_and_the_answer_verifies(app):
    response = await post(app, auth=SignAsPortal())
    assert response.status_code == 200
    verify_response(response, key=REGISTRY_KEY.public_key(), body=response.content)
    assert app.state.received[0].status_code == 200


@pytest.mark.parametrize(
    "auth",
    [
        pytest.param(None, id="unsigned"),
        pytest.param(SignAsPortal(Ed25519PrivateKey.generate()), id="unknown key"),
        pytest.param(SignAsPortal(age=timedelta(seconds=120)), id="stale"),
        pytest.param(SignAsPortal(age=timedelta(seconds=-60)), id="from the future"),
    ],
)
async def test_refuses_before_any_lookup_and_does_not_record(app, auth):
    response = await post(app, auth=auth)
    assert response.status_code == 401
    assert response.json() == {"error": "bad_signature"}
    assert app.state.received == []
    assert "exchange=" in response.headers["Signature"]  # refusals are signed too


async def test_refuses_a_tampered_body(app):
    def swap_fields(request: httpx.Request) -> None:
        request._content = request.content.replace(b"gender", b"status")
        request.stream = httpx.ByteStream(request._content)

    response = await post(app, auth=SignAsPortal(), tamper=swap_fields)
    assert response.status_code == 401 and app.state.received == []


async def test_refuses_a_changed_purpose(app):
    def change_purpose(request: httpx.Request) -> None:
        request.headers["X-Purpose"] = "marketing"

    response = await post(app, auth=SignAsPortal(), tamper=change_purpose)
    assert response.status_code == 401


async def test_a_signed_request_for_an_unrequested_field_is_still_refused(app):
    response = await post(app, auth=SignAsPortal(), fields=("gender", "religion"))
    assert response.status_code == 400
    assert response.json() == {"error": "unknown_fields", "fields": ["religion"]}
    verify_response(response, key=REGISTRY_KEY.public_key(), body=response.content)


def test_an_empty_set_of_portal_keys_is_refused():
    with pytest.raises(ValueError):
        create_agency_registry_app(dopa, people=[], api_key=API_KEY, portal_public_keys={})
