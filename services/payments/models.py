"""Payment tables: a fee due on a document, every bank callback, and exemption grants.

- `Payment`: one per document that carries a fee (unique `document_id`), with the PromptPay
  references the bank quotes back (`ref1` from the petition, `ref2` from the document number;
  `services.payments.references`), the amount in satang (integers: no float, no Decimal on
  SQLite), and its status: `pending` until the bank confirms, `paid`, or `exempt` with the
  category that waived it.
- `PaymentCallback`: every signed callback the bank sent, whatever its outcome; its unique
  `(provider, txn_id)` makes a replay answer what the first call answered, and lets two
  concurrent duplicates pay once.
- `FeeExemptionGrant`: categories no register here can tell (a disability or state welfare
  card), granted to a citizen ID by an administrator (`portal payments exemptions grant`).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from portal.db import AwareDateTime, utcnow

PaymentStatus = Literal["pending", "paid", "exempt"]
PAYMENT_STATUSES: tuple[PaymentStatus, ...] = ("pending", "paid", "exempt")


class Payment(SQLModel, table=True):
    """The fee due on one document, and how it was settled."""

    __tablename__ = "payment"

    id: int | None = Field(default=None, primary_key=True)
    # One payment per document: a retried worker step finds the first row.
    document_id: int = Field(foreign_key="document.id", unique=True, index=True)
    citizen_id: int = Field(foreign_key="citizen.id", index=True)
    petition_id: str | None = Field(default=None, foreign_key="petition.id", max_length=36)
    service_code: str = Field(max_length=64)
    agency: str = Field(max_length=16)
    # The fee in satang (1 baht = 100 satang), as the service definition set it at issue.
    amount_satang: int
    status: str = Field(default="pending", max_length=16, index=True)
    # Set when status is "exempt": the category (services.payments.exemptions) that waived it.
    exemption: str | None = Field(default=None, max_length=32)
    # PromptPay bill-payment references (upper-case letters and digits, at most 20 each).
    # ref2 names the document, so it alone is unique; ref1 (the petition) is checked with it.
    ref1: str = Field(max_length=20, index=True)
    ref2: str = Field(max_length=20, unique=True)
    # The 15-digit biller ID the QR names (agency tax ID + suffix) when the payment was made.
    biller_id: str = Field(max_length=15)
    channel: str = Field(default="web", max_length=16)  # where the fee was first asked: web, kiosk
    created_at: datetime = Field(default_factory=utcnow, sa_type=AwareDateTime)
    paid_at: datetime | None = Field(default=None, sa_type=AwareDateTime)
    # The provider and its transaction that paid it.
    provider: str | None = Field(default=None, max_length=32)
    provider_txn_id: str | None = Field(default=None, max_length=64)
    # The payer as the bank named them, masked before it is stored ("นาย ส*** ใ***").
    payer_display: str = Field(default="", max_length=200)
    # The signed receipt (a document of its own, no petition: documents.service.issue_document).
    receipt_document_id: int | None = Field(default=None, foreign_key="document.id")

    @property
    def amount_baht_text(self) -> str:
        """ "100.00": the amount as tag 54 of the QR and the pages show it."""
        return f"{self.amount_satang // 100}.{self.amount_satang % 100:02d}"


class PaymentCallback(SQLModel, table=True):
    """One callback from a payment provider, recorded whatever its outcome.

    Only callbacks whose signature verified are recorded: an unsigned request could otherwise
    claim a transaction id first and block the real one.
    """

    __tablename__ = "payment_callback"
    __table_args__ = (UniqueConstraint("provider", "txn_id", name="uq_payment_callback_txn"),)

    id: int | None = Field(default=None, primary_key=True)
    provider: str = Field(max_length=32)
    txn_id: str = Field(max_length=64)
    # SHA-256 of the body: the same transaction id with another body is refused, not replayed.
    body_sha256: str = Field(max_length=64)
    key_id: str = Field(default="", max_length=128)
    # The references and amount as the bank sent them, before any lookup.
    raw_ref1: str = Field(default="", max_length=64)
    raw_ref2: str = Field(default="", max_length=64)
    raw_amount: str = Field(default="", max_length=32)
    payment_id: int | None = Field(default=None, foreign_key="payment.id", index=True)
    # paid | amount_mismatch | unknown_reference | already_settled | invalid
    outcome: str = Field(max_length=24)
    http_status: int
    detail: str = Field(default="", max_length=300)
    received_at: datetime = Field(default_factory=utcnow, sa_type=AwareDateTime, index=True)


class FeeExemptionGrant(SQLModel, table=True):
    """A citizen who holds a card that waives fees (disability card, state welfare card)."""

    __tablename__ = "fee_exemption_grant"
    __table_args__ = (UniqueConstraint("national_id", "category", name="uq_fee_exemption_grant"),)

    id: int | None = Field(default=None, primary_key=True)
    national_id: str = Field(max_length=13, index=True)
    category: str = Field(max_length=32)
    # Where the administrator saw it: a card number, a letter ("welfare card 2569 list").
    source: str = Field(default="", max_length=200)
    valid_until: date | None = None  # last day it applies; None: no end
    granted_at: datetime = Field(default_factory=utcnow, sa_type=AwareDateTime)
    revoked_at: datetime | None = Field(default=None, sa_type=AwareDateTime)


PAYMENT_TABLES: list[object] = [Payment, PaymentCallback, FeeExemptionGrant]
