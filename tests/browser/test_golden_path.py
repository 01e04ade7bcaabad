"""The golden path in headless Chromium, clicked through as a person would: sign in with the
digital ID, find the certificate of residence, apply, wait, download the signed PDF and verify
it (the same journey as tests/e2e/test_golden_path.py, through the real pages)."""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from portal.templating import BANGKOK
from services.dopa.people import Person
from tests.fixtures.browser import (
    DESKTOP,
    PHONE,
    SCREENSHOT_DIR,
    Screenshots,
    approve_in_browser,
    horizontal_overflow,
)

pytestmark = pytest.mark.browser


class Journey:
    """Takes a numbered screenshot of each step and checks the page fits a desktop and a phone."""

    def __init__(self, page: Page, screenshots: Screenshots) -> None:
        self.page = page
        self.screenshots = screenshots

    def step(self, name: str) -> None:
        self.screenshots.take(self.page, name)
        assert horizontal_overflow(self.page) == [], f"{name} at {DESKTOP['width']}px"
        self.page.set_viewport_size(PHONE)
        try:
            self.screenshots.take(self.page, f"{name}-phone")
            assert horizontal_overflow(self.page) == [], f"{name} at {PHONE['width']}px"
        finally:
            self.page.set_viewport_size(DESKTOP)


@pytest.mark.parametrize(
    ("who", "demo_link"),
    [
        pytest.param(1, False, id="types-citizen-id"),
        pytest.param(2, True, id="longest-names-picks-demo-account"),
    ],
)
def test_citizen_gets_and_verifies_a_certificate_of_residence(
    live_portal,
    people: list[Person],
    page: Page,
    screenshots: Screenshots,
    tmp_path: Path,
    who: int,
    demo_link: bool,
):
    person = people[who]
    base = live_portal.url
    journey = Journey(page, screenshots)
    heading = page.get_by_role("heading", level=1)

    page.goto(f"{base}/")
    expect(heading).to_have_text("บริการภาครัฐในหน้าต่างเดียว")
    journey.step("home")

    page.get_by_role("main").get_by_role("link", name="เข้าสู่ระบบด้วยดิจิทัลไอดี").click()
    expect(page).to_have_url(re.compile(r"/authorize\?"))
    screenshots.take(page, "provider")
    approve_in_browser(page, person, demo_link=demo_link)

    expect(page).to_have_url(f"{base}/services")
    banner = page.get_by_role("banner")
    expect(banner).to_contain_text(f"{person.title_th} {person.given_name_th}")
    expect(banner).to_contain_text(person.family_name_th)
    journey.step("signed-in")

    nav = page.get_by_role("navigation", name="เมนูหลัก")
    nav.get_by_role("link", name="บริการ", exact=True).click()
    page.get_by_label("ค้นหาบริการ").fill("อยู่อาศัย")
    page.get_by_role("button", name="ค้นหา", exact=True).click()
    expect(page.get_by_role("status")).to_have_text("พบ 1 บริการ")
    journey.step("search")

    page.get_by_role("link", name="หนังสือรับรองการอยู่อาศัย").click()
    expect(heading).to_have_text("หนังสือรับรองการอยู่อาศัย")
    journey.step("service")

    page.get_by_role("link", name="ยื่นคำขอ").click()
    expect(page).to_have_url(f"{base}/services/dopa.residence-certificate/apply")
    page.get_by_label("ข้าพเจ้ายินยอมให้พอร์ทัลดึงข้อมูลนี้").check()
    page.get_by_label("วัตถุประสงค์ในการขอ").select_option(label="ใช้ประกอบการสมัครงาน")
    journey.step("apply")
    page.get_by_role("button", name="ยื่นคำขอ").click()

    expect(page).to_have_url(re.compile(rf"^{re.escape(base)}/petitions/[^/]+$"))
    # The page refreshes itself while the worker fetches the data and issues the certificate.
    expect(page.locator("#petition-state[data-state=issued]")).to_be_attached(timeout=30_000)
    expect(page.get_by_role("status")).to_have_text("ออกเอกสารแล้ว")
    journey.step("petition-issued")

    page.get_by_role("link", name="เปิดหนังสือรับรอง").click()
    expect(page.locator("#issued-certificate")).to_be_visible()
    expect(heading).to_contain_text("หนังสือรับรองการอยู่อาศัย")
    number = page.locator("#document-number").inner_text()
    assert re.fullmatch(r"DOPA-\d{4}-[A-Z0-9]+", number), number
    certificate_shot = "certificate-page.png" if who == 1 else "certificate-page-longest-names.png"
    page.screenshot(path=SCREENSHOT_DIR / certificate_shot, full_page=True)
    journey.step("certificate")

    with page.expect_download() as download_info:
        page.locator("#download-pdf").click()
    download = download_info.value
    assert download.suggested_filename == f"{number}.pdf"
    pdf = tmp_path / download.suggested_filename
    download.save_as(pdf)
    assert pdf.read_bytes().startswith(b"%PDF-")

    page.get_by_role("link", name="หน้าตรวจสอบเอกสาร").click()
    # The owner's link carries the check code printed on the document, so details show.
    expect(page).to_have_url(
        re.compile(rf"^{re.escape(base)}/verify/{number}\?code=[0-9A-Z]{{6}}$")
    )
    expect(page.locator("#verdict")).to_have_attribute("data-genuine", "true")
    expect(page.get_by_role("main")).to_contain_text(number)
    journey.step("verify-by-number")

    nav.get_by_role("link", name="ตรวจสอบเอกสาร", exact=True).click()
    expect(heading).to_have_text("ตรวจสอบเอกสาร")
    page.get_by_label("ไฟล์ PDF").set_input_files(pdf)
    journey.step("verify-upload-form")
    page.get_by_role("button", name="ตรวจสอบไฟล์").click()
    expect(page.locator("#verdict")).to_have_attribute("data-genuine", "true")
    expect(page.locator("#verdict")).to_contain_text("ของจริง")
    journey.step("verify-upload-genuine")

    altered = bytearray(pdf.read_bytes())
    altered[-200] ^= 0x20
    altered_pdf = tmp_path / "altered.pdf"
    altered_pdf.write_bytes(bytes(altered))
    page.get_by_role("link", name="ตรวจสอบเอกสารอื่น").click()
    page.get_by_label("ไฟล์ PDF").set_input_files(altered_pdf)
    page.get_by_role("button", name="ตรวจสอบไฟล์").click()
    expect(page.locator("#verdict")).to_have_attribute("data-genuine", "false")
    expect(page.locator("#verdict")).to_contain_text("ไม่ใช่ของจริง")
    journey.step("verify-upload-altered")

    # The verify pages are public and show no account (see the report): go home first.
    page.get_by_role("link", name="พอร์ทัลบริการประชาชน").click()
    expect(page.get_by_role("banner")).to_contain_text(person.given_name_th)
    for name, link in [
        ("my-petitions", "คำขอของฉัน"),
        ("my-documents", "เอกสารของฉัน"),
        ("data-access", "ใครใช้ข้อมูลของฉัน"),
    ]:
        nav.get_by_role("link", name=link, exact=True).click()
        expect(heading).to_have_text(link)
        journey.step(name)
    # Who used my data: the read made for this petition, from whom, what, why and for what.
    access_log = page.get_by_role("table", name="ใครใช้ข้อมูลของฉัน")
    read = access_log.get_by_role("row").filter(has_text="กรมการปกครอง")
    expect(read).to_have_count(1)
    expect(read).to_contain_text("ที่อยู่ตามทะเบียนบ้าน")
    expect(read).to_contain_text("วันที่ย้ายเข้าบ้านนี้")
    expect(read).to_contain_text("เพื่อออกหนังสือรับรองการอยู่อาศัยตามคำขอของท่าน")
    expect(read).to_contain_text("หนังสือรับรองการอยู่อาศัย")
    expect(read).to_contain_text(str(datetime.now(BANGKOK).year + 543))  # Buddhist era
