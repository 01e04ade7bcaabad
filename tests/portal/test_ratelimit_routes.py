"""The sign-in and submission routes refuse past their budgets with 429, Retry-After and a
Thai + English message, before doing any work (issue 8)."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from identity.models import LoginAttempt
from portal.app import create_app
from services.petitions.models import Petition
from tests.fixtures.identity import obtain_access_token

SERVICE = "dopa.residence-certificate"


@pytest.fixture(autouse=True)
def empty_buckets(clean_engine):
    """Buckets of earlier tests (same client address) must not count here; on SQLite they
    live in a side file that emptying the portal's tables does not reach."""
    from portal.ratelimit import RateLimitBucket, bucket_engine

    with bucket_engine(clean_engine).begin() as conn:
        conn.execute(RateLimitBucket.__table__.delete())


def limited_client(settings, **budgets) -> TestClient:
    app = create_app(settings.model_copy(update={"rate_limit_backend": "database", **budgets}))
    return TestClient(app, base_url="http://testserver")


def assert_rate_limited(response, *, json_body: bool) -> None:
    assert response.status_code == 429, response.text
    assert int(response.headers["Retry-After"]) >= 1
    if json_body:
        body = response.json()
        assert body["error"] == "rate_limited"
        assert "กรุณารอ" in body["message"]["th"] and "try again" in body["message"]["en"]
        assert body["details"]["retry_after"] == int(response.headers["Retry-After"])
    else:
        assert "กรุณารอ" in response.text and "try again" in response.text


def test_citizen_sign_in_starts_are_limited_per_address(settings, clean_engine, db: Session):
    with limited_client(settings, signin_burst=2, signin_rate_per_minute=0.01) as client:
        for _ in range(2):
            assert client.get("/login", follow_redirects=False).status_code == 303
        refused = client.get("/login", follow_redirects=False)
    assert_rate_limited(refused, json_body=False)
    # Refused before any work: only the two allowed trips were recorded.
    assert len(db.exec(select(LoginAttempt)).all()) == 2


def test_officer_sign_in_shares_the_sign_in_budget(settings, clean_engine):
    with limited_client(settings, signin_burst=2, signin_rate_per_minute=0.01) as client:
        assert client.get("/login", follow_redirects=False).status_code == 303
        assert client.get("/backoffice/login", follow_redirects=False).status_code == 303
        refused = client.get("/backoffice/login", follow_redirects=False)
    assert_rate_limited(refused, json_body=False)


@pytest.fixture
def token(settings, people) -> str:
    return obtain_access_token(settings, people[0])


def test_api_submissions_are_limited_per_account(settings, clean_engine, token, db: Session):
    body = {
        "service_code": SERVICE,
        "consent": ["dopa.population"],
        "answers": {"purpose": "employment"},
    }
    with limited_client(
        settings, submission_account_burst=2, submission_account_rate_per_minute=0.01
    ) as client:
        answers = [
            client.post(
                "/api/v1/petitions",
                json=body,
                headers={"Authorization": f"Bearer {token}", "Idempotency-Key": f"k-{i}"},
            )
            for i in range(3)
        ]
    assert [a.status_code for a in answers[:2]] == [202, 202]
    assert_rate_limited(answers[2], json_body=True)
    assert "account" in answers[2].json()["message"]["en"]
    assert len(db.exec(select(Petition)).all()) == 2  # nothing half-written by the refusal


def test_api_submissions_are_limited_per_address_too(settings, clean_engine, token):
    body = {
        "service_code": SERVICE,
        "consent": ["dopa.population"],
        "answers": {"purpose": "employment"},
    }
    with limited_client(settings, submission_burst=1, submission_rate_per_minute=0.01) as client:
        headers = {"Authorization": f"Bearer {token}"}
        first = client.post("/api/v1/petitions", json=body, headers=headers)
        second = client.post("/api/v1/petitions", json=body, headers=headers)
    assert first.status_code == 202
    assert_rate_limited(second, json_body=True)
    assert "address" in second.json()["message"]["en"]


def test_web_form_submissions_are_limited(settings, clean_engine, people):
    from tests.fixtures.identity import parse_forms, sign_in

    with limited_client(
        settings, submission_account_burst=1, submission_account_rate_per_minute=0.01
    ) as client:
        sign_in(client, people[0])
        posted = []
        for _ in range(2):
            form = next(
                f
                for f in parse_forms(client.get(f"/services/{SERVICE}/apply").text)
                if f["action"].endswith("/apply")
            )
            fields = {**form["fields"], "consent": "dopa.population", "answer_purpose": "bank"}
            posted.append(client.post(form["action"], data=fields, follow_redirects=False))
    assert posted[0].status_code == 303, posted[0].text
    assert_rate_limited(posted[1], json_body=False)


def test_officer_second_factor_codes_are_limited_per_officer(settings, clean_engine, people):
    """Per officer, not per session: signing in again does not buy more guesses."""
    from identity.officers import service as officers_service
    from portal.servers import demo_account_holders
    from tests.identity.officers.conftest import create_officer_tables
    from tests.portal.web.test_backoffice import officer_sign_in, second_factor_form

    create_officer_tables(clean_engine)
    officer = demo_account_holders(people)[1]
    with Session(clean_engine) as db:
        officers_service.register_officer(
            db, national_id=officer.national_id, agency="dopa", roles=["officer"]
        )
        db.commit()
    with limited_client(
        settings, second_factor_burst=2, second_factor_rate_per_minute=0.01
    ) as client:
        answers = []
        for _ in range(2):
            officer_sign_in(client, officer)
            form = second_factor_form(client)
            answers.append(
                client.post("/backoffice/second-factor", data=dict(form["fields"], code="000000"))
            )
        officer_sign_in(client, officer)
        form = second_factor_form(client)
        refused = client.post("/backoffice/second-factor", data=dict(form["fields"], code="000000"))
    assert [a.status_code for a in answers] == [400, 400]
    assert_rate_limited(refused, json_body=False)
    assert "account" in refused.text or "บัญชี" in refused.text
