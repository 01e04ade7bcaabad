"""Reconciliation finds what the bank and the portal disagree on; card exemptions by grant."""

from __future__ import annotations

from datetime import date

import pytest
from sqlmodel import Session

from portal.errors import BadRequestError
from services.payments.exemptions import grant_exemption, revoke_exemption
from services.payments.models import Payment
from services.payments.provider import ProviderTransaction
from services.payments.reconcile import reconcile
from tests.fixtures.payments import issue_fee_document, pay_document_fee, signed_callback


def _txn(payment: Payment, txn_id: str, amount: str | None = None) -> ProviderTransaction:
    return ProviderTransaction(
        txn_id=txn_id,
        biller_id=payment.biller_id,
        ref1=payment.ref1,
        ref2=payment.ref2,
        amount=amount or payment.amount_baht_text,
        callback_status=None,
    )


def test_reconciliation_names_each_kind_of_disagreement(
    client, settings, people, process_jobs, engine, bank_signing_key
):
    number, payment_id, _ = issue_fee_document(client, settings, people[0], process_jobs, engine)
    pay_document_fee(client, engine, bank_signing_key, number, txn_id="PAID-1")
    with Session(engine) as db:
        payment = db.get(Payment, payment_id)
        agreed = reconcile(db, provider="simulated", transactions=[_txn(payment, "PAID-1")])
        assert agreed == []
        lost = reconcile(
            db,
            provider="simulated",
            transactions=[_txn(payment, "PAID-1"), _txn(payment, "LOST-2")],
        )
        assert [(m.kind, m.txn_id) for m in lost] == [("missing_callback", "LOST-2")]
        unlisted = reconcile(db, provider="simulated", transactions=[])
        assert [(m.kind, m.txn_id) for m in unlisted] == [("unknown_to_provider", "PAID-1")]
    # The bank takes a second payment for the same bill: the portal refuses it; a refund is due.
    body, headers = signed_callback(
        bank_signing_key,
        {
            "txn_id": "TWICE-3",
            "ref1": payment.ref1,
            "ref2": payment.ref2,
            "amount": payment.amount_baht_text,
        },
    )
    assert (
        client.post("/api/v1/payments/callback", content=body, headers=headers).status_code == 409
    )
    with Session(engine) as db:
        refunds = reconcile(
            db,
            provider="simulated",
            transactions=[_txn(payment, "PAID-1"), _txn(payment, "TWICE-3")],
        )
        assert [(m.kind, m.txn_id) for m in refunds] == [("refused", "TWICE-3")]


def test_a_welfare_card_grant_waives_the_fee_and_revoking_it_does_not_for_the_next(
    client, settings, people, process_jobs, engine
):
    def grant(db, citizen):
        grant_exemption(
            db,
            national_id=citizen.national_id,
            category="welfare_card",
            source="welfare card list 2569",
            valid_until=None,
            actor="test",
        )

    _, payment_id, _ = issue_fee_document(
        client, settings, people[2], process_jobs, engine, before_processing=grant
    )
    with Session(engine) as db:
        payment = db.get(Payment, payment_id)
        assert (payment.status, payment.exemption) == ("exempt", "welfare_card")
        assert revoke_exemption(
            db, national_id=people[2].national_id, category="welfare_card", actor="test"
        )
        db.commit()
    _, next_id, _ = issue_fee_document(
        client, settings, people[2], process_jobs, engine, answers={"title_deed": "50-45678"}
    )
    with Session(engine) as db:
        assert db.get(Payment, next_id).status == "pending"


def test_age_categories_cannot_be_granted_and_ids_are_checked(db):
    with pytest.raises(BadRequestError):
        grant_exemption(
            db,
            national_id="1509900456789",
            category="elderly",
            source="",
            valid_until=None,
            actor="test",
        )
    with pytest.raises(BadRequestError):
        grant_exemption(
            db,
            national_id="1509900456780",
            category="welfare_card",
            source="",
            valid_until=date(2027, 1, 1),
            actor="test",
        )
