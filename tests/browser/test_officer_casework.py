"""An officer's day in headless Chromium, with the citizen in a second browser: the citizen asks
for a certificate of tax residence (decided by one officer); the officer signs in with a TOTP
second factor, claims it from the queue and asks for more information; the citizen answers in
the portal; the officer approves; the certificate is issued and arrives in the citizen's mailbox.
"""

from __future__ import annotations

import re

import pyotp
import pytest
from playwright.sync_api import BrowserContext, Page, expect

from portal.seed import seed_demo_back_office
from portal.servers import demo_account_holders
from services.dopa.people import Person
from tests.fixtures.browser import Screenshots, approve_in_browser, sign_in_in_browser

pytestmark = pytest.mark.browser

TAX_RESIDENCE = "rd.tax-residence-certificate"


def officer_signs_in(page: Page, base: str, officer: Person) -> None:
    """Back-office sign-in through the provider, then TOTP enrolment read off the page."""
    page.goto(f"{base}/backoffice/login")
    approve_in_browser(page, officer)
    expect(page).to_have_url(f"{base}/backoffice/second-factor", timeout=15_000)
    uri = page.locator("#totp-uri").inner_text()
    page.get_by_label("รหัส 6 หลัก").fill(pyotp.parse_uri(uri).now())
    page.get_by_role("button", name="ยืนยัน").click()
    expect(page).to_have_url(f"{base}/backoffice/")


def test_officer_asks_for_more_then_approves_and_the_certificate_reaches_the_mailbox(
    live_portal,
    database_url: str,
    people: list[Person],
    page: Page,
    new_context,
    screenshots: Screenshots,
):
    base = live_portal.url
    holders = demo_account_holders(people)
    citizen = holders[0]  # IAL 2.3: enough for this service (2.1)
    seed_demo_back_office(database_url, holders)
    officer = holders[4]  # a Revenue Department officer in the demo
    heading = page.get_by_role("heading", level=1)

    # The citizen applies.
    sign_in_in_browser(page, base, citizen, next_url=f"/services/{TAX_RESIDENCE}/apply")
    expect(page).to_have_url(f"{base}/services/{TAX_RESIDENCE}/apply")
    for consent in page.get_by_label("ข้าพเจ้ายินยอมให้พอร์ทัลดึงข้อมูลนี้เพื่อวัตถุประสงค์ข้างต้น").all():
        consent.check()
    page.get_by_label("ปีภาษี (พ.ศ.)").fill("2567")
    page.get_by_label("ประเทศที่จะนำหนังสือรับรองไปใช้").fill("ญี่ปุ่น")
    page.get_by_role("button", name="ยื่นคำขอ").click()
    expect(page).to_have_url(re.compile(rf"^{re.escape(base)}/petitions/[^/?]+$"))
    petition_url = page.url
    petition_id = petition_url.rsplit("/", 1)[1]
    # The expected completion date is on the first page after filing.
    expect(page.locator("#petition-due")).to_contain_text(re.compile(r"25\d\d"))
    expect(page.locator("#petition-state[data-state=in_review]")).to_be_attached(timeout=30_000)
    screenshots.take(page, "citizen-filed")

    # The officer, in another browser, claims it from the queue and asks for more.
    office: BrowserContext = new_context()
    desk = office.new_page()
    officer_signs_in(desk, base, officer)
    row = desk.get_by_role("row").filter(
        has=desk.locator(f'a[href="/backoffice/petitions/{petition_id}"]')
    )
    expect(row).to_have_count(1)
    screenshots.take(desk, "officer-queue")
    row.get_by_role("button", name=re.compile("^รับเรื่อง")).click()
    desk.goto(f"{base}/backoffice/petitions/{petition_id}")
    expect(desk.get_by_role("heading", level=1)).to_have_text("หนังสือรับรองการมีถิ่นที่อยู่ทางภาษี")
    expect(desk.get_by_role("main")).to_contain_text("ญี่ปุ่น")  # the answer it needs
    desk.locator("#flag-country").check()
    desk.get_by_label("ข้อความถึงผู้ยื่นคำขอ", exact=True).fill(
        "กรุณาระบุชื่อประเทศเป็นภาษาอังกฤษ / Please give the country's name in English"
    )
    screenshots.take(desk, "officer-asks")
    desk.get_by_role("button", name="ขอข้อมูลเพิ่มเติม").click()
    expect(desk.locator("#supplement-requests")).to_contain_text("Please give the country")

    # The citizen sees the request, answers it in the portal.
    page.goto(petition_url)
    expect(page.locator("#petition-state")).to_have_attribute("data-state", "supplement_requested")
    page.locator("#supplement-asked").get_by_role("link").click()
    expect(heading).to_have_text("ส่งข้อมูลเพิ่มเติมที่เจ้าหน้าที่ขอ")
    page.get_by_label(re.compile("ประเทศที่จะนำหนังสือรับรองไปใช้")).fill("Japan")
    screenshots.take(page, "citizen-answers")
    page.get_by_role("button", name="ส่งถึงเจ้าหน้าที่").click()
    expect(page.locator("#supplement-sent")).to_be_visible()
    expect(page.locator("#petition-state")).to_have_attribute("data-state", "in_review")

    # Back to the same officer, who approves.
    desk.reload()
    expect(desk.get_by_role("main")).to_contain_text("Japan")
    desk.get_by_role("button", name="อนุมัติ", exact=True).click()
    screenshots.take(desk, "officer-approved")

    # The worker issues the certificate; it arrives in the citizen's mailbox.
    page.goto(petition_url)
    expect(page.locator("#petition-state[data-state=issued]")).to_be_attached(timeout=30_000)
    page.get_by_role("navigation", name="เมนูหลัก").get_by_role(
        "link", name=re.compile("^กล่องข้อความ")
    ).click()
    expect(heading).to_have_text("กล่องข้อความ")
    screenshots.take(page, "citizen-mailbox")
    newest = page.locator("a[href^='/me/mailbox/']").first
    expect(newest).to_contain_text("เอกสารพร้อมแล้ว: หนังสือรับรองการมีถิ่นที่อยู่ทางภาษี")
    newest.click()
    page.get_by_role("link", name="เปิดเอกสาร").click()
    number = page.locator("#document-number").inner_text()
    assert re.fullmatch(r"RD-\d{4}-[A-Z0-9]+", number), number
    screenshots.take(page, "citizen-certificate")
    office.close()
