"""The journey over real sockets: portal, provider and registry as live servers, a plain HTTP
client as the browser, and the portal's own background worker doing the work."""

from __future__ import annotations

import re
import time
from urllib.parse import urljoin

import httpx
import pytest
from sqlmodel import Session, select

from documents.models import Document
from tests.fixtures.identity import approve_at_provider, parse_forms

pytestmark = pytest.mark.e2e


def wait_for_issue(browser: httpx.Client, petition_url: str, timeout: float = 30) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        page = browser.get(petition_url).text
        if 'data-state="issued"' in page:
            return re.search(r"/documents/([A-Z0-9-]+)", page).group(1)
        assert 'data-state="rejected"' not in page
        time.sleep(0.2)
    raise AssertionError("the petition was not issued in time")


def test_golden_path_over_sockets(live_portal, people, db: Session):
    base = live_portal.url
    with httpx.Client(base_url=base) as browser:
        assert browser.get("/healthz").json()["status"] == "ok"
        start = browser.get("/login", params={"next": "/services"})
        assert start.status_code == 303
        back = approve_at_provider(start.headers["location"], people[1])
        assert back.startswith(f"{base}/auth/callback?")
        landed = browser.get(back, follow_redirects=True)
        assert landed.url.path == "/services" and people[1].given_name_th in landed.text

        apply_page = browser.get("/services/dopa.residence-certificate/apply")
        form = next(f for f in parse_forms(apply_page.text) if f["action"].endswith("/apply"))
        fields = dict(form["fields"], consent="dopa.population", answer_purpose="employment")
        submitted = browser.post(urljoin(base, form["action"]), data=fields)
        assert submitted.status_code == 303
        number = wait_for_issue(browser, submitted.headers["location"])

        pdf = browser.get(f"/documents/{number}/pdf")
        assert pdf.content.startswith(b"%PDF-")
        assert "ใครใช้ข้อมูลของฉัน" in browser.get("/me/data-access").text

    with httpx.Client(base_url=base) as stranger:
        code = db.exec(select(Document.check_code).where(Document.number == number)).one()
        assert 'data-genuine="true"' in stranger.get(f"/verify/{number}?code={code}").text
        verdict = stranger.post("/api/v1/verify", files={"file": ("c.pdf", pdf.content)}).json()
        assert verdict["genuine"] is True
        altered = bytearray(pdf.content)
        altered[-200] ^= 0x20
        verdict = stranger.post("/api/v1/verify", files={"file": ("c.pdf", bytes(altered))}).json()
        assert verdict["genuine"] is False
        assert stranger.get("/verify/DOPA-2569-AAAAAAAA?code=AAAAAA").status_code == 404
