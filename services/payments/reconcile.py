"""Reconciliation: the provider's transactions against the portal's callbacks and payments.

Run by `portal payments reconcile`. Each mismatch needs a person:

- `missing_callback`: the provider took the money but the portal never recorded its callback
  (the portal was down, the callback was lost): resend it, or settle by hand.
- `refused`: the portal recorded the callback and refused it (wrong amount, unknown
  reference, a bill already paid): the provider must refund the payer.
- `not_settled`: the callback was accepted but the payment is not paid (should not happen:
  both are written in one transaction).
- `unknown_to_provider`: a payment the portal marked paid by a transaction the provider
  does not list.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlmodel import Session, col, select

from services.payments.models import Payment, PaymentCallback
from services.payments.provider import ProviderTransaction


@dataclass(frozen=True)
class Mismatch:
    kind: str
    txn_id: str
    detail: str


def reconcile(
    db: Session, *, provider: str, transactions: Iterable[ProviderTransaction]
) -> list[Mismatch]:
    """Every disagreement between the provider's records and ours (empty: all agree)."""
    transactions = list(transactions)
    callbacks = {
        c.txn_id: c
        for c in db.exec(select(PaymentCallback).where(PaymentCallback.provider == provider))
    }
    mismatches: list[Mismatch] = []
    for txn in transactions:
        callback = callbacks.get(txn.txn_id)
        if callback is None:
            mismatches.append(
                Mismatch(
                    "missing_callback",
                    txn.txn_id,
                    f"{txn.amount} baht for {txn.ref1}/{txn.ref2}: no callback recorded",
                )
            )
        elif callback.outcome != "paid":
            mismatches.append(
                Mismatch("refused", txn.txn_id, f"{callback.outcome}: {callback.detail}")
            )
        else:
            payment = db.get(Payment, callback.payment_id) if callback.payment_id else None
            if payment is None or payment.status != "paid":
                mismatches.append(
                    Mismatch("not_settled", txn.txn_id, "callback accepted, payment not paid")
                )
    known = {t.txn_id for t in transactions}
    paid = db.exec(
        select(Payment).where(Payment.status == "paid", Payment.provider == provider)
    ).all()
    for payment in paid:
        if payment.provider_txn_id not in known:
            mismatches.append(
                Mismatch(
                    "unknown_to_provider",
                    payment.provider_txn_id or "",
                    f"payment {payment.id} ({payment.ref2}) is paid by a transaction "
                    "the provider does not list",
                )
            )
    return sorted(mismatches, key=lambda m: (m.kind, m.txn_id))


def count_payments(db: Session) -> dict[str, int]:
    """Payments by status, for the command's summary line."""
    rows = db.exec(select(Payment.status, col(Payment.id))).all()
    counts: dict[str, int] = {}
    for status, _ in rows:
        counts[status] = counts.get(status, 0) + 1
    return counts
