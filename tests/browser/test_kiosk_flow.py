"""The whole kiosk journey in headless Chromium at a kiosk's screen (portrait 1080×1920), with
real sockets everywhere: the portal with its worker, the agencies' registries, the provider,
the citizen's phone as a second browser context, and the simulated bank paying the PromptPay
code read off the kiosk's screen. Every step is checked with axe-core (WCAG 2.1 AA) and for
48 px targets, and screenshotted into test-output/kiosk/NN-step.png.

The second run idles into the timeout and checks that the start screen, the storage, the
cookies and the DOM keep nothing of the session.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import BrowserContext, Page, expect
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from documents.models import Document
from documents.service import read_document_pdf
from portal.app import create_app
from portal.servers import demo_account_holders
from services.dopa.people import Person
from tests.browser.test_accessibility import AXE, axe_violations
from tests.fixtures.browser import PHONE, ROOT, approve_in_browser, small_targets
from tests.fixtures.servers import LiveServer, Ports, free_port, make_settings, start_live_server

pytestmark = pytest.mark.browser

KIOSK = {"width": 1080, "height": 1920}
SHOTS = ROOT / "test-output" / "kiosk"
VEHICLES = "หนังสือรับรองรายการจดทะเบียนรถ"  # DLT, 50 baht


class Steps:
    """Numbered screenshots, each step checked by axe-core and for small targets first."""

    def __init__(self, folder: Path, prefix: str = "") -> None:
        self.folder = folder
        self.prefix = prefix
        self.count = 0

    def check(self, page: Page, name: str, *, axe: bool = True) -> None:
        if axe:
            assert axe_violations(page) == [], name
            assert small_targets(page, 48) == [], name
        self.count += 1
        page.screenshot(
            path=self.folder / f"{self.prefix}{self.count:02d}-{name}.png", full_page=True
        )


@pytest.fixture
def kiosk_context(new_context: Callable[..., BrowserContext]) -> BrowserContext:
    if not AXE.exists():
        pytest.skip(f"axe-core is not installed at {AXE.relative_to(ROOT)}: run `make axe` (npm)")
    # axe is injected as a script: the portal's CSP would refuse it (as test_accessibility).
    return new_context(viewport=KIOSK, bypass_csp=True, has_touch=True)


def activate_kiosk(page: Page, base: str, engine: Engine, steps: Steps | None) -> None:
    from identity.kiosks.service import register_kiosk

    with Session(engine) as db:
        _, code = register_kiosk(db, name="ตู้ 1", location="สำนักงานเขตบางรัก", agency="dopa")
        db.commit()
    page.goto(f"{base}/kiosk/activate")
    page.get_by_label(re.compile("รหัสเปิดใช้งาน")).fill(code)
    if steps:
        steps.check(page, "activate")
    page.get_by_role("button", name=re.compile("เปิดใช้งาน")).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("ยินดีต้อนรับ")


def sign_in_on_phone(
    kiosk: Page, new_context: Callable[..., BrowserContext], person: Person, steps: Steps | None
) -> None:
    """The citizen's phone: opens what the QR code holds and allows at the provider."""
    user_code = kiosk.locator(".user-code").inner_text().strip()
    phone = new_context(viewport=PHONE, is_mobile=True, has_touch=True).new_page()
    phone.goto(kiosk.locator(".kiosk-uri").inner_text().strip() + f"?user_code={user_code}")
    expect(phone.get_by_label(re.compile("รหัสจากตู้บริการ"))).to_have_value(user_code)
    phone.get_by_role("button", name=re.compile("ดำเนินการต่อ")).click()
    if steps:
        steps.check(phone, "phone-sign-in", axe=False)
    approve_in_browser(phone, person)
    expect(phone.get_by_role("main")).to_contain_text("kiosk")
    if steps:
        steps.check(phone, "phone-allowed", axe=False)


def petition_progress(engine: Engine) -> list[tuple[str, str, str]]:
    """Each petition's state and its jobs' states and last errors (for a failure message)."""
    from services.petitions.models import Petition, PetitionJob

    with Session(engine) as db:
        return [
            (p.state, j.state, j.last_error)
            for p in db.exec(select(Petition)).all()
            for j in db.exec(select(PetitionJob).where(PetitionJob.petition_id == p.id)).all()
        ]


def decode_qr_of(pdf: bytes, folder: Path) -> list[str]:
    """The QR codes printed on the PDF, as a scanner reads them off a 200 dpi rendering."""
    (folder / "printed.pdf").write_bytes(pdf)
    stem = folder / "printed"
    subprocess.run(
        ["pdftoppm", "-r", "200", "-png", "-singlefile", str(folder / "printed.pdf"), str(stem)],
        check=True,
    )
    found = subprocess.run(
        ["zbarimg", "--quiet", "--raw", "-Sdisable", "-Sqrcode.enable", f"{stem}.png"],
        capture_output=True,
        text=True,
    )
    return [line for line in found.stdout.splitlines() if line]


def test_a_citizen_gets_a_paid_certificate_printed_at_a_kiosk(
    live_portal: LiveServer,
    simulated_bank,
    clean_engine: Engine,
    people: list[Person],
    kiosk_context: BrowserContext,
    new_context: Callable[..., BrowserContext],
    tmp_path: Path,
    data_dir: Path,
):
    if shutil.which("zbarimg") is None or shutil.which("pdftoppm") is None:
        pytest.skip("needs zbar-tools and poppler-utils (make install)")
    shutil.rmtree(SHOTS, ignore_errors=True)
    SHOTS.mkdir(parents=True)
    steps = Steps(SHOTS)
    base = live_portal.url
    person = demo_account_holders(people)[1]  # owns a motorcycle in the DLT register
    kiosk = kiosk_context.new_page()
    heading = kiosk.get_by_role("heading", level=1)
    guidance: list[dict] = []
    kiosk.expose_function("recordGuidance", lambda detail: guidance.append(detail))
    kiosk.add_init_script(
        "document.addEventListener('kiosk:guidance', e => window.recordGuidance(e.detail))"
    )
    # Headless Chromium has no printer: a print() on its PDF viewer takes the page down. The
    # kiosk's print hook records which frame would have been printed instead.
    printed_frames: list[str] = []
    kiosk.expose_function("recordPrint", lambda src: printed_frames.append(src))
    kiosk.add_init_script("window.kioskPrint = frame => window.recordPrint(frame.src)")

    activate_kiosk(kiosk, base, clean_engine, steps)

    # 1. Choose a certificate (before signing in): kiosk services only, with their fees.
    choice = kiosk.get_by_role("button", name=re.compile(VEHICLES))
    expect(choice).to_contain_text("50")
    expect(kiosk.locator("#kiosk-guidance")).to_have_attribute("data-guidance", re.compile("เลือก"))
    steps.check(kiosk, "choose")
    choice.click()

    # 2. Sign in with the phone.
    expect(kiosk.locator(".kiosk-qr svg")).to_be_visible()
    expect(kiosk.locator("#kiosk-chosen")).to_contain_text(VEHICLES)
    steps.check(kiosk, "sign-in-qr")
    sign_in_on_phone(kiosk, new_context, person, steps)

    # 3. Confirm the person (masked) and the document; consent; keyboard alone.
    expect(kiosk).to_have_url(f"{base}/kiosk/confirm", timeout=30_000)
    expect(kiosk.locator("#kiosk-name")).to_contain_text(
        f"{person.given_name_th} {person.family_name_th[0]}***"
    )
    assert person.family_name_th not in kiosk.content()
    assert person.national_id not in kiosk.content()
    expect(kiosk.locator(".kiosk-consent")).to_contain_text("กรมการขนส่งทางบก")
    steps.check(kiosk, "confirm")
    agree = kiosk.get_by_role("button", name=re.compile("ยินยอม"))
    agree.focus()
    kiosk.keyboard.press("Enter")

    # 4. Wait while the worker issues (seconds), then 5. pay.
    expect(kiosk).to_have_url(re.compile(r"/kiosk/(wait|pay)$"))
    if kiosk.url.endswith("/wait"):
        steps.check(kiosk, "wait")
    try:
        # The first certificate of a process also loads WeasyPrint and the fonts.
        expect(kiosk).to_have_url(f"{base}/kiosk/pay", timeout=60_000)
    except AssertionError:
        raise AssertionError(f"not issued: {petition_progress(clean_engine)}") from None
    expect(kiosk.locator("#kiosk-amount")).to_contain_text("50.00")
    steps.check(kiosk, "pay")
    payload = kiosk.locator("#kiosk-promptpay").get_attribute("data-payload")
    assert payload and payload.startswith("000201")
    paid = simulated_bank.pay(payload)
    assert paid["callback_status"] == 200, paid

    # 6. Print: the page loads the session-bound PDF into its hidden frame and prints it.
    expect(kiosk).to_have_url(f"{base}/kiosk/print", timeout=15_000)
    expect(kiosk.locator("#kiosk-fee-state")).to_contain_text("ชำระค่าธรรมเนียมแล้ว")
    steps.check(kiosk, "print")
    with kiosk.expect_response(re.compile(r"/kiosk/prints/\d+/pdf$")) as served:
        kiosk.get_by_role("button", name=re.compile("^พิมพ์")).click()
    assert served.value.status == 200
    assert served.value.headers["content-type"] == "application/pdf"
    # Chromium hands the frame to its PDF viewer, so the bytes are asked for again with the
    # kiosk's own cookies (the same session-bound URL the frame loaded).
    pdf = kiosk.context.request.get(served.value.url).body()
    assert pdf.startswith(b"%PDF")

    # 7. "Take your document"; a reprint only now.
    expect(heading).to_contain_text("กรุณารับเอกสารของท่าน")
    expect(kiosk.get_by_role("button", name=re.compile("พิมพ์อีกครั้ง"))).to_be_visible()
    assert "shown=1" in kiosk.url  # a reload will not print an unrecorded copy
    for _ in range(50):
        if printed_frames:
            break
        kiosk.wait_for_timeout(100)
    assert printed_frames == [served.value.url]  # the frame with the PDF went to the printer
    steps.check(kiosk, "take-your-document")

    from identity.kiosks.models import KioskPrint

    with Session(clean_engine) as db:
        (job,) = db.exec(select(KioskPrint)).all()
        document = db.get(Document, job.document_id)
        assert document is not None and document.petition_id is not None
        assert (job.copy_number, job.method, job.state) == (1, "browser", "sent")
        assert pdf == read_document_pdf(data_dir, document)
    # The printed copy's QR code verifies.
    codes = decode_qr_of(pdf, tmp_path)
    verify_url = next(c for c in codes if "/v/" in c)
    assert verify_url.startswith(f"{base}/v/{document.number}/")
    verified = httpx.get(verify_url, headers={"Accept-Language": "th"})
    assert verified.status_code == 200
    assert 'data-status="valid"' in verified.text and 'data-valid="true"' in verified.text

    from identity.kiosks.models import KioskDevice

    with Session(clean_engine) as db:  # the page's heartbeat reached the portal
        (device,) = db.exec(select(KioskDevice)).all()
        assert device.printer_status == "ok" and device.status_reported_at is not None

    kiosk.get_by_role("button", name=re.compile("เสร็จสิ้นและล้างหน้าจอ")).click()
    expect(heading).to_contain_text("เสร็จสิ้นแล้ว")
    steps.check(kiosk, "finished")
    names = {c["name"] for c in kiosk.context.cookies()}
    assert "portal_kiosk_session" not in names and "portal_kiosk_device" in names
    # Every step told the audio hook what to say, in Thai and English.
    assert len(guidance) >= 6 and all(g["th"] and g["en"] and g["th"] != g["en"] for g in guidance)


@pytest.fixture
def impatient_portal(
    live_servers: dict[str, LiveServer],
    data_dir: Path,
    ports: Ports,
    database_url: str,
    clean_engine: Engine,
) -> Iterator[LiveServer]:
    """The portal with a 3-second idle time and a 3-second "are you still there?"."""
    port = free_port()
    settings = make_settings(
        data_dir=data_dir,
        ports=ports,
        database_url=database_url,
        base_url=f"http://127.0.0.1:{port}",
        run_worker_in_process=True,
        kiosk_idle_seconds=3,
        kiosk_idle_warning_seconds=3,
    )
    server = start_live_server(create_app(settings), port)
    yield server
    server.stop()


def test_an_idle_kiosk_wipes_itself_and_keeps_nothing_of_the_session(
    impatient_portal: LiveServer,
    clean_engine: Engine,
    people: list[Person],
    kiosk_context: BrowserContext,
    new_context: Callable[..., BrowserContext],
):
    steps = Steps(SHOTS, prefix="timeout-")
    SHOTS.mkdir(parents=True, exist_ok=True)
    base = impatient_portal.url
    person = demo_account_holders(people)[1]
    kiosk = kiosk_context.new_page()
    heading = kiosk.get_by_role("heading", level=1)
    activate_kiosk(kiosk, base, clean_engine, None)
    kiosk.get_by_role("button", name=re.compile(VEHICLES)).click()
    sign_in_on_phone(kiosk, new_context, person, None)
    expect(kiosk).to_have_url(f"{base}/kiosk/confirm", timeout=30_000)
    csrf_before = next(c["value"] for c in kiosk.context.cookies() if c["name"] == "portal_csrf")
    # What a plug-in or a careless page might have left behind.
    kiosk.evaluate(
        "() => { localStorage.setItem('left', 'behind'); sessionStorage.setItem('left', 'x'); }"
    )

    # "Are you still there?" — a touch continues...
    dialog = kiosk.locator("#kiosk-idle")
    expect(dialog).to_be_visible(timeout=10_000)
    expect(dialog).to_contain_text("ท่านยังใช้งานอยู่หรือไม่")
    steps.check(kiosk, "are-you-still-there")
    kiosk.get_by_role("button", name=re.compile("ดำเนินการต่อ")).click()
    expect(dialog).to_be_hidden()
    expect(kiosk).to_have_url(f"{base}/kiosk/confirm")

    # ...and no touch wipes the kiosk: back to the start screen with nothing left.
    expect(dialog).to_be_visible(timeout=10_000)
    expect(kiosk).to_have_url(f"{base}/kiosk/", timeout=15_000)
    expect(heading).to_contain_text("ยินดีต้อนรับ")
    steps.check(kiosk, "start-after-timeout")
    assert kiosk.evaluate("() => localStorage.length + sessionStorage.length") == 0
    cookies = {c["name"]: c["value"] for c in kiosk.context.cookies()}
    assert "portal_kiosk_session" not in cookies and "portal_kiosk_service" not in cookies
    assert "portal_kiosk_device" in cookies
    assert cookies.get("portal_csrf") != csrf_before  # a fresh secret for the next person
    content = kiosk.content()
    for trace in (
        person.given_name_th,
        person.family_name_th,
        person.given_name_en,
        person.national_id,
        "***",
    ):
        assert trace not in content
    from identity.kiosks.models import KioskSession

    with Session(clean_engine) as db:
        (ended,) = db.exec(select(KioskSession)).all()
        assert ended.ended_at is not None
