"""Paying over real sockets: the live portal (with its own worker), the provider, the land
registry and the simulated bank. The bank pays the payload shown on the pay page; the bank
calls the portal back, signed; the page's status endpoint turns to paid; the PDF is released;
the reconciliation agrees with the bank."""

from __future__ import annotations

import html
import re
import time
from urllib.parse import urljoin

import httpx
import pytest

from portal.settings import Settings
from services.payments.provider import SimulatedBankProvider
from services.payments.reconcile import reconcile
from tests.fixtures.identity import approve_at_provider, parse_forms
from tests.fixtures.payments import bank_public_key_path

pytestmark = pytest.mark.e2e
BAD_CRC = "00020101021229370016A000000677010111011300660000000005802TH530376454044.226304E468"


def test_the_bank_pays_the_payload_on_the_pay_page(
    live_portal, simulated_bank, people, db, data_dir
):
    base = live_portal.url
    simulated_bank.point_at(base)
    with httpx.Client(base_url=base) as browser:
        start = browser.get("/login", params={"next": "/services"})
        browser.get(
            approve_at_provider(start.headers["location"], people[0]), follow_redirects=True
        )
        apply_page = browser.get("/services/dol.land-title-abstract/apply")
        form = next(f for f in parse_forms(apply_page.text) if f["action"].endswith("/apply"))
        fields = dict(form["fields"], answer_title_deed="10-12345")
        submitted = browser.post(urljoin(base, form["action"]), data=fields)
        assert submitted.status_code == 303, submitted.text
        number = _wait_for_issue(browser, submitted.headers["location"])

        assert browser.get(f"/documents/{number}/pdf").status_code == 402
        pay_link = re.search(r'href="(/payments/\d+)"', browser.get(f"/documents/{number}").text)
        pay_page = browser.get(pay_link.group(1)).text
        payload = html.unescape(
            re.search(r'id="promptpay-payload"[^>]*>([^<]+)<', pay_page).group(1)
        )

        answer = simulated_bank.pay(payload)  # the bank decodes, checks the CRC, calls back

        assert answer["callback_status"] == 200, answer
        assert answer["portal"]["outcome"] == "paid"
        status = browser.get(f"{pay_link.group(1)}/status").json()
        assert status["status"] == "paid" and status["receipt"]
        pdf = browser.get(f"/documents/{number}/pdf")
        assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF-")

    provider = SimulatedBankProvider(
        base_url=simulated_bank.url, public_key_path=bank_public_key_path(data_dir)
    )
    mine = [t for t in provider.list_transactions() if t.txn_id == answer["txn_id"]]
    assert reconcile(db, provider="simulated", transactions=mine) == []
    assert Settings(data_dir=data_dir).payment_bank_public_key == bank_public_key_path(data_dir)


def test_the_bank_refuses_a_payload_with_a_bad_crc(simulated_bank):
    response = httpx.post(
        f"{simulated_bank.url}/pay",
        # dtinth/promptpay-qr's 4.22-baht vector with its last CRC digit changed.
        json={"payload": BAD_CRC},
    )
    assert response.status_code == 400 and response.json()["error"] == "bad_payload"
    page = httpx.get(simulated_bank.url + "/")
    assert "ธนาคารจำลอง" in page.text and "Simulated bank" in page.text


def _wait_for_issue(browser: httpx.Client, petition_url: str, timeout: float = 60) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        page = browser.get(petition_url).text
        if 'data-state="issued"' in page:
            return re.search(r"/documents/([A-Z0-9-]+)", page).group(1)
        assert 'data-state="rejected"' not in page
        time.sleep(0.2)
    raise AssertionError("the petition was not issued in time")
