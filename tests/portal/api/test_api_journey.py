"""The same journey over the JSON API with a bearer token from the provider."""

from __future__ import annotations

import pytest
from sqlmodel import Session, select

from documents.models import Document
from services.petitions.models import Petition
from tests.fixtures.identity import obtain_access_token

SERVICE = "dopa.residence-certificate"


@pytest.fixture
def token(settings, people) -> str:
    return obtain_access_token(settings, people[0])


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_catalogue_is_public(client):
    services = client.get("/api/v1/services").json()
    residence = next(s for s in services if s["code"] == SERVICE)
    assert residence["agency"] == "dopa" and residence["name"]["th"] == "หนังสือรับรองการอยู่อาศัย"
    detail = client.get(f"/api/v1/services/{SERVICE}").json()
    assert detail["evidence"][0]["dataset"] == "dopa.population"


def test_api_journey_from_petition_to_verified_pdf(
    client, token, process_jobs, people, db: Session
):
    body = {
        "service_code": SERVICE,
        "consent": ["dopa.population"],
        "answers": {"purpose": "employment"},
    }
    headers = {**bearer(token), "Idempotency-Key": "k-1"}
    created = client.post("/api/v1/petitions", json=body, headers=headers)
    assert created.status_code == 202, created.text
    petition = created.json()
    assert petition["state"] == "submitted"

    process_jobs()
    issued = client.get(f"/api/v1/petitions/{petition['id']}", headers=bearer(token)).json()
    assert issued["state"] == "issued"
    number = issued["document_number"]

    documents = client.get("/api/v1/documents", headers=bearer(token)).json()
    assert [d["number"] for d in documents] == [number]
    pdf = client.get(f"/api/v1/documents/{number}/pdf", headers=bearer(token))
    assert pdf.content.startswith(b"%PDF-")

    verdict = client.post(
        "/api/v1/verify", files={"file": ("c.pdf", pdf.content, "application/pdf")}
    ).json()
    assert verdict["genuine"] is True and verdict["document"]["number"] == number
    code = db.exec(select(Document.check_code).where(Document.number == number)).one()
    assert client.get(f"/api/v1/verify/{number}?code={code}").json()["status"] == "valid"

    reads = client.get("/api/v1/me/data-access", headers=bearer(token)).json()
    assert reads[0]["agency"] == "dopa" and "address" in reads[0]["fields"]


def test_same_idempotency_key_files_one_petition(client, token, db: Session):
    body = {"service_code": SERVICE, "consent": ["dopa.population"], "answers": {"purpose": "bank"}}
    headers = {**bearer(token), "Idempotency-Key": "same"}
    first = client.post("/api/v1/petitions", json=body, headers=headers).json()
    second = client.post("/api/v1/petitions", json=body, headers=headers).json()
    assert first["id"] == second["id"]
    assert len(db.exec(select(Petition)).all()) == 1


@pytest.mark.parametrize(
    ("headers", "status"),
    [
        ({}, 401),
        ({"Authorization": "Bearer not-a-jwt"}, 401),
        ({"Authorization": "Basic abc"}, 401),
    ],
)
def test_citizen_endpoints_need_a_valid_bearer_token(client, headers, status):
    answer = client.get("/api/v1/petitions", headers=headers)
    assert answer.status_code == status
    assert answer.json()["error"] == "invalid_token"


def test_tampered_token_is_refused(client, token):
    head, body, signature = token.split(".")
    answer = client.get("/api/v1/petitions", headers=bearer(f"{head}.{body}.{signature[::-1]}"))
    assert answer.status_code == 401


def test_api_errors_are_bilingual_json(client, token, db: Session):
    unknown = client.post(
        "/api/v1/petitions",
        json={"service_code": "nope.nothing", "consent": []},
        headers=bearer(token),
    )
    assert unknown.status_code == 404 and unknown.json()["error"] == "unknown_service"
    no_consent = client.post(
        "/api/v1/petitions",
        json={"service_code": SERVICE, "consent": [], "answers": {"purpose": "bank"}},
        headers=bearer(token),
    )
    assert no_consent.status_code == 400
    assert set(no_consent.json()["message"]) == {"th", "en"}
    malformed = client.post("/api/v1/petitions", json={"consent": "x"}, headers=bearer(token))
    assert malformed.status_code == 422
    assert db.exec(select(Petition)).all() == []


def test_citizen_cannot_read_another_citizens_petition_over_the_api(
    client, token, settings, people
):
    body = {"service_code": SERVICE, "consent": ["dopa.population"], "answers": {"purpose": "bank"}}
    petition = client.post("/api/v1/petitions", json=body, headers=bearer(token)).json()
    other = obtain_access_token(settings, people[1])
    assert (
        client.get(f"/api/v1/petitions/{petition['id']}", headers=bearer(other)).status_code == 404
    )


def test_verify_api_refuses_non_pdf_and_unknown_numbers(client):
    not_pdf = client.post("/api/v1/verify", files={"file": ("x.pdf", b"hello", "application/pdf")})
    assert not_pdf.status_code == 415 and not_pdf.json()["error"] == "unsupported_media_type"
    missing = client.post("/api/v1/verify")
    assert missing.status_code == 415
    assert client.get("/api/v1/verify/DOPA-2569-ABCDEFGH").status_code == 404


def test_a_delegate_files_over_the_api_for_the_grantor_and_only_with_a_delegation(
    client, token, settings, people, db: Session
):
    from datetime import timedelta

    from identity.delegation.service import grant_delegation, revoke_delegation
    from identity.sessions import get_citizen_by_national_id
    from portal.db import utcnow

    grantor_person, delegate_person = people[0], people[1]
    delegate_token = obtain_access_token(settings, delegate_person)
    client.get("/api/v1/petitions", headers=bearer(token))  # the grantor is known to the portal
    body = {
        "service_code": SERVICE,
        "consent": ["dopa.population"],
        "answers": {"purpose": "bank"},
        "on_behalf_of": grantor_person.national_id,
    }
    refused = client.post("/api/v1/petitions", json=body, headers=bearer(delegate_token))
    assert refused.status_code == 403 and db.exec(select(Petition)).all() == []

    grantor = get_citizen_by_national_id(db, national_id=grantor_person.national_id)
    delegation = grant_delegation(
        db,
        grantor=grantor,
        grantee_national_id=delegate_person.national_id,
        services=[SERVICE],
        expires_at=utcnow() + timedelta(days=1),
    )
    db.commit()
    filed = client.post("/api/v1/petitions", json=body, headers=bearer(delegate_token))
    assert filed.status_code == 202, filed.text
    petition = db.exec(select(Petition)).one()
    delegate = get_citizen_by_national_id(db, national_id=delegate_person.national_id)
    assert (petition.citizen_id, petition.filed_by_id) == (grantor.id, delegate.id)
    assert client.get(f"/api/v1/petitions/{petition.id}", headers=bearer(token)).status_code == 200

    revoke_delegation(db, grantor_id=grantor.id, delegation_id=delegation.id)
    db.commit()
    again = client.post(
        "/api/v1/petitions",
        json={**body, "answers": {"purpose": "other"}},
        headers={**bearer(delegate_token), "Idempotency-Key": "after-revoke"},
    )
    assert again.status_code == 403
    hidden = client.get(f"/api/v1/petitions/{petition.id}", headers=bearer(delegate_token))
    assert hidden.status_code == 404


def test_on_behalf_of_must_be_a_13_digit_id(client, token):
    body = {"service_code": SERVICE, "consent": [], "on_behalf_of": "12345"}
    assert client.post("/api/v1/petitions", json=body, headers=bearer(token)).status_code == 422
