"""The pages test_accessibility.py does not reach, against WCAG 2.1 A and AA with axe-core in
Thai and in English: the citizen's mailbox, notices, account, delegations, approvals, messages,
supplement and error-report pages, public statistics, and the officer's queue, case view,
dashboard and holiday administration, each in the state where it shows the most.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from portal.seed import seed_demo_back_office
from portal.servers import demo_account_holders
from services.dopa.people import Person
from tests.browser.test_accessibility import AXE, LANGUAGES, axe_violations, layout_problems
from tests.browser.test_officer_casework import officer_signs_in
from tests.fixtures.browser import SCREENSHOT_DIR, sign_in_in_browser

pytestmark = pytest.mark.browser

TAX_RESIDENCE = "rd.tax-residence-certificate"


@pytest.fixture
def axe_context(new_context: Callable[..., BrowserContext]) -> Callable[[], Page]:
    if not AXE.exists():
        pytest.skip("axe-core is not installed: run `make axe` (npm)")
    return lambda: new_context(bypass_csp=True).new_page()


def check_pages(page: Page, base: str, pages: dict[str, str], who: str) -> dict[str, list[str]]:
    """axe and layout problems of every page in both languages; screenshots for a look."""
    found: dict[str, list[str]] = {}
    for lang in LANGUAGES:
        page.goto(f"{base}/?lang={lang}")
        for name, path in pages.items():
            page.goto(f"{base}{path}")
            expect(page.locator("html")).to_have_attribute("lang", lang)
            problems = axe_violations(page) + layout_problems(page)
            found[f"{lang} {who} {name}"] = problems
            shot = SCREENSHOT_DIR / "pages" / f"{lang}-{who}-{name}.png"
            page.screenshot(path=shot, full_page=True)
    return found


def test_casework_mailbox_and_back_office_pages_meet_wcag_21_aa(
    live_portal, database_url: str, people: list[Person], axe_context: Callable[[], Page]
):
    base = live_portal.url
    holders = demo_account_holders(people)
    seed_demo_back_office(database_url, holders)
    citizen, supervisor, admin = holders[0], holders[5], holders[9]

    # The citizen files a petition an officer decides; the supervisor asks for more.
    page = axe_context()
    sign_in_in_browser(page, base, citizen, next_url=f"/services/{TAX_RESIDENCE}/apply")
    for consent in page.get_by_label("ข้าพเจ้ายินยอมให้พอร์ทัลดึงข้อมูลนี้เพื่อวัตถุประสงค์ข้างต้น").all():
        consent.check()
    page.get_by_label("ปีภาษี (พ.ศ.)").fill("2567")
    page.get_by_label("ประเทศที่จะนำหนังสือรับรองไปใช้").fill("ญี่ปุ่น")
    page.get_by_role("button", name="ยื่นคำขอ").click()
    expect(page).to_have_url(re.compile(rf"^{re.escape(base)}/petitions/[^/?]+$"))
    petition_id = page.url.rsplit("/", 1)[1]
    expect(page.locator("#petition-state[data-state=in_review]")).to_be_attached(timeout=30_000)

    desk = axe_context()
    officer_signs_in(desk, base, supervisor)
    row = desk.get_by_role("row").filter(
        has=desk.locator(f'a[href="/backoffice/petitions/{petition_id}"]')
    )
    row.get_by_role("button", name=re.compile("^รับเรื่อง")).click()
    desk.goto(f"{base}/backoffice/petitions/{petition_id}")
    desk.locator("#flag-country").check()
    desk.get_by_label("ข้อความถึงผู้ยื่นคำขอ", exact=True).fill("Please give the country in English")
    desk.get_by_role("button", name="ขอข้อมูลเพิ่มเติม").click()
    expect(desk.locator("#supplement-requests")).to_contain_text("Please give the country")

    page.goto(f"{base}/me/mailbox")
    message = page.locator("a[href^='/me/mailbox/']").first.get_attribute("href")
    assert message is not None
    violations = check_pages(
        page,
        base,
        {
            "mailbox": "/me/mailbox",
            "mailbox-message": message,
            "notifications": "/me/notifications",
            "account": "/me/account",
            "delegations": "/me/delegations",
            "approvals": "/me/approvals",
            "petition-supplement-requested": f"/petitions/{petition_id}",
            "supplement": f"/petitions/{petition_id}/supplement",
            "messages": f"/petitions/{petition_id}/messages",
            "report-error": f"/petitions/{petition_id}/report-error",
            "statistics": "/statistics",
        },
        "citizen",
    )
    violations |= check_pages(
        desk,
        base,
        {
            "queue": "/backoffice/",
            "case": f"/backoffice/petitions/{petition_id}",
            "dashboard": "/backoffice/dashboard",
            "holidays": "/backoffice/admin/holidays",
        },
        "officer",
    )
    administrator = axe_context()
    officer_signs_in(administrator, base, admin)
    violations |= check_pages(
        administrator, base, {"holidays": "/backoffice/admin/holidays"}, "admin"
    )
    for context_page in (page, desk, administrator):
        context_page.context.close()
    failing = {name: found for name, found in violations.items() if found}
    assert not failing, "\n".join(f"{name}: {p}" for name, found in failing.items() for p in found)
