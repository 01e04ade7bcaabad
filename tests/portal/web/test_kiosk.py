"""Kiosk sign-in by phone (RFC 8628) end to end: the live development provider, a "phone"
(an httpx client) that signs in and allows there, and the kiosk polling through the portal.

The portal is `create_app(settings)` with the kiosk router and error handlers added, and its
own provider, whose client for the portal may use the device grant and whose clock the test
moves (so polls honour the 5-second interval without sleeping). The kiosk domain is imported
inside fixtures (see tests/identity/kiosks/conftest.py for why).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import urljoin

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from identity.provider.accounts import ProviderClient
from identity.provider.app import create_provider_app
from portal.app import create_app
from portal.servers import demo_account_holders, provider_account
from portal.settings import Settings
from services.dopa.people import Person
from tests.fixtures.identity import DEMO_PASSWORD, parse_forms
from tests.fixtures.servers import (
    TEST_PORTAL_URL,
    LiveServer,
    Ports,
    free_port,
    make_settings,
    start_live_server,
)
from tests.identity.kiosks.conftest import create_kiosk_tables

DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"


class ProviderClock:
    """Real time at the start (joserfc checks exp against it), moved only by the test."""

    def __init__(self) -> None:
        self.now = time.time()

    def __call__(self) -> float:
        return self.now


class PortalClock:
    def __init__(self) -> None:
        self.now = datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture(scope="module")
def provider_clock() -> ProviderClock:
    return ProviderClock()


@pytest.fixture(scope="module")
def kiosk_provider(
    tmp_path_factory: pytest.TempPathFactory, people: list[Person], provider_clock: ProviderClock
) -> Iterator[LiveServer]:
    """A provider whose client for the portal may use the device grant (the shared one may not
    yet)."""
    port = free_port()
    issuer = f"http://127.0.0.1:{port}"
    settings = Settings(env="development", oidc_issuer=issuer)
    app = create_provider_app(
        issuer=issuer,
        key_path=Path(tmp_path_factory.mktemp("kiosk-provider")) / "signing-key.pem",
        clients=[
            ProviderClient(
                client_id=settings.oidc_client_id,
                client_secret=settings.oidc_client_secret,
                redirect_uris=(f"{TEST_PORTAL_URL}/auth/callback",),
                grant_types=("authorization_code", "refresh_token", DEVICE_GRANT),
            )
        ],
        accounts=[provider_account(p, ial=2.3) for p in demo_account_holders(people)],
        clock=provider_clock,
    )
    server = start_live_server(app, port)
    yield server
    server.stop()


@pytest.fixture
def kiosks(clean_engine: Engine) -> SimpleNamespace:
    create_kiosk_tables(clean_engine)
    from identity.kiosks import models, service

    return SimpleNamespace(models=models, service=service)


@pytest.fixture
def clocks(kiosks, provider_clock, monkeypatch) -> SimpleNamespace:
    portal = PortalClock()
    provider_clock.now = time.time()  # tokens are checked against real time (60 s leeway)
    from identity.kiosks import flow, printing

    for module in (kiosks.service, flow, printing):
        monkeypatch.setattr(module, "utcnow", portal)

    def advance(seconds: float) -> None:
        portal.now += timedelta(seconds=seconds)
        provider_clock.now += seconds

    return SimpleNamespace(portal=portal, advance=advance)


@pytest.fixture
def kiosk_app(
    kiosk_provider: LiveServer, kiosks, data_dir: Path, ports: Ports, database_url: str
) -> FastAPI:
    settings = make_settings(data_dir=data_dir, ports=ports, database_url=database_url)
    # Its own provider, whose clock the tests move to expire device codes.
    return create_app(settings.model_copy(update={"oidc_issuer": kiosk_provider.url}))


@pytest.fixture
def client(kiosk_app: FastAPI) -> Iterator[TestClient]:
    with TestClient(kiosk_app, base_url=TEST_PORTAL_URL) as test_client:
        yield test_client


@pytest.fixture
def holders(people: list[Person]) -> list[Person]:
    return demo_account_holders(people)


def csrf_fields(client: TestClient, path: str) -> dict[str, str]:
    page = client.get(path)
    return next(f for f in parse_forms(page.text) if f["method"] == "post")["fields"]


def register(engine: Engine, kiosks) -> str:
    with Session(engine) as db:
        _, code = kiosks.service.register_kiosk(
            db, name="Kiosk 1", location="Bang Rak district office", agency="dopa"
        )
        db.commit()
    return code


@pytest.fixture
def activated(client: TestClient, clean_engine: Engine, kiosks) -> TestClient:
    """The test client as a registered, activated kiosk."""
    code = register(clean_engine, kiosks)
    fields = csrf_fields(client, "/kiosk/activate")
    answer = client.post(
        "/kiosk/activate", data=fields | {"activation_code": code}, follow_redirects=False
    )
    assert answer.status_code == 303 and answer.headers["location"] == "/kiosk/"
    return client


def start_sign_in(client: TestClient) -> tuple[str, str]:
    """Presses "Sign in with your phone"; returns the QR's URI and the code shown."""
    fields = csrf_fields(client, "/kiosk/")
    page = client.post("/kiosk/sign-in", data=fields)
    assert page.status_code == 200, page.text
    assert "<svg" in page.text
    code = page.text.split('<p class="user-code"', 1)[1].split(">", 1)[1].split("<", 1)[0]
    with Session(client.app.state.engine) as db:  # type: ignore[attr-defined]
        from identity.kiosks.models import KioskSignIn

        pending = db.exec(select(KioskSignIn)).one()
    assert pending.device_code not in page.text  # the device code never reaches the kiosk page
    return pending.verification_uri_complete, code


def phone_decides(uri_complete: str, person: Person, action: str = "allow") -> httpx.Response:
    """The citizen's phone: opens the QR's address, confirms the code, signs in, decides."""
    with httpx.Client() as phone:
        page = phone.get(uri_complete)
        form = parse_forms(page.text)[-1]
        page = phone.post(urljoin(uri_complete, form["action"]), data=form["fields"])
        assert 'name="password"' in page.text, page.text
        form = next(f for f in parse_forms(page.text) if "approve" in f["action"])
        fields = form["fields"] | {"action": action}
        if action == "allow":
            fields |= {"pid": person.national_id, "password": DEMO_PASSWORD}
        done = phone.post(urljoin(uri_complete, form["action"]), data=fields)
        assert done.status_code == 200, done.text
        return done


def poll(client: TestClient, clocks) -> dict:
    clocks.advance(5)
    answer = client.get("/kiosk/sign-in/status", headers={"Accept": "application/json"})
    assert answer.status_code == 200, answer.text
    return answer.json()


class TestUnregisteredDevice:
    def test_gets_a_bilingual_403_at_the_kiosk_start(self, client, kiosks):
        page = client.get("/kiosk/")
        assert page.status_code == 403
        assert 'data-code="kiosk_not_registered"' in page.text
        assert "เครื่องนี้ไม่ได้ลงทะเบียนเป็นตู้บริการ" in page.text
        assert "This device is not registered as a kiosk" in page.text

    def test_cannot_start_a_sign_in(self, client, kiosks):
        fields = csrf_fields(client, "/kiosk/activate")
        answer = client.post("/kiosk/sign-in", data=fields)
        assert answer.status_code == 403
        assert client.get("/kiosk/sign-in/status").json()["error"] == "kiosk_not_registered"

    def test_a_forged_credential_is_refused(self, client, kiosks):
        client.cookies.set("portal_kiosk_device", "forged", path="/kiosk")
        assert client.get("/kiosk/").status_code == 403

    def test_a_wrong_activation_code_sets_no_credential(self, client, clean_engine, kiosks):
        register(clean_engine, kiosks)
        fields = csrf_fields(client, "/kiosk/activate")
        answer = client.post("/kiosk/activate", data=fields | {"activation_code": "BCDF-GHJK-LMNP"})
        assert answer.status_code == 400
        assert 'data-code="invalid_activation_code"' in answer.text
        assert "portal_kiosk_device" not in answer.headers.get("set-cookie", "")

    def test_a_disabled_kiosk_is_refused(self, activated, clean_engine, kiosks):
        with Session(clean_engine) as db:
            device = db.exec(select(kiosks.models.KioskDevice)).one()
            kiosks.service.disable_kiosk(db, device_id=device.id)
            db.commit()
        assert activated.get("/kiosk/").status_code == 403


class TestSignInWithPhone:
    def test_the_device_credential_cookie_is_strict_and_scoped(self, client, clean_engine, kiosks):
        code = register(clean_engine, kiosks)
        fields = csrf_fields(client, "/kiosk/activate")
        answer = client.post(
            "/kiosk/activate", data=fields | {"activation_code": code}, follow_redirects=False
        )
        cookie = answer.headers["set-cookie"]
        assert cookie.startswith("portal_kiosk_device=")
        assert "HttpOnly" in cookie and "samesite=strict" in cookie.lower()
        assert "Path=/kiosk" in cookie and "Max-Age=34560000" in cookie

    def test_the_start_page_offers_the_phone_and_no_password(self, activated):
        page = activated.get("/kiosk/")
        assert page.status_code == 200
        assert "เลือกหนังสือรับรอง" in page.text and "Choose a certificate" in page.text
        assert "เข้าสู่ระบบด้วยโทรศัพท์" in page.text and "sign in with your phone" in page.text
        assert 'name="password"' not in page.text
        assert "/login" not in page.text
        assert page.headers["cache-control"] == "private, no-store"

    def test_allowing_on_the_phone_signs_the_kiosk_in(self, activated, clocks, holders):
        person = holders[1]
        uri, code = start_sign_in(activated)
        assert uri.endswith(f"user_code={code}")
        assert poll(activated, clocks)["state"] == "pending"

        phone_decides(uri, person)
        answer = activated.get("/kiosk/sign-in/status")
        assert answer.json()["state"] == "pending"  # within the interval: the provider is spared
        result = poll(activated, clocks)

        assert result == {"state": "signed_in", "next": "/kiosk/home"}
        home = activated.get("/kiosk/home")
        assert home.status_code == 200
        assert str(home.url).endswith("/kiosk/choose")  # no certificate chosen before signing in
        assert f"{person.given_name_th} {person.family_name_th[0]}***" in home.text
        assert person.family_name_th not in home.text
        assert person.national_id not in home.text
        assert "เสร็จสิ้น" in home.text and "Finish" in home.text

    def test_denying_on_the_phone_is_reported(self, activated, clocks, holders):
        uri, _ = start_sign_in(activated)
        phone_decides(uri, holders[1], action="deny")
        assert poll(activated, clocks) == {"state": "denied"}
        assert poll(activated, clocks) == {"state": "denied"}  # and stays so, without polling
        assert activated.get("/kiosk/home", follow_redirects=False).status_code == 303

    def test_an_unused_code_expires(self, activated, clocks):
        start_sign_in(activated)
        clocks.advance(600)
        assert poll(activated, clocks) == {"state": "expired"}

    def test_polling_too_fast_is_slowed_down(self, activated, clocks, kiosks, clean_engine):
        start_sign_in(activated)
        # The provider counts from its own last poll: make the portal poll at once, twice.
        with Session(clean_engine) as db:
            pending = db.exec(select(kiosks.models.KioskSignIn)).one()
            pending.next_poll_at = clocks.portal.now
            db.add(pending)
            db.commit()
        first = activated.get("/kiosk/sign-in/status").json()
        with Session(clean_engine) as db:
            pending = db.exec(select(kiosks.models.KioskSignIn)).one()
            pending.next_poll_at = clocks.portal.now
            db.add(pending)
            db.commit()
        second = activated.get("/kiosk/sign-in/status").json()
        assert first["state"] == second["state"] == "pending"
        assert second["interval"] == 10


class TestFinish:
    def sign_in(self, client, clocks, person) -> None:
        uri, _ = start_sign_in(client)
        phone_decides(uri, person)
        assert poll(client, clocks)["state"] == "signed_in"

    def test_finish_ends_the_session_and_wipes_the_browser(self, activated, clocks, holders):
        self.sign_in(activated, clocks, holders[1])
        fields = csrf_fields(activated, "/kiosk/home")
        done = activated.post("/kiosk/finish", data=fields)

        assert done.status_code == 200
        assert "ไม่มีข้อมูลใดของท่านเหลืออยู่บนตู้บริการนี้" in done.text
        assert "Nothing of yours remains on this kiosk" in done.text
        assert done.headers["clear-site-data"] == '"cache", "storage"'
        deleted = [c for c in done.headers.get_list("set-cookie") if "Max-Age=0" in c]
        names = {c.split("=", 1)[0] for c in deleted}
        assert {"portal_kiosk_session", "portal_csrf", "portal_session"} <= names
        assert "portal_kiosk_device" not in names
        home = activated.get("/kiosk/home", follow_redirects=False)
        assert home.status_code == 303 and home.headers["location"] == "/kiosk/"
        assert activated.get("/kiosk/").status_code == 200  # still a registered kiosk

    def test_an_old_session_token_no_longer_works(self, activated, clocks, holders):
        self.sign_in(activated, clocks, holders[1])
        token = activated.cookies.get("portal_kiosk_session")
        activated.post("/kiosk/finish", data=csrf_fields(activated, "/kiosk/home"))
        activated.cookies.set("portal_kiosk_session", token, path="/kiosk")
        assert activated.get("/kiosk/home", follow_redirects=False).status_code == 303

    def test_the_session_ends_after_five_minutes(self, activated, clocks, holders):
        self.sign_in(activated, clocks, holders[1])
        for _ in range(4):  # touching the screen every minute: never idle
            clocks.advance(60)
            assert activated.get("/kiosk/choose", follow_redirects=False).status_code == 200
        clocks.advance(59)
        assert activated.get("/kiosk/choose", follow_redirects=False).status_code == 200
        clocks.advance(1)
        home = activated.get("/kiosk/choose", follow_redirects=False)
        assert home.status_code == 303 and home.headers["location"] == "/kiosk/"
