"""The back office end to end: the live development provider, the officer's TOTP, agencies.

The portal here is `create_app(settings)` with the back-office router and error handlers added,
and its own provider, which knows the back office's redirect URI. The officer domain is imported
inside fixtures (see tests/identity/officers/conftest.py for why).
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from types import SimpleNamespace
from urllib.parse import urlsplit

import pyotp
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import Session

from identity.models import Citizen
from portal.app import create_app
from portal.servers import demo_account_holders
from portal.settings import Settings
from services.dopa.people import Person
from services.petitions.models import Petition
from tests.fixtures.identity import approve_at_provider, parse_forms, sign_in
from tests.fixtures.servers import (
    TEST_PORTAL_URL,
)
from tests.identity.officers.conftest import create_officer_tables


@pytest.fixture
def officers(clean_engine: Engine) -> SimpleNamespace:
    create_officer_tables(clean_engine)
    from identity.officers import service

    return SimpleNamespace(service=service)


@pytest.fixture
def bo_app(officers: SimpleNamespace, settings: Settings) -> FastAPI:
    return create_app(settings)


@pytest.fixture
def client(bo_app: FastAPI) -> Iterator[TestClient]:
    with TestClient(bo_app, base_url=TEST_PORTAL_URL) as test_client:
        yield test_client


@pytest.fixture
def holders(people: list[Person]) -> list[Person]:
    return demo_account_holders(people)


def register(engine: Engine, officers: SimpleNamespace, person: Person, agency: str) -> None:
    with Session(engine) as db:
        officers.service.register_officer(
            db, national_id=person.national_id, agency=agency, roles=["officer"]
        )
        db.commit()


def add_petition(engine: Engine, person: Person, service_code: str) -> str:
    with Session(engine, expire_on_commit=False) as db:
        citizen = Citizen(national_id=person.national_id, subject="s", issuer="i")
        db.add(citizen)
        db.flush()
        petition = Petition(citizen_id=citizen.id, service_code=service_code, service_version=1)
        db.add(petition)
        db.commit()
        return petition.id


def officer_sign_in(client: TestClient, person: Person, *, next_url: str = "/backoffice/"):
    """/backoffice/login → provider → /backoffice/auth/callback; returns the callback answer."""
    start = client.get("/backoffice/login", params={"next": next_url}, follow_redirects=False)
    assert start.status_code == 303, start.text
    back = approve_at_provider(start.headers["location"], person)
    parts = urlsplit(back)
    assert parts.path == "/backoffice/auth/callback"
    return client.get(f"{parts.path}?{parts.query}", follow_redirects=False)


def second_factor_form(client: TestClient) -> dict:
    page = client.get("/backoffice/second-factor", follow_redirects=False)
    assert page.status_code == 200, page.text
    return next(f for f in parse_forms(page.text) if f["action"] == "/backoffice/second-factor")


def enrol(client: TestClient) -> tuple[pyotp.TOTP, str]:
    """Reads the set-up key off the page, answers with the current code; returns both."""
    page = client.get("/backoffice/second-factor", follow_redirects=False)
    uri = html.unescape(re.search(r'<code id="totp-uri">([^<]+)</code>', page.text).group(1))
    assert "<svg" in page.text  # the QR code
    totp = pyotp.parse_uri(uri)
    code = totp.now()
    form = second_factor_form(client)
    answer = client.post(
        "/backoffice/second-factor", data=dict(form["fields"], code=code), follow_redirects=False
    )
    assert answer.status_code == 303 and answer.headers["location"] == "/backoffice/"
    return totp, code


class TestSignIn:
    def test_password_alone_does_not_open_the_back_office(
        self, client, clean_engine, officers, holders
    ):
        register(clean_engine, officers, holders[1], "dopa")
        done = officer_sign_in(client, holders[1])
        assert done.status_code == 200 and 'http-equiv="refresh"' in done.text
        cookie = next(
            c
            for c in done.headers.get_list("set-cookie")
            if c.startswith("portal_officer_session=")
        )
        assert "HttpOnly" in cookie and "samesite=strict" in cookie.lower()
        assert "Path=/backoffice" in cookie
        home = client.get("/backoffice/", follow_redirects=False)
        assert home.status_code == 303 and home.headers["location"] == "/backoffice/second-factor"

    def test_a_valid_code_opens_it(self, client, clean_engine, officers, holders):
        register(clean_engine, officers, holders[1], "dopa")
        officer_sign_in(client, holders[1])
        enrol(client)
        home = client.get("/backoffice/", follow_redirects=False)
        assert home.status_code == 200
        assert holders[1].given_name_th in home.text
        assert home.headers["cache-control"] == "private, no-store"

    def test_a_used_code_is_refused_at_the_next_sign_in(
        self, client, clean_engine, officers, holders
    ):
        register(clean_engine, officers, holders[1], "dopa")
        officer_sign_in(client, holders[1])
        _totp, code = enrol(client)
        officer_sign_in(client, holders[1])
        form = second_factor_form(client)
        again = client.post("/backoffice/second-factor", data=dict(form["fields"], code=code))
        assert again.status_code == 400 and 'data-code="invalid_totp_code"' in again.text
        assert client.get("/backoffice/", follow_redirects=False).status_code == 303

    def test_an_unregistered_person_is_refused(self, client, holders, officers):
        done = officer_sign_in(client, holders[3])
        assert done.status_code == 403 and 'data-code="not_an_officer"' in done.text
        assert "portal_officer_session" not in done.headers.get("set-cookie", "")

    def test_a_citizen_session_does_not_open_the_back_office(self, client, holders, officers):
        register(client.app.state.engine, officers, holders[1], "dopa")
        sign_in(client, holders[1])  # as a citizen, same person
        assert "portal_session" in client.cookies
        home = client.get("/backoffice/", follow_redirects=False)
        assert home.status_code == 303
        assert home.headers["location"].startswith("/backoffice/login")

    def test_strangers_are_sent_to_the_back_office_sign_in(self, client, officers):
        answer = client.get("/backoffice/petitions/x", follow_redirects=False)
        assert answer.status_code == 303
        assert answer.headers["location"] == "/backoffice/login?next=/backoffice/petitions/x"


class TestAgencies:
    def test_officers_see_only_their_agencys_petitions(
        self, client, clean_engine, officers, holders
    ):
        dopa_petition = add_petition(clean_engine, holders[0], "dopa.residence-certificate")
        dol_petition = add_petition(clean_engine, holders[2], "dol.land-title-abstract")
        register(clean_engine, officers, holders[1], "dol")
        officer_sign_in(client, holders[1])
        enrol(client)
        home = client.get("/backoffice/?state=any")  # the queue's default is in_review only
        assert f"/backoffice/petitions/{dol_petition}" in home.text
        assert dopa_petition not in home.text
        other = client.get(f"/backoffice/petitions/{dopa_petition}")
        assert other.status_code == 403 and 'data-code="other_agency"' in other.text
        own = client.get(f"/backoffice/petitions/{dol_petition}")
        assert own.status_code == 200 and dol_petition in own.text
        assert holders[2].given_name_th not in own.text  # no citizen data yet
        assert client.get("/backoffice/petitions/no-such-id").status_code == 404


class TestForms:
    def test_posts_need_the_csrf_token(self, client, clean_engine, officers, holders):
        register(clean_engine, officers, holders[1], "dopa")
        officer_sign_in(client, holders[1])
        answer = client.post("/backoffice/second-factor", data={"code": "123456"})
        assert answer.status_code == 403 and 'data-code="csrf_failed"' in answer.text
        assert client.post("/backoffice/logout").status_code == 403

    def test_sign_out_ends_the_officer_session(self, client, clean_engine, officers, holders):
        register(clean_engine, officers, holders[1], "dopa")
        officer_sign_in(client, holders[1])
        enrol(client)
        page = client.get("/backoffice/")
        form = next(f for f in parse_forms(page.text) if f["action"] == "/backoffice/logout")
        out = client.post("/backoffice/logout", data=form["fields"], follow_redirects=False)
        assert out.status_code == 303
        assert client.get("/backoffice/", follow_redirects=False).status_code == 303
