"""Sign-in with step-up in a real browser: a citizen enrolled at IAL 1.2 raises it to 2.3 at the
provider (its simulated face scan) and comes back to the portal at the higher level."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from portal.servers import demo_account_holders, demo_ial
from services.dopa.people import Person
from tests.fixtures.browser import Screenshots, sign_in_in_browser

pytestmark = pytest.mark.browser


def test_citizen_raises_their_assurance_level_through_the_provider(
    live_portal, people: list[Person], page: Page, screenshots: Screenshots, database_url: str
):
    # Enrolled at 1.2. The provider keeps a raised level for the whole test session, which
    # serves both databases, so each database run takes its own person.
    index = 3 if database_url.startswith("sqlite") else 9
    person = demo_account_holders(people)[index]
    assert demo_ial(index) == 1.2

    sign_in_in_browser(page, live_portal.url, person, next_url="/me/account")
    expect(page.locator("#ial")).to_have_text("IAL 1.2")
    screenshots.take(page, "account-at-1.2")

    page.locator("#raise-ial").click()
    expect(page.get_by_role("button", name="อนุญาต")).to_be_visible()
    page.get_by_role("button", name="อนุญาต").click()  # signed in at the provider already
    expect(page.locator("#verify")).to_be_visible()
    screenshots.take(page, "provider-step-up")
    page.locator("#verify").click()

    expect(page).to_have_url(f"{live_portal.url}/me/account")
    expect(page.locator("#ial")).to_have_text("IAL 2.3")
    expect(page.locator("#raise-ial")).to_have_count(0)
    screenshots.take(page, "account-at-2.3")
