"""The supervisors' dashboard through the real back-office sign-in (provider + TOTP)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace

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
from services.petitions.models import EvidenceUpload, Petition, PetitionEvent, PetitionState
from tests.fixtures.servers import TEST_PORTAL_URL
from tests.identity.officers.conftest import create_officer_tables
from tests.portal.web.test_backoffice import enrol, officer_sign_in

RESIDENCE = "dopa.residence-certificate"
LAND = "dol.land-title-abstract"
TABLES = ("backlog", "throughput", "timeliness", "median", "workload", "evidence")


@pytest.fixture
def officers(clean_engine: Engine) -> SimpleNamespace:
    create_officer_tables(clean_engine)
    from identity.officers import service

    return SimpleNamespace(service=service)


@pytest.fixture
def client(officers: SimpleNamespace, settings: Settings) -> Iterator[TestClient]:
    app: FastAPI = create_app(settings)
    with TestClient(app, base_url=TEST_PORTAL_URL) as test_client:
        yield test_client


@pytest.fixture
def holders(people: list[Person]) -> list[Person]:
    return demo_account_holders(people)


def seed(engine: Engine, *, officer_id: int | None = None) -> None:
    """Two days ago: three residence certificates (one decided on time by the officer), and a
    land-title abstract of another agency; one upload."""
    now = datetime.now(UTC)
    with Session(engine) as db:
        citizen = Citizen(national_id="1100700000011", subject="s", issuer="i")
        db.add(citizen)
        db.flush()
        decided = Petition(
            citizen_id=citizen.id,
            service_code=RESIDENCE,
            service_version=1,
            state=PetitionState.ISSUED,
            created_at=now - timedelta(days=2),
            decided_at=now - timedelta(days=1),
            due_on=date.today() + timedelta(days=3),
            evidence={"dopa.population": {"given_name": "x"}},
        )
        waiting = Petition(
            citizen_id=citizen.id,
            service_code=RESIDENCE,
            service_version=1,
            state=PetitionState.IN_REVIEW,
            created_at=now - timedelta(days=2),
            assigned_officer_id=officer_id,
        )
        land = Petition(
            citizen_id=citizen.id,
            service_code=LAND,
            service_version=1,
            state=PetitionState.IN_REVIEW,
            created_at=now - timedelta(days=2),
        )
        db.add_all([decided, waiting, land])
        db.flush()
        db.add(
            EvidenceUpload(
                petition_id=waiting.id,
                item="dopa.house",
                filename="copy.pdf",
                content_type="application/pdf",
                size=1,
                sha256="0" * 64,
                stored_name="y" * 32,
            )
        )
        if officer_id is not None:
            db.add(
                PetitionEvent(
                    petition_id=decided.id,
                    to_state="approved",
                    actor=f"officer:{officer_id}",
                    at=now - timedelta(days=1),
                )
            )
        db.commit()


def signed_in(client, engine, officers, person: Person, *, roles, agency="dopa") -> int:
    with Session(engine) as db:
        officer = officers.service.register_officer(
            db, national_id=person.national_id, agency=agency, roles=roles
        )
        db.commit()
        officer_id = officer.id
    officer_sign_in(client, person)
    enrol(client)
    return officer_id


def test_a_supervisor_sees_every_figure_with_charts(client, clean_engine, officers, holders):
    officer_id = signed_in(client, clean_engine, officers, holders[1], roles=["supervisor"])
    seed(clean_engine, officer_id=officer_id)
    page = client.get("/backoffice/dashboard", follow_redirects=False)
    assert page.status_code == 200, page.text
    assert page.headers["cache-control"] == "private, no-store"
    assert page.text.count('role="img"') == 4
    assert "<script" not in page.text
    for table in TABLES:
        assert f"/backoffice/dashboard/{table}.csv?period=30" in page.text
    assert "หนังสือรับรองการอยู่อาศัย" in page.text
    assert "100.0%" in page.text  # decided on time
    assert "50.0%" in page.text  # one fetched, one uploaded
    assert holders[1].given_name_th in page.text  # the workload names the officer
    home = client.get("/backoffice/")
    assert 'href="/backoffice/dashboard"' in home.text


def test_every_table_downloads_as_csv(client, clean_engine, officers, holders):
    officer_id = signed_in(client, clean_engine, officers, holders[1], roles=["agency_admin"])
    seed(clean_engine, officer_id=officer_id)
    bodies = {}
    for table in TABLES:
        answer = client.get(f"/backoffice/dashboard/{table}.csv?period=7")
        assert answer.status_code == 200, answer.text
        assert answer.headers["content-type"] == "text/csv; charset=utf-8"
        assert answer.headers["content-disposition"].startswith("attachment;")
        assert answer.headers["cache-control"] == "private, no-store"
        assert answer.content.startswith(b"\xef\xbb\xbf")
        bodies[table] = answer.content.decode("utf-8-sig").splitlines()
    assert bodies["backlog"][0] == "service_code,service_name_th,service_name_en,state,count"
    assert bodies["backlog"][1].startswith(
        f"{RESIDENCE},หนังสือรับรองการอยู่อาศัย,Certificate of residence,"
    )
    assert bodies["backlog"][1].endswith(",in_review,1")
    assert len(bodies["throughput"]) == 1 + 7
    assert bodies["timeliness"][1].endswith(",1,1,1")
    assert bodies["workload"][0] == "officer_id,name_th,name_en,open_held,decisions"
    assert bodies["workload"][1].startswith(f"{officer_id},") and bodies["workload"][1].endswith(
        ",1,1"
    )
    assert bodies["evidence"][1].endswith(",1,1,0.5")
    assert LAND not in "".join(line for lines in bodies.values() for line in lines)


def test_a_plain_officer_is_refused(client, clean_engine, officers, holders):
    signed_in(client, clean_engine, officers, holders[1], roles=["officer"])
    assert client.get("/backoffice/dashboard").status_code == 403
    assert client.get("/backoffice/dashboard/backlog.csv").status_code == 403
    assert 'href="/backoffice/dashboard"' not in client.get("/backoffice/").text


def test_another_agencys_figures_are_refused(client, clean_engine, officers, holders):
    signed_in(client, clean_engine, officers, holders[1], roles=["supervisor"])
    assert client.get("/backoffice/dashboard?agency=dol").status_code == 403
    assert client.get(f"/backoffice/dashboard?service={LAND}").status_code == 403
    assert client.get("/backoffice/dashboard/workload.csv?agency=dol").status_code == 403


def test_bad_filters_are_errors_not_crashes(client, clean_engine, officers, holders):
    signed_in(client, clean_engine, officers, holders[1], roles=["supervisor"])
    assert client.get("/backoffice/dashboard?period=12").status_code == 400
    assert client.get("/backoffice/dashboard?period=abc").status_code == 400
    assert client.get("/backoffice/dashboard?service=dopa.nope").status_code == 400
    assert client.get("/backoffice/dashboard/secrets.csv").status_code == 404


def test_a_portal_administrator_sees_all_agencies(client, clean_engine, officers, holders):
    signed_in(client, clean_engine, officers, holders[1], roles=["portal_admin"])
    seed(clean_engine)
    rows = client.get("/backoffice/dashboard/backlog.csv").content.decode("utf-8-sig")
    assert RESIDENCE in rows and LAND in rows
    only_dol = client.get("/backoffice/dashboard/backlog.csv?agency=dol")
    assert RESIDENCE not in only_dol.content.decode("utf-8-sig")
