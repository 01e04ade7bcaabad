"""The kiosks page (`/backoffice/admin/kiosks`): officers signed in at the development provider
with a second factor, as in test_holidays."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from identity.kiosks import service
from identity.kiosks.models import KioskDevice
from identity.officers.service import register_officer
from portal.app import create_app
from portal.servers import demo_account_holders
from portal.settings import Settings
from services.audit.models import AuditEvent
from services.dopa.people import Person
from tests.fixtures.identity import parse_forms
from tests.fixtures.servers import TEST_PORTAL_URL
from tests.portal.web.test_holidays import enrol, officer_sign_in

PAGE = "/backoffice/admin/kiosks"


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


def sign_in_as(client, engine, person, roles, agency="dopa") -> None:
    with Session(engine) as db:
        register_officer(db, national_id=person.national_id, agency=agency, roles=roles)
        db.commit()
    officer_sign_in(client, person)
    enrol(client)


def form_for(page_html: str, action: str) -> dict[str, str]:
    return next(f for f in parse_forms(page_html) if f["action"] == action)["fields"]


def kiosks_in(engine) -> list[KioskDevice]:
    with Session(engine) as db:
        return list(db.exec(select(KioskDevice).order_by(KioskDevice.id)).all())


class TestKiosksPage:
    def test_an_administrator_registers_a_kiosk_and_sees_its_code_once(
        self, client, clean_engine, holders
    ):
        sign_in_as(client, clean_engine, holders[1], ["portal_admin"])
        page = client.get(PAGE, params={"lang": "en"})
        assert page.status_code == 200 and page.headers["cache-control"] == "private, no-store"
        assert "No kiosks are registered yet." in page.text

        fields = form_for(page.text, PAGE)
        registered = client.post(
            PAGE,
            data=dict(fields, name="Kiosk 1", location="Bang Rak office, hall", agency="dol"),
        )
        assert registered.status_code == 200
        code = re.search(r'id="activation-code-value">([A-Z0-9-]+)<', registered.text).group(1)
        [device] = kiosks_in(clean_engine)
        assert (device.name, device.agency) == ("Kiosk 1", "dol")
        with Session(clean_engine) as db:
            assert service.activate_kiosk(db, activation_code=code)
            db.commit()
            event = db.exec(select(AuditEvent).where(AuditEvent.action == "kiosk.add")).one()
            assert event.object_id == str(device.id)
        again = client.get(PAGE, params={"lang": "en"})
        assert code not in again.text and "In service" in again.text

        # The same form sent again registers nothing new.
        twice = client.post(
            PAGE,
            data=dict(fields, name="Kiosk 1", location="Bang Rak office, hall", agency="dol"),
        )
        assert twice.status_code == 409 and "already registered" in twice.text
        assert len(kiosks_in(clean_engine)) == 1

    def test_the_page_is_in_thai_by_default(self, client, clean_engine, holders):
        sign_in_as(client, clean_engine, holders[1], ["portal_admin"])
        page = client.get(PAGE)
        assert "ลงทะเบียนตู้บริการ" in page.text and "ตู้บริการที่ลงทะเบียนไว้" in page.text
        assert "Register a kiosk" not in page.text

    def test_disable_enable_and_print_mode_are_audited(self, client, clean_engine, holders):
        sign_in_as(client, clean_engine, holders[1], ["portal_admin"])
        with Session(clean_engine, expire_on_commit=False) as db:
            device, code = service.register_kiosk(db, name="K", location="L", agency="dopa")
            credential = service.activate_kiosk(db, activation_code=code)
            db.commit()
        page = client.get(PAGE, params={"lang": "en"})
        base = f"{PAGE}/{device.id}"
        disabled = client.post(
            f"{base}/disable", data=form_for(page.text, f"{base}/disable"), follow_redirects=False
        )
        assert disabled.status_code == 303
        with Session(clean_engine) as db:
            assert service.authenticate_device(db, credential) is None

        page = client.get(PAGE, params={"lang": "en"})
        assert "Disabled" in page.text
        client.post(f"{base}/enable", data=form_for(page.text, f"{base}/enable"))
        mode = client.post(
            f"{base}/print-mode",
            data=dict(form_for(page.text, f"{base}/print-mode"), print_mode="cups"),
            follow_redirects=False,
        )
        assert mode.status_code == 303
        bad = client.post(
            f"{base}/print-mode",
            data=dict(form_for(page.text, f"{base}/print-mode"), print_mode="x"),
        )
        assert bad.status_code == 400
        with Session(clean_engine) as db:
            assert service.authenticate_device(db, credential).print_mode == "cups"
            actions = db.exec(
                select(AuditEvent.action).where(AuditEvent.object_type == "kiosk")
            ).all()
        assert {"kiosk.disable", "kiosk.enable", "kiosk.print_mode"} <= set(actions)

        page = client.get(PAGE, params={"lang": "en"})
        shown = client.post(
            f"{base}/agent-credential", data=form_for(page.text, f"{base}/agent-credential")
        )
        with Session(clean_engine) as db:
            expected = service.agent_credential_for(
                db.get(KioskDevice, device.id), secret_key=client.app.state.secret_key
            )
        assert f'id="agent-credential-value">{expected}<' in shown.text

    def test_a_supervisor_manages_only_their_agencys_kiosks(self, client, clean_engine, holders):
        with Session(clean_engine, expire_on_commit=False) as db:
            mine, _ = service.register_kiosk(db, name="Mine", location="L", agency="dol")
            theirs, _ = service.register_kiosk(db, name="Theirs", location="L", agency="dopa")
            db.commit()
        sign_in_as(client, clean_engine, holders[1], ["supervisor"], agency="dol")
        page = client.get(PAGE, params={"lang": "en"})
        assert "Mine" in page.text and "Theirs" not in page.text
        token = parse_forms(page.text)[0]["fields"]["csrf_token"]
        refused = client.post(f"{PAGE}/{theirs.id}/disable", data={"csrf_token": token})
        assert refused.status_code == 404
        # A supervisor's new kiosk belongs to their agency, whatever the form says.
        client.post(
            PAGE, data={"csrf_token": token, "name": "New", "location": "L", "agency": "dopa"}
        )
        assert [k.agency for k in kiosks_in(clean_engine) if k.name == "New"] == ["dol"]
        assert all(k.disabled_at is None for k in kiosks_in(clean_engine))

    def test_an_officer_without_the_role_is_refused(self, client, clean_engine, holders):
        sign_in_as(client, clean_engine, holders[1], ["officer"])
        assert client.get(PAGE).status_code == 403

    def test_without_a_csrf_token_nothing_changes(self, client, clean_engine, holders):
        with Session(clean_engine, expire_on_commit=False) as db:
            device, _ = service.register_kiosk(db, name="K", location="L", agency="dopa")
            db.commit()
        sign_in_as(client, clean_engine, holders[1], ["portal_admin"])
        assert client.post(f"{PAGE}/{device.id}/disable", data={}).status_code == 403
        assert kiosks_in(clean_engine)[0].disabled_at is None

    def test_anonymous_visitors_are_sent_to_the_officer_sign_in(self, client):
        answer = client.get(PAGE, follow_redirects=False)
        assert answer.status_code == 303 and answer.headers["location"].startswith(
            "/backoffice/login"
        )
