"""Every page of the citizen's journey against WCAG 2.1 A and AA with axe-core, in Thai and in
English, signed in as the person with the longest names; and every page fits a phone.

axe-core comes from the npm registry (`make axe`, part of `make install` when npm is there). The
portal's Content-Security-Policy allows no injected script, so these contexts bypass it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import BrowserContext, Page, expect
from sqlmodel import Session, delete, select

from identity.models import Citizen
from services.catalogue.service import get_catalogue
from services.dopa.people import Person
from services.petitions.models import PetitionJob
from services.petitions.service import submit_petition
from tests.fixtures.browser import (
    DESKTOP,
    PHONE,
    ROOT,
    SCREENSHOT_DIR,
    horizontal_overflow,
    sign_in_in_browser,
    small_targets,
)

pytestmark = pytest.mark.browser

AXE = ROOT / ".cache" / "axe" / "node_modules" / "axe-core" / "axe.min.js"
WCAG_21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
SERVICE = "dopa.residence-certificate"
LANGUAGES = {
    "th": {"verify_heading": "ตรวจสอบเอกสาร", "file": "ไฟล์ PDF", "check": "ตรวจสอบไฟล์"},
    "en": {"verify_heading": "Verify a document", "file": "PDF file", "check": "Check file"},
}


@pytest.fixture
def axe_page(new_context: Callable[..., BrowserContext]) -> Page:
    if not AXE.exists():
        pytest.skip(f"axe-core is not installed at {AXE.relative_to(ROOT)}: run `make axe` (npm)")
    return new_context(bypass_csp=True).new_page()


def axe_violations(page: Page) -> list[str]:
    """WCAG 2.1 A/AA violations on the page as it is now, one line each with where they are."""
    page.add_script_tag(path=AXE)
    result = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags},"
        " resultTypes: ['violations']})",
        WCAG_21_AA,
    )
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at "
        + ", ".join(" ".join(node["target"]) for node in v["nodes"][:5])
        for v in result["violations"]
    ]


def layout_problems(page: Page) -> list[str]:
    """Sideways scrolling and targets under 48px, on a desktop and on a phone."""
    problems = [f"{DESKTOP['width']}px: {p}" for p in horizontal_overflow(page)]
    problems += [f"{DESKTOP['width']}px: small target {p}" for p in small_targets(page)]
    page.set_viewport_size(PHONE)
    try:
        problems += [f"{PHONE['width']}px: {p}" for p in horizontal_overflow(page)]
        problems += [f"{PHONE['width']}px: small target {p}" for p in small_targets(page)]
    finally:
        page.set_viewport_size(DESKTOP)
    return problems


def file_and_issue_a_certificate(page: Page, base: str) -> tuple[str, str]:
    """Applies through the form and waits for the certificate; returns petition URL and number."""
    page.goto(f"{base}/services/{SERVICE}/apply")
    page.get_by_label("ข้าพเจ้ายินยอมให้พอร์ทัลดึงข้อมูลนี้").check()
    page.get_by_label("วัตถุประสงค์ในการขอ").select_option("bank")
    page.get_by_role("button", name="ยื่นคำขอ").click()
    expect(page.locator("#petition-state[data-state=issued]")).to_be_attached(timeout=30_000)
    petition_url = page.url
    page.get_by_role("link", name="เปิดหนังสือรับรอง").click()
    return petition_url, page.locator("#document-number").inner_text()


def test_every_page_meets_wcag_21_aa_fits_a_phone_and_has_large_targets(
    live_portal, people: list[Person], axe_page: Page, tmp_path: Path
):
    page, base = axe_page, live_portal.url
    signed_out: dict[str, list[str]] = {}
    for lang in LANGUAGES:
        page.goto(f"{base}/?lang={lang}")
        signed_out[f"{lang} home (signed out)"] = axe_violations(page)
    page.goto(f"{base}/?lang=th")

    person = people[2]  # the longest names: the header and the tables must still fit
    sign_in_in_browser(page, base, person)
    petition_url, number = file_and_issue_a_certificate(page, base)
    with page.expect_download() as download_info:
        page.locator("#download-pdf").click()
    pdf = tmp_path / "certificate.pdf"
    download_info.value.save_as(pdf)

    page.goto(f"{base}/documents/{number}")
    check_code = page.locator("#check-code").inner_text()
    pages = {
        "home": "/",
        "catalogue": "/services?q=%E0%B8%AD%E0%B8%A2%E0%B8%B9%E0%B9%88",
        "service": f"/services/{SERVICE}",
        "apply": f"/services/{SERVICE}/apply",
        "petition": petition_url.removeprefix(base),
        "petitions": "/petitions",
        "documents": "/documents",
        "document": f"/documents/{number}",
        "data-access": "/me/data-access",
        "verify": "/verify",
        "verify-number": f"/verify/{number}",
        "verify-number-with-code": f"/verify/{number}?code={check_code}",
        "share": f"/documents/{number}/share",
        "pki": "/pki",
        "not-found": "/verify/DOPA-2569-AAAAAAAA",
        "catalogue-filtered": "/services?category=civil-registration&event=moving-house",
    }
    catalogue = get_catalogue()
    # The richest pages the catalogue has today: uploads, an approval, a match check, a bundle.
    rich = [s for s in catalogue.services if s.uploads or s.approval]
    rich += [s for s in catalogue.services if any(e.mode == "match" for e in s.evidence)]
    for i, code in enumerate(list(dict.fromkeys(s.code for s in rich))[:3]):
        pages[f"service-{i + 2}"] = f"/services/{code}"
    if catalogue.bundles:
        pages["bundle"] = f"/bundles/{catalogue.bundles[0].code}"
    violations = dict(signed_out)
    layout: dict[str, list[str]] = {}
    for lang, words in LANGUAGES.items():
        page.goto(f"{base}/?lang={lang}")  # the portal remembers the language in a cookie
        expect(page.locator("html")).to_have_attribute("lang", lang)
        for name, path in pages.items():
            page.goto(f"{base}{path}")
            violations[f"{lang} {name}"] = axe_violations(page)
            layout[f"{lang} {name}"] = layout_problems(page)
            page.screenshot(path=SCREENSHOT_DIR / "pages" / f"{lang}-{name}.png", full_page=True)

        page.goto(f"{base}{pages['apply']}")  # a purpose but no consent: the server says why
        page.get_by_role("combobox").select_option("bank")
        page.get_by_role("button").filter(has_text=re.compile("ยื่นคำขอ|Submit")).click()
        expect(page.get_by_role("alert")).to_be_visible()
        violations[f"{lang} apply with a problem"] = axe_violations(page)
        layout[f"{lang} apply with a problem"] = layout_problems(page)
        page.screenshot(path=SCREENSHOT_DIR / "pages" / f"{lang}-apply-problem.png", full_page=True)

        page.goto(f"{base}/verify")
        expect(page.get_by_role("heading", level=1)).to_have_text(words["verify_heading"])
        page.get_by_label(words["file"]).set_input_files(pdf)
        page.get_by_role("button", name=words["check"]).click()
        expect(page.locator("#verdict")).to_have_attribute("data-genuine", "true")
        violations[f"{lang} verify-result"] = axe_violations(page)
        layout[f"{lang} verify-result"] = layout_problems(page)
        page.screenshot(path=SCREENSHOT_DIR / "pages" / f"{lang}-verify-result.png", full_page=True)

    found = {page_name: v for page_name, v in violations.items() if v}
    (SCREENSHOT_DIR / "axe-report.json").write_text(
        json.dumps({"tags": WCAG_21_AA, "pages": violations}, ensure_ascii=False, indent=2)
    )
    assert found == {}, json.dumps(found, ensure_ascii=False, indent=2)
    assert {k: v for k, v in layout.items() if v} == {}, json.dumps(layout, ensure_ascii=False)


def test_a_petition_in_progress_does_not_reload_the_page_under_the_reader(
    live_portal, people: list[Person], axe_page: Page, db: Session
):
    base = live_portal.url
    sign_in_in_browser(axe_page, base, people[0])
    citizen = db.exec(select(Citizen).where(Citizen.national_id == people[0].national_id)).one()
    petition = submit_petition(
        db,
        citizen=citizen,
        service=get_catalogue().get(SERVICE),
        consented_datasets=["dopa.population"],
        answers={"purpose": "bank"},
        channel="web",
    )
    # No job: the petition stays "submitted", as a reader sees it for the first seconds.
    db.exec(delete(PetitionJob).where(PetitionJob.petition_id == petition.id))
    db.commit()
    axe_page.goto(f"{base}/petitions/{petition.id}")
    expect(axe_page.locator("#petition-state")).to_have_attribute("data-state", "submitted")
    violations = axe_violations(axe_page)
    assert [v for v in violations if not v.startswith("meta-refresh")] == []
    assert violations == []
