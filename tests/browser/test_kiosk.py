"""A kiosk in headless Chromium (portrait 1080×1920) and the citizen's phone as a second browser
context: the kiosk shows a QR code and a code, the phone signs in and allows at the provider,
the kiosk moves on by itself, and "Finish" wipes it. Screenshots in test-output/browser/kiosk/.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import BrowserContext, Page, expect
from sqlalchemy.engine import Engine
from sqlmodel import Session

from identity.provider.accounts import ProviderClient
from identity.provider.app import create_provider_app
from portal.app import create_app
from portal.servers import demo_account_holders, provider_account
from portal.settings import Settings
from services.dopa.people import Person
from tests.fixtures.browser import PHONE, SCREENSHOT_DIR, approve_in_browser, small_targets
from tests.fixtures.servers import LiveServer, Ports, free_port, make_settings, start_live_server
from tests.identity.kiosks.conftest import create_kiosk_tables

pytestmark = pytest.mark.browser

KIOSK = {"width": 1080, "height": 1920}
DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"


@pytest.fixture
def kiosk_portal(
    tmp_path: Path,
    people: list[Person],
    data_dir: Path,
    ports: Ports,
    database_url: str,
    clean_engine: Engine,
) -> Iterator[LiveServer]:
    """The portal with the kiosk pages on a real port, and a provider allowing it the device
    grant."""
    create_kiosk_tables(clean_engine)
    provider_port, portal_port = free_port(), free_port()
    issuer = f"http://127.0.0.1:{provider_port}"
    portal_url = f"http://127.0.0.1:{portal_port}"
    client = Settings(env="development", oidc_issuer=issuer)
    provider = start_live_server(
        create_provider_app(
            issuer=issuer,
            key_path=tmp_path / "signing-key.pem",
            clients=[
                ProviderClient(
                    client_id=client.oidc_client_id,
                    client_secret=client.oidc_client_secret,
                    redirect_uris=(f"{portal_url}/auth/callback",),
                    grant_types=("authorization_code", "refresh_token", DEVICE_GRANT),
                )
            ],
            accounts=[provider_account(p, ial=2.3) for p in demo_account_holders(people)],
        ),
        provider_port,
    )
    settings = make_settings(
        data_dir=data_dir, ports=ports, database_url=database_url, base_url=portal_url
    ).model_copy(update={"oidc_issuer": issuer})
    portal = start_live_server(create_app(settings), portal_port)
    yield portal
    portal.stop()
    provider.stop()


def test_citizen_signs_in_at_a_kiosk_with_their_phone_and_finishes(
    kiosk_portal: LiveServer,
    clean_engine: Engine,
    people: list[Person],
    new_context: Callable[..., BrowserContext],
):
    from identity.kiosks.service import register_kiosk

    folder = SCREENSHOT_DIR / "kiosk"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    shots = iter(range(1, 100))

    def shot(page: Page, name: str) -> None:
        page.screenshot(path=folder / f"{next(shots):02d}-{name}.png", full_page=True)

    person = demo_account_holders(people)[1]
    base = kiosk_portal.url
    with Session(clean_engine) as db:
        _, code = register_kiosk(db, name="ตู้ 1", location="สำนักงานเขตบางรัก", agency="dopa")
        db.commit()

    kiosk = new_context(viewport=KIOSK).new_page()
    heading = kiosk.get_by_role("heading", level=1)

    kiosk.goto(f"{base}/kiosk/")
    expect(heading).to_contain_text("เครื่องนี้ไม่ได้ลงทะเบียนเป็นตู้บริการ")
    shot(kiosk, "not-registered")

    kiosk.get_by_role("link", name=re.compile("เปิดใช้งานตู้บริการนี้")).click()
    kiosk.get_by_label(re.compile("รหัสเปิดใช้งาน")).fill(code)
    kiosk.get_by_role("button", name=re.compile("เปิดใช้งาน")).click()
    expect(heading).to_contain_text("ยินดีต้อนรับ")
    assert small_targets(kiosk, 48) == []
    shot(kiosk, "start")

    # A certificate first (the whole journey is tests/browser/test_kiosk_flow.py).
    kiosk.get_by_role("button", name=re.compile("หนังสือรับรองสิทธิหลักประกันสุขภาพ")).click()
    expect(kiosk.locator(".kiosk-qr svg")).to_be_visible()
    user_code = kiosk.locator(".user-code").inner_text().strip()
    assert re.fullmatch(r"[A-Z]{4}-[A-Z]{4}", user_code)
    first = kiosk.locator("#kiosk-countdown").inner_text()
    kiosk.wait_for_timeout(1500)
    assert kiosk.locator("#kiosk-countdown").inner_text() != first  # the countdown runs
    assert small_targets(kiosk, 48) == []
    shot(kiosk, "qr-and-code")

    # The phone: what the QR code holds, opened in a browser of its own.
    phone = new_context(viewport=PHONE, is_mobile=True, has_touch=True).new_page()
    uri = kiosk.locator(".kiosk-uri").inner_text().strip() + f"?user_code={user_code}"
    phone.goto(uri)
    expect(phone.get_by_label(re.compile("รหัสจากตู้บริการ"))).to_have_value(user_code)
    phone.get_by_role("button", name=re.compile("ดำเนินการต่อ")).click()
    shot(phone, "phone-sign-in")
    approve_in_browser(phone, person)
    expect(phone.get_by_role("main")).to_contain_text("kiosk")
    shot(phone, "phone-done")

    # The kiosk notices by itself (it polls every 5 s).
    expect(kiosk).to_have_url(f"{base}/kiosk/confirm", timeout=30_000)
    expect(kiosk.locator(".kiosk-name")).to_contain_text(
        f"{person.given_name_th} {person.family_name_th[0]}***"
    )
    assert person.family_name_th not in kiosk.content()
    assert small_targets(kiosk, 48) == []
    shot(kiosk, "signed-in")

    kiosk.get_by_role("button", name=re.compile("เสร็จสิ้นและล้างหน้าจอ")).click()
    expect(heading).to_contain_text("เสร็จสิ้นแล้ว")
    expect(kiosk.get_by_role("main")).to_contain_text("ไม่มีข้อมูลใดของท่านเหลืออยู่บนตู้บริการนี้")
    shot(kiosk, "finished")
    names = {c["name"] for c in kiosk.context.cookies()}
    assert "portal_kiosk_session" not in names
    assert "portal_kiosk_device" in names  # still a registered kiosk

    kiosk.goto(f"{base}/kiosk/home")
    expect(kiosk).to_have_url(f"{base}/kiosk/")
    expect(heading).to_contain_text("ยินดีต้อนรับ")
    shot(kiosk, "ready-for-the-next-person")
