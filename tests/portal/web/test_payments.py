"""A document with a fee is withheld until paid, then released; receipts; exemptions."""

from __future__ import annotations

import re
from datetime import date

from sqlmodel import Session, select

from documents.models import Document
from documents.verify import verify_pdf
from services.mailbox.models import MailboxMessage
from services.payments.models import Payment
from services.payments.promptpay import decode
from tests.fixtures.identity import sign_in
from tests.fixtures.payments import issue_fee_document, signed_callback


def _pay(client, engine, key, payment_id: int, txn_id: str = "TXN-WEB-1"):
    with Session(engine) as db:
        payment = db.get(Payment, payment_id)
        fields = {
            "txn_id": txn_id,
            "ref1": payment.ref1,
            "ref2": payment.ref2,
            "amount": payment.amount_baht_text,
            "payer_name": "Somchai Jaidee",
        }
    body, headers = signed_callback(key, fields)
    answer = client.post("/api/v1/payments/callback", content=body, headers=headers)
    assert answer.status_code == 200, answer.text
    return answer


def test_a_document_with_a_fee_is_withheld_until_paid_then_released(
    client, settings, people, process_jobs, engine, bank_signing_key
):
    number, payment_id, token = issue_fee_document(
        client, settings, people[0], process_jobs, engine
    )
    api = {"Authorization": f"Bearer {token}"}
    sign_in(client, people[0])

    # Withheld: web PDF, API PDF, share links.
    withheld = client.get(f"/documents/{number}/pdf")
    assert withheld.status_code == 402  # the pay page itself: fee, QR, references
    assert 'id="fee-due"' in withheld.text and "<svg" in withheld.text
    refused = client.get(f"/api/v1/documents/{number}/pdf", headers=api)
    assert refused.status_code == 402 and refused.json()["error"] == "fee_due"
    share = client.post(
        f"/api/v1/documents/{number}/shares",
        json={"recipient_name": "Bank", "expires_in_minutes": 60},
        headers=api,
    )
    assert share.status_code == 402

    # The document page and the wallet say so and link to the pay page.
    page = client.get(f"/documents/{number}").text
    assert 'id="fee-due"' in page and f"/payments/{payment_id}" in page
    assert 'id="download-pdf"' not in page
    assert f"/payments/{payment_id}" in client.get("/documents").text

    # The pay page shows the QR and a payload that decodes to this payment.
    pay_page = client.get(f"/payments/{payment_id}")
    assert pay_page.status_code == 200
    assert "<svg" in pay_page.text and 'id="payment"' in pay_page.text
    payload = re.search(r'id="promptpay-payload"[^>]*>([^<]+)<', pay_page.text).group(1)
    parsed = decode(payload)
    with Session(engine) as db:
        payment = db.get(Payment, payment_id)
        assert (parsed.ref1, parsed.ref2, parsed.biller_id) == (
            payment.ref1,
            payment.ref2,
            payment.biller_id,
        )
    assert str(parsed.amount) == "20.00" and parsed.point_of_initiation == "12"
    assert client.get(f"/payments/{payment_id}/status").json()["status"] == "pending"

    # The mailbox message for the issued document says the fee is due.
    with Session(engine) as db:
        issued = db.exec(
            select(MailboxMessage).where(MailboxMessage.document_number == number)
        ).one()
        assert "Fee due: 20.00 baht" in issued.body_en and "20.00 บาท" in issued.body_th

    _pay(client, engine, bank_signing_key, payment_id)

    status = client.get(f"/payments/{payment_id}/status").json()
    assert status["status"] == "paid" and status["receipt"]
    pdf = client.get(f"/documents/{number}/pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF-")
    assert client.get(f"/api/v1/documents/{number}/pdf", headers=api).status_code == 200
    assert 'id="fee-paid"' in client.get(f"/documents/{number}").text


def test_the_receipt_is_a_signed_verifiable_document_in_the_mailbox_and_wallet(
    client, settings, people, process_jobs, engine, bank_signing_key
):
    number, payment_id, _ = issue_fee_document(client, settings, people[0], process_jobs, engine)
    _pay(client, engine, bank_signing_key, payment_id)
    sign_in(client, people[0])
    with Session(engine) as db:
        payment = db.get(Payment, payment_id)
        receipt = db.get(Document, payment.receipt_document_id)
        assert receipt.template == "receipt" and receipt.petition_id is None
        message = db.exec(
            select(MailboxMessage).where(MailboxMessage.document_number == receipt.number)
        ).one()
        assert message.kind == "receipt" and "ยี่สิบบาทถ้วน" in message.body_th
    assert receipt.number in client.get("/documents").text
    pdf = client.get(f"/documents/{receipt.number}/pdf")
    assert pdf.status_code == 200
    with Session(engine) as db:
        result = verify_pdf(db, pdf.content, data_dir=settings.data_dir)
    assert result.genuine, result.reasons
    assert result.document.number == receipt.number


def test_a_citizen_aged_60_or_over_is_exempt(client, settings, people, process_jobs, engine):
    def make_elderly(db, citizen):
        citizen.birthdate = date(1950, 1, 1)
        db.add(citizen)

    number, payment_id, _ = issue_fee_document(
        client, settings, people[1], process_jobs, engine, before_processing=make_elderly
    )
    with Session(engine) as db:
        payment = db.get(Payment, payment_id)
        assert (payment.status, payment.exemption) == ("exempt", "elderly")
    sign_in(client, people[1])
    # Signing in again refreshes the birthdate from the digital ID; the payment keeps its
    # exemption, decided at issue.
    assert client.get(f"/documents/{number}/pdf").status_code == 200
    page = client.get(f"/documents/{number}?lang=en").text
    assert "Fee waived" in page and "aged 60 or over" in page


def test_another_citizens_payment_is_not_found(client, settings, people, process_jobs, engine):
    _, payment_id, _ = issue_fee_document(client, settings, people[0], process_jobs, engine)
    sign_in(client, people[1])
    assert client.get(f"/payments/{payment_id}").status_code == 404
    assert client.get(f"/payments/{payment_id}/status").status_code == 404


def test_an_unpaid_document_cannot_be_reissued_and_a_broken_chain_is_withheld(
    client, settings, people, process_jobs, engine
):
    """A reissue follows the first document's payment; asking for one while the fee is
    unpaid is refused, and a chain that cannot be followed to its first document (too long
    or broken) withholds the document instead of releasing it as if it had no fee."""
    from services.payments.service import is_released

    number, _, token = issue_fee_document(client, settings, people[0], process_jobs, engine)
    answer = client.post(
        f"/api/v1/documents/{number}/reissue", headers={"Authorization": f"Bearer {token}"}
    )
    assert answer.status_code == 402 and answer.json()["error"] == "fee_due"

    with Session(engine) as db:
        first = db.exec(select(Document).where(Document.number == number)).one()
        orphan = Document(
            **first.model_dump(exclude={"id", "number", "petition_id", "replaces", "storage_key"}),
            # Another number of the same shape (the last character changed, never to itself).
            number=number[:-1] + ("Z" if number[-1] != "Z" else "Y"),
            storage_key="x/orphan.pdf",
            replaces="DOPA-2569-NOSUCHNO",  # the chain is broken: its first document is gone
        )
        db.add(orphan)
        db.commit()
        assert is_released(db, document_id=orphan.id) is False  # type: ignore[arg-type]
        assert is_released(db, document_id=first.id) is False  # type: ignore[arg-type]
