"""The bank's signed callback: verified, recorded, idempotent, paid once."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import httpx
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlmodel import Session, select

from services.audit.models import AuditEvent
from services.mailbox.models import MailboxMessage
from services.payments.models import Payment, PaymentCallback
from tests.fixtures.payments import issue_fee_document, signed_callback


def _fields(payment: Payment, **changes: str) -> dict[str, str]:
    return {
        "txn_id": "TXN0001",
        "ref1": payment.ref1,
        "ref2": payment.ref2,
        "amount": payment.amount_baht_text,
        "payer_name": "Somchai Jaidee",
        **changes,
    }


def _payment(engine, payment_id: int) -> Payment:
    with Session(engine) as db:
        payment = db.get(Payment, payment_id)
        assert payment is not None
        return payment


def _post(client, key, fields, **options):
    body, headers = signed_callback(key, fields, **options)
    return client.post("/api/v1/payments/callback", content=body, headers=headers)


def _callbacks(engine) -> list[PaymentCallback]:
    with Session(engine) as db:
        return list(db.exec(select(PaymentCallback)).all())


def test_a_signed_callback_marks_the_payment_paid_and_issues_a_receipt(
    client, settings, people, process_jobs, engine, bank_signing_key
):
    _, payment_id, _ = issue_fee_document(client, settings, people[0], process_jobs, engine)
    payment = _payment(engine, payment_id)
    assert payment.status == "pending" and payment.amount_satang == 2000

    answer = _post(client, bank_signing_key, _fields(payment))

    assert answer.status_code == 200, answer.text
    assert answer.json()["outcome"] == "paid"
    paid = _payment(engine, payment_id)
    assert paid.status == "paid" and paid.provider_txn_id == "TXN0001"
    assert paid.payer_display == "S*** J***"
    assert paid.receipt_document_id is not None
    with Session(engine) as db:
        kinds = [m.kind for m in db.exec(select(MailboxMessage)).all()]
        assert "receipt" in kinds
        actions = [e.action for e in db.exec(select(AuditEvent)).all()]
        assert "payment.due" in actions and "payment.paid" in actions
    [recorded] = _callbacks(engine)
    assert (recorded.outcome, recorded.http_status, recorded.raw_ref2) == (
        "paid",
        200,
        payment.ref2,
    )


def test_an_unsigned_or_forged_callback_is_refused_and_not_recorded(
    client, settings, people, process_jobs, engine, bank_signing_key
):
    _, payment_id, _ = issue_fee_document(client, settings, people[0], process_jobs, engine)
    payment = _payment(engine, payment_id)
    unsigned = client.post(
        "/api/v1/payments/callback",
        json=_fields(payment),
    )
    assert unsigned.status_code == 401
    assert unsigned.json()["error"] == "bad_signature"

    forged = _post(client, Ed25519PrivateKey.generate(), _fields(payment))
    assert forged.status_code == 401

    body, headers = signed_callback(bank_signing_key, _fields(payment))
    tampered = body.replace(b'"20.00"', b'"0.01"')
    assert (
        client.post("/api/v1/payments/callback", content=tampered, headers=headers).status_code
        == 401
    )
    assert _callbacks(engine) == []
    assert _payment(engine, payment_id).status == "pending"


def test_a_stale_signature_is_refused(
    client, settings, people, process_jobs, engine, bank_signing_key
):
    _, payment_id, _ = issue_fee_document(client, settings, people[0], process_jobs, engine)
    old = datetime.now(UTC) - timedelta(minutes=5)
    answer = _post(client, bank_signing_key, _fields(_payment(engine, payment_id)), created=old)
    assert answer.status_code == 401
    assert _payment(engine, payment_id).status == "pending"


def test_a_wrong_amount_is_recorded_and_not_paid(
    client, settings, people, process_jobs, engine, bank_signing_key
):
    _, payment_id, _ = issue_fee_document(client, settings, people[0], process_jobs, engine)
    answer = _post(client, bank_signing_key, _fields(_payment(engine, payment_id), amount="2.00"))
    assert answer.status_code == 409
    assert answer.json()["outcome"] == "amount_mismatch"
    assert _payment(engine, payment_id).status == "pending"
    [recorded] = _callbacks(engine)
    assert recorded.outcome == "amount_mismatch" and recorded.raw_amount == "2.00"


def test_an_unknown_reference_is_recorded_as_such(
    client, settings, people, process_jobs, engine, bank_signing_key
):
    _, payment_id, _ = issue_fee_document(client, settings, people[0], process_jobs, engine)
    answer = _post(
        client, bank_signing_key, _fields(_payment(engine, payment_id), ref2="DOL25690000000X")
    )
    assert answer.status_code == 404
    assert answer.json()["outcome"] == "unknown_reference"
    assert [c.outcome for c in _callbacks(engine)] == ["unknown_reference"]


def test_a_replay_answers_the_same_and_pays_once(
    client, settings, people, process_jobs, engine, bank_signing_key
):
    _, payment_id, _ = issue_fee_document(client, settings, people[0], process_jobs, engine)
    fields = _fields(_payment(engine, payment_id))
    first = _post(client, bank_signing_key, fields)
    again = _post(client, bank_signing_key, fields)
    assert first.status_code == again.status_code == 200
    assert {**first.json(), "replay": True} == again.json()
    assert len(_callbacks(engine)) == 1
    other_body = _post(client, bank_signing_key, {**fields, "amount": "20.0"})
    assert other_body.status_code == 409 and other_body.json()["outcome"] == "txn_reused"
    second_txn = _post(client, bank_signing_key, {**fields, "txn_id": "TXN0002"})
    assert second_txn.status_code == 409
    assert second_txn.json()["outcome"] == "already_settled"
    with Session(engine) as db:
        payment = db.get(Payment, payment_id)
        assert payment.provider_txn_id == "TXN0001"
        receipts = db.exec(select(MailboxMessage).where(MailboxMessage.kind == "receipt")).all()
        assert sum(1 for m in receipts if m.subject_en.startswith("Fee paid")) == 1


def test_concurrent_duplicate_callbacks_pay_once(
    client, settings, people, process_jobs, engine, bank_signing_key, live_portal
):
    """Eight threads send the same transaction to the live portal at once; one payment."""
    _, payment_id, _ = issue_fee_document(client, settings, people[0], process_jobs, engine)
    fields = _fields(_payment(engine, payment_id))
    statuses: list[int] = []
    bodies: list[dict] = []
    barrier = threading.Barrier(8)

    def send() -> None:
        body, headers = signed_callback(bank_signing_key, fields, base_url=live_portal.url)
        barrier.wait()
        response = httpx.post(
            f"{live_portal.url}/api/v1/payments/callback", content=body, headers=headers, timeout=60
        )
        statuses.append(response.status_code)
        bodies.append(response.json())

    threads = [threading.Thread(target=send) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(90)
    assert statuses == [200] * 8, bodies
    assert sum(1 for b in bodies if not b["replay"]) == 1
    assert len(_callbacks(engine)) == 1
    with Session(engine) as db:
        payment = db.get(Payment, payment_id)
        assert payment.status == "paid"
        from documents.models import Document

        receipts = db.exec(select(Document).where(Document.template == "receipt")).all()
        assert len(receipts) == 1


def test_the_citizen_reads_the_payment_status_over_the_api(
    client, settings, people, process_jobs, engine, bank_signing_key
):
    _, payment_id, token = issue_fee_document(client, settings, people[0], process_jobs, engine)
    headers = {"Authorization": f"Bearer {token}"}
    pending = client.get(f"/api/v1/payments/{payment_id}", headers=headers).json()
    assert (pending["status"], pending["amount"], pending["receipt"]) == ("pending", "20.00", None)
    _post(client, bank_signing_key, _fields(_payment(engine, payment_id)))
    paid = client.get(f"/api/v1/payments/{payment_id}", headers=headers).json()
    assert paid["status"] == "paid" and paid["receipt"]
    assert client.get(f"/api/v1/payments/{payment_id}").status_code == 401
