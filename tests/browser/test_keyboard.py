"""The petition form with the keyboard alone: the skip link comes first, Tab reaches every
control in order, each shows where the focus is, and Space and Enter operate them."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Locator, Page, expect

from services.dopa.people import Person
from tests.fixtures.browser import Screenshots, sign_in_in_browser

pytestmark = pytest.mark.browser

APPLY_PATH = "/services/dopa.residence-certificate/apply"

FOCUS_STYLE = """el => {
  const s = getComputedStyle(el);
  return {style: s.outlineStyle, width: parseFloat(s.outlineWidth), color: s.outlineColor,
          shadow: s.boxShadow};
}"""


def focus_ring(control: Locator) -> dict[str, object]:
    return control.evaluate(FOCUS_STYLE)


def assert_focused_with_visible_ring(control: Locator, unfocused: dict[str, object]) -> None:
    expect(control).to_be_focused()
    focused = focus_ring(control)
    assert focused["style"] != "none" and focused["width"] >= 2, focused
    assert focused != unfocused, "the focus does not change how the control looks"


def test_apply_form_works_with_the_keyboard_alone(
    live_portal, people: list[Person], page: Page, screenshots: Screenshots
):
    base = live_portal.url
    sign_in_in_browser(page, base, people[0])
    page.goto(f"{base}{APPLY_PATH}")

    consent = page.get_by_label("ข้าพเจ้ายินยอมให้พอร์ทัลดึงข้อมูลนี้")
    purpose = page.get_by_label("วัตถุประสงค์ในการขอ")
    submit = page.get_by_role("button", name="ยื่นคำขอ")
    skip_link = page.get_by_role("link", name="ข้ามไปยังเนื้อหาหลัก")
    unfocused = {name: focus_ring(c) for name, c in [("consent", consent), ("purpose", purpose)]}
    unfocused["submit"] = focus_ring(submit)
    expect(skip_link).not_to_be_in_viewport()

    # The first Tab stop is the skip link, which shows itself when focused.
    page.keyboard.press("Tab")
    expect(skip_link).to_be_focused()
    expect(skip_link).to_be_in_viewport()
    screenshots.take(page, "skip-link")
    page.keyboard.press("Enter")
    expect(page.locator("main")).to_be_focused()

    # From the main content: the consent box, then the purpose, then the submit button.
    page.keyboard.press("Tab")
    assert_focused_with_visible_ring(consent, unfocused["consent"])
    page.keyboard.press("Space")
    expect(consent).to_be_checked()
    screenshots.take(page, "consent-focused")

    page.keyboard.press("Tab")
    assert_focused_with_visible_ring(purpose, unfocused["purpose"])
    # Space opens the list, the arrow moves to the first purpose and Enter picks it.
    page.keyboard.press("Space")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    expect(purpose).to_have_value("employment")
    expect(purpose).to_be_focused()
    screenshots.take(page, "purpose-focused")

    page.keyboard.press("Tab")
    assert_focused_with_visible_ring(submit, unfocused["submit"])
    screenshots.take(page, "submit-focused")
    page.keyboard.press("Enter")

    expect(page).to_have_url(re.compile(rf"^{re.escape(base)}/petitions/[^/]+$"))
    expect(page.locator("#petition-state")).to_be_attached()


def test_the_skip_link_is_the_first_tab_stop_on_every_main_page(
    live_portal, people: list[Person], page: Page
):
    base = live_portal.url
    sign_in_in_browser(page, base, people[0])
    for path in ("/", "/services", "/services/dopa.residence-certificate", "/documents", "/verify"):
        page.goto(f"{base}{path}")
        page.keyboard.press("Tab")
        expect(page.get_by_role("link", name="ข้ามไปยังเนื้อหาหลัก")).to_be_focused()
        page.keyboard.press("Enter")
        expect(page.locator("main")).to_be_focused()
        # The next Tab goes on from the main content, not back into the header.
        page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.closest('header') === null"), path
