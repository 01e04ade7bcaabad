"""The catalogue in headless Chromium: search in Thai, filter by category with the keyboard
alone, open a service and read its facts (signed out: the catalogue is public)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from services.catalogue.service import get_catalogue
from tests.fixtures.browser import Screenshots, horizontal_overflow

pytestmark = pytest.mark.browser

SERVICE = "dopa.residence-certificate"


def tab_to(page: Page, name: str, *, limit: int = 60) -> None:
    """Presses Tab until the link or control named `name` has the focus."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        focused = page.evaluate("() => document.activeElement.textContent.trim()")
        if focused.startswith(name):
            return
    raise AssertionError(f"Tab never reached {name!r}")


def test_search_in_thai_filter_with_the_keyboard_and_read_a_service(
    live_portal, page: Page, screenshots: Screenshots
):
    base = live_portal.url
    service = get_catalogue().get(SERVICE)
    heading = page.get_by_role("heading", level=1)

    page.goto(f"{base}/services")
    expect(heading).to_have_text("บริการ")
    screenshots.take(page, "catalogue")

    # "ทะเบียนบ้าน" stands inside a longer sentence of the description: no spaces in Thai.
    page.get_by_label("ค้นหาบริการ").fill("ทะเบียนบ้าน")
    page.get_by_role("button", name="ค้นหา", exact=True).click()
    expect(page).to_have_url(re.compile(r"/services\?q="))
    results = page.get_by_role("main")
    expect(results.get_by_role("link", name=service.name.th)).to_be_visible()
    expect(page.get_by_role("status")).to_contain_text("พบ")
    screenshots.take(page, "search")

    # Filter by category with the keyboard alone, from the top of the page.
    page.goto(f"{base}/services")
    categories = page.get_by_role("navigation", name="หมวดหมู่")
    expect(categories).to_be_visible()
    tab_to(page, "ทะเบียนราษฎร")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"category=civil-registration"))
    current = page.get_by_role("navigation", name="หมวดหมู่").locator("[aria-current=true]")
    expect(current).to_contain_text("ทะเบียนราษฎร")
    expect(page.get_by_role("heading", level=2, name="ทะเบียนราษฎร")).to_be_visible()
    expect(page.locator(f'[data-service="{SERVICE}"]')).to_be_visible()
    expect(page.locator('[data-service="rd.tax-residence-certificate"]')).to_have_count(0)
    screenshots.take(page, "category")

    # The service's own page states what it needs, fetches, costs and takes.
    tab_to(page, service.name.th)
    page.keyboard.press("Enter")
    expect(page).to_have_url(f"{base}/services/{SERVICE}")
    expect(heading).to_have_text(service.name.th)
    expect(page.locator("#fee")).to_have_text("ไม่มีค่าธรรมเนียม")
    expect(page.locator("#processing-time")).to_contain_text(f"{service.processing_days} วันทำการ")
    expect(page.locator("#decision")).to_be_visible()
    expect(page.locator("#ial")).to_contain_text("1.2")
    evidence = page.locator("#evidence")
    expect(evidence).to_contain_text("กรมการปกครอง")
    expect(evidence).to_contain_text("ที่อยู่ตามทะเบียนบ้าน")
    expect(evidence).to_contain_text("พระราชบัญญัติการทะเบียนราษฎร")
    expect(page.locator("#paper")).to_contain_text(str(service.paper_documents_before))
    expect(page.get_by_role("link", name="ยื่นคำขอ")).to_have_attribute(
        "href", f"/services/{SERVICE}/apply"
    )
    assert horizontal_overflow(page) == []
    screenshots.take(page, "service")
