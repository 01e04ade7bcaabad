"""The holiday calendar page (`/backoffice/admin/holidays`) and the expected completion date on
the citizen's petition page."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from datetime import date
from urllib.parse import urlsplit

import pyotp
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from identity.models import Citizen
from identity.officers.service import register_officer
from portal.app import create_app
from portal.servers import demo_account_holders
from portal.settings import Settings
from services.calendar.models import Holiday, HolidaySource
from services.calendar.service import seed_holidays
from services.dopa.people import Person
from services.petitions.models import Petition, PetitionState
from tests.fixtures.identity import approve_at_provider, parse_forms, sign_in
from tests.fixtures.servers import TEST_PORTAL_URL

PAGE = "/backoffice/admin/holidays"


@pytest.fixture
def app(clean_engine: Engine, settings: Settings) -> FastAPI:
    return create_app(settings)


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app, base_url=TEST_PORTAL_URL) as test_client:
        yield test_client


@pytest.fixture
def holders(people: list[Person]) -> list[Person]:
    return demo_account_holders(people)


def officer_sign_in(client: TestClient, person: Person) -> None:
    start = client.get("/backoffice/login", follow_redirects=False)
    back = urlsplit(approve_at_provider(start.headers["location"], person))
    assert back.path == "/backoffice/auth/callback"
    client.get(f"{back.path}?{back.query}", follow_redirects=False)


def enrol(client: TestClient) -> None:
    """Reads the TOTP set-up key off the second-factor page and answers with a current code."""
    page = client.get("/backoffice/second-factor", follow_redirects=False)
    uri = html.unescape(re.search(r'<code id="totp-uri">([^<]+)</code>', page.text).group(1))  # type: ignore[union-attr]
    form = next(f for f in parse_forms(page.text) if f["action"] == "/backoffice/second-factor")
    code = pyotp.parse_uri(uri).now()
    answer = client.post(
        "/backoffice/second-factor", data=dict(form["fields"], code=code), follow_redirects=False
    )
    assert answer.status_code == 303


def signed_in_officer(client: TestClient, engine: Engine, person: Person, roles: list[str]) -> int:
    with Session(engine) as db:
        officer = register_officer(db, national_id=person.national_id, agency="dopa", roles=roles)
        db.commit()
        officer_id = officer.id
    officer_sign_in(client, person)
    enrol(client)
    assert officer_id is not None
    return officer_id


def csrf_of(page_html: str) -> str:
    return parse_forms(page_html)[0]["fields"]["csrf_token"]  # the sign-out form has one too


class TestHolidayCalendarPage:
    def test_an_administrator_adds_and_removes_a_holiday(self, client, clean_engine, holders):
        officer_id = signed_in_officer(client, clean_engine, holders[1], ["portal_admin"])
        with Session(clean_engine) as db:
            seed_holidays(db, years=[2026])
            db.commit()
        page = client.get(PAGE, params={"year": "2026", "lang": "en"})
        assert page.status_code == 200 and page.headers["cache-control"] == "private, no-store"
        assert "Songkran" in page.text and 'id="add-holiday"' in page.text
        form = next(f for f in parse_forms(page.text) if f["action"] == PAGE)
        added = client.post(
            PAGE,
            data=dict(form["fields"], day="2026-11-23", name_th="วันหยุดพิเศษ", name_en="Special day"),
            follow_redirects=False,
        )
        assert added.status_code == 303
        assert added.headers["location"] == f"{PAGE}?year=2026&saved=2026-11-23"
        with Session(clean_engine) as db:
            row = db.get(Holiday, date(2026, 11, 23))
            assert row is not None and row.source == HolidaySource.ADMIN
            assert row.created_by == f"officer:{officer_id}"
        thai = client.get(PAGE, params={"year": "2026", "lang": "th"})
        assert "วันหยุดพิเศษ" in thai.text and "พ.ศ. 2569" in thai.text
        remove = next(
            f
            for f in parse_forms(thai.text)
            if f["action"] == f"{PAGE}/remove" and f["fields"]["day"] == "2026-11-23"
        )
        gone = client.post(f"{PAGE}/remove", data=remove["fields"], follow_redirects=False)
        assert gone.status_code == 303
        with Session(clean_engine) as db:
            assert db.get(Holiday, date(2026, 11, 23)) is None

    def test_a_plain_officer_may_read_but_not_change_it(self, client, clean_engine, holders):
        signed_in_officer(client, clean_engine, holders[1], ["officer", "supervisor"])
        page = client.get(PAGE, params={"lang": "en"})
        assert page.status_code == 200 and 'id="add-holiday"' not in page.text
        token = csrf_of(page.text)
        answer = client.post(
            PAGE, data={"csrf_token": token, "day": "2026-11-23", "name_th": "ก", "name_en": "x"}
        )
        assert answer.status_code == 403 and 'data-code="role_required"' in answer.text
        refused = client.post(f"{PAGE}/remove", data={"csrf_token": token, "day": "2026-04-13"})
        assert refused.status_code == 403
        with Session(clean_engine) as db:
            assert db.exec(select(Holiday)).all() == []

    def test_posts_without_the_csrf_token_are_refused(self, client, clean_engine, holders):
        signed_in_officer(client, clean_engine, holders[1], ["portal_admin"])
        answer = client.post(PAGE, data={"day": "2026-11-23", "name_th": "ก", "name_en": "x"})
        assert answer.status_code == 403 and 'data-code="csrf_failed"' in answer.text
        assert client.post(f"{PAGE}/remove", data={"day": "2026-11-23"}).status_code == 403

    def test_bad_dates_are_refused_in_thai_and_english(self, client, clean_engine, holders):
        signed_in_officer(client, clean_engine, holders[1], ["portal_admin"])
        token = csrf_of(client.get(PAGE).text)
        for day in ("2026-02-30", "23/11/2026", "2569-11-23", ""):
            answer = client.post(
                PAGE, data={"csrf_token": token, "day": day, "name_th": "ก", "name_en": "x"}
            )
            assert answer.status_code == 400 and 'data-code="invalid_holiday"' in answer.text
            assert "วันหยุดไม่ถูกต้อง" in answer.text and "The holiday is not valid" in answer.text
        assert client.get(PAGE, params={"year": "twenty"}).status_code == 400
        missing = client.post(f"{PAGE}/remove", data={"csrf_token": token, "day": "2026-11-24"})
        assert missing.status_code == 404 and 'data-code="holiday_not_found"' in missing.text

    def test_strangers_are_sent_to_the_back_office_sign_in(self, client):
        answer = client.get(PAGE, follow_redirects=False)
        assert answer.status_code == 303
        assert answer.headers["location"].startswith("/backoffice/login")


class TestExpectedDate:
    def test_the_citizen_sees_the_expected_date_and_a_paused_clock(
        self, client, clean_engine, holders
    ):
        sign_in(client, holders[0])
        with Session(clean_engine, expire_on_commit=False) as db:
            citizen = db.exec(
                select(Citizen).where(Citizen.national_id == holders[0].national_id)
            ).one()
            petition = Petition(
                citizen_id=citizen.id,  # type: ignore[arg-type]
                service_code="dopa.residence-certificate",
                service_version=1,
                state=PetitionState.IN_REVIEW,
                due_on=date(2026, 12, 9),
            )
            db.add(petition)
            db.commit()
        english = client.get(f"/petitions/{petition.id}", params={"lang": "en"})
        assert english.status_code == 200
        assert "Expected by" in english.text and "9 December 2026" in english.text
        assert "The clock is paused" not in english.text
        thai = client.get(f"/petitions/{petition.id}", params={"lang": "th"})
        assert "คาดว่าจะแล้วเสร็จภายใน" in thai.text and "2569" in thai.text
        with Session(clean_engine) as db:
            row = db.get(Petition, petition.id)
            assert row is not None
            row.state = PetitionState.SUPPLEMENT_REQUESTED
            row.clock_paused_at = row.created_at
            db.add(row)
            db.commit()
        paused = client.get(f"/petitions/{petition.id}", params={"lang": "en"})
        assert "The clock is paused while we wait for you." in paused.text
