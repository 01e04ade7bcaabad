"""The pay page in Chromium: the QR is shown, the bank pays, the page says so by itself
(payment-status.js under the portal's CSP, no reload), and axe finds no WCAG 2.1 AA problem."""

from __future__ import annotations

import html
import re
import time

import httpx
import pytest
from playwright.sync_api import expect

from tests.browser.test_accessibility import AXE, axe_violations
from tests.fixtures.browser import PHONE, sign_in_in_browser, small_targets
from tests.fixtures.identity import approve_at_provider, parse_forms

pytestmark = pytest.mark.browser


def _file_fee_petition(base: str, person) -> str:
    """Files the 20-baht land title abstract as `person` over HTTP; the live worker issues it."""
    with httpx.Client(base_url=base, timeout=30) as browser:
        start = browser.get("/login", params={"next": "/services"})
        browser.get(approve_at_provider(start.headers["location"], person), follow_redirects=True)
        form = next(
            f
            for f in parse_forms(browser.get("/services/dol.land-title-abstract/apply").text)
            if f["action"].endswith("/apply")
        )
        done = browser.post(
            base + form["action"], data=dict(form["fields"], answer_title_deed="10-12345")
        )
        assert done.status_code == 303, done.text
        for _ in range(300):
            page = browser.get(done.headers["location"]).text
            found = re.search(r'data-state="issued".*?/documents/([A-Z0-9-]+)', page, re.S)
            if found:
                return found.group(1)
            time.sleep(0.2)
    raise AssertionError("not issued")


def test_the_pay_page_updates_itself_when_the_bank_pays(
    live_portal, simulated_bank, people, new_context, screenshots
):
    base = live_portal.url
    simulated_bank.point_at(base)
    number = _file_fee_petition(base, people[0])

    context = new_context(viewport=PHONE)
    page = context.new_page()
    csp_errors: list[str] = []
    page.on(
        "console",
        lambda m: csp_errors.append(m.text) if "Content Security Policy" in m.text else None,
    )
    sign_in_in_browser(page, base, people[0], next_url=f"/documents/{number}")
    expect(page.locator("#fee-due")).to_be_visible()
    screenshots.take(page, "document-fee-due")
    page.locator("#pay-fee").click()
    expect(page.locator(".promptpay-qr svg")).to_be_visible()
    assert small_targets(page) == []
    screenshots.take(page, "pay-page")

    if AXE.exists():
        checker = new_context(bypass_csp=True)
        checker.add_cookies(context.cookies())
        axe = checker.new_page()
        axe.goto(page.url)
        assert axe_violations(axe) == []

    payload = html.unescape(page.locator("#promptpay-payload").input_value())
    answer = simulated_bank.pay(payload)
    assert answer["portal"]["outcome"] == "paid"

    expect(page.locator("#payment-links")).to_be_visible(timeout=15000)
    expect(page.locator("#payment-status")).to_have_text(re.compile("ชำระเงินแล้ว"))
    screenshots.take(page, "paid")
    assert csp_errors == []
    with page.expect_download() as download:
        page.goto(f"{base}/documents/{number}")
        page.locator("#download-pdf").click()
    assert download.value.suggested_filename == f"{number}.pdf"
