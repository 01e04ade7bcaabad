"""Fees on documents: due, waived, paid; and whether a document may leave the portal.

1. When the worker issues a certificate, `create_or_get_payment_for_document` (same
   transaction) writes a `Payment` if the service has a fee: `exempt` with its category when
   one of the service's `fee_exemptions` applies to the citizen, `pending` otherwise.
2. A pending document is withheld: `is_released` is False, and the PDF, share links and
   kiosk printing refuse with `FeeDueError` (402) via `require_released`. The citizen sees the
   fee and a PromptPay QR (`promptpay_payload_for`).
3. The bank pays and calls back (`services.payments.callback`), which marks the payment paid
   and issues the receipt; from then on the document is released as any other.

A reissued document (documents that `replaces` another) carries no fee of its own: it follows
the payment of the first document of its chain, so a reissue cannot release an unpaid one.
Functions flush, never commit.
"""

from __future__ import annotations

from sqlalchemy import bindparam
from sqlmodel import Session, col, select

from documents.dates import thailand_date
from documents.models import Document
from identity.citizen_ids import check_digit
from identity.models import Citizen
from portal.settings import Settings
from services.audit.service import record_event
from services.payments import promptpay
from services.payments.errors import FeeDueError, PaymentNotFoundError
from services.payments.exemptions import exemption_for
from services.payments.models import Payment
from services.payments.references import ref1_for_petition, ref2_for_document
from services.petitions.models import Petition

_MAX_CHAIN = 100  # as documents.wallet: a longer reissue chain is a data error


class _ChainUnresolved(Exception):
    """A reissue chain longer than _MAX_CHAIN or naming a document that does not exist."""


_PAYMENT_OF_DOCUMENT = select(Payment).where(Payment.document_id == bindparam("document_id"))
_DOCUMENT_BY_NUMBER = select(Document).where(Document.number == bindparam("number"))


def _chain_payment(db: Session, document_id: int) -> Payment | None:
    document = db.get(Document, document_id)
    for _ in range(_MAX_CHAIN):
        if document is None:
            raise _ChainUnresolved()
        payment = db.exec(_PAYMENT_OF_DOCUMENT, params={"document_id": document.id}).first()
        if payment is not None or document.replaces is None:
            return payment
        document = db.exec(_DOCUMENT_BY_NUMBER, params={"number": document.replaces}).first()
    raise _ChainUnresolved()


def payment_for_document(db: Session, *, document_id: int) -> Payment | None:
    """The payment that decides whether this document is released, or None (no fee, or a
    chain that cannot be followed: `is_released` then withholds the document).

    For a reissued document, the payment of the first document of its chain.
    """
    try:
        return _chain_payment(db, document_id)
    except _ChainUnresolved:
        return None


def is_released(db: Session, *, document_id: int) -> bool:
    """True when the document may be downloaded, shared or printed: no fee, exempt, or paid.

    Fails closed: a reissue chain that cannot be followed to its first document (too long,
    or broken) withholds the document rather than releasing it as if it had no fee.
    """
    try:
        payment = _chain_payment(db, document_id)
    except _ChainUnresolved:
        return False
    return payment is None or payment.status != "pending"


def require_released(db: Session, *, document: Document) -> None:
    """Raises FeeDueError (402) while the document's fee is unpaid."""
    if not is_released(db, document_id=document.id):  # type: ignore[arg-type]
        raise FeeDueError()


def payment_status(db: Session, *, payment_id: int) -> str:
    """ "pending", "paid" or "exempt"; PaymentNotFoundError for an unknown id."""
    payment = db.get(Payment, payment_id)
    if payment is None:
        raise PaymentNotFoundError()
    return payment.status


def get_citizen_payment(db: Session, *, citizen_id: int, payment_id: int) -> Payment:
    """The citizen's own payment; another citizen's answers 404 like a missing one."""
    payment = db.get(Payment, payment_id)
    if payment is None or payment.citizen_id != citizen_id:
        raise PaymentNotFoundError()
    return payment


def promptpay_payload_for(payment: Payment, settings: Settings) -> str:
    """The EMVCo bill-payment payload the citizen's bank app scans (dynamic, with amount)."""
    return promptpay.encode(
        biller_id=payment.biller_id,
        ref1=payment.ref1,
        ref2=payment.ref2,
        amount_satang=payment.amount_satang,
        merchant_name=settings.payment_merchant_name or None,
    )


def create_or_get_payment_for_document(
    db: Session, *, document: Document, channel: str, biller_id: str | None = None
) -> Payment | None:
    """The document's payment, written now if its service has a fee; None when no fee.

    Idempotent: a retried worker step finds the first row. `biller_id` defaults to the
    agency's from the settings (`biller_id_for`).
    """
    assert document.id is not None
    existing = payment_for_document(db, document_id=document.id)
    if existing is not None or document.replaces is not None or document.petition_id is None:
        return existing  # a reissue follows its chain; a document without petition has no fee
    petition = db.get(Petition, document.petition_id)
    if petition is None:
        return None
    from services.petitions.processing import definition_of  # processing calls this module

    service = definition_of(petition)
    amount_satang = int(service.fee_baht * 100)
    if amount_satang <= 0:
        return None
    citizen = db.get(Citizen, document.citizen_id)
    assert citizen is not None
    exemption = exemption_for(
        db,
        citizen=citizen,
        categories=service.fee_exemptions,
        on=thailand_date(document.issued_at),
    )
    if biller_id is None:
        from portal.settings import get_settings

        settings = get_settings()
        biller_id = biller_id_for(
            document.agency, configured=settings.payment_biller_ids, demo=not settings.is_production
        )
    payment = Payment(
        document_id=document.id,
        citizen_id=document.citizen_id,
        petition_id=petition.id,
        service_code=service.code,
        agency=document.agency,
        amount_satang=amount_satang,
        status="exempt" if exemption else "pending",
        exemption=exemption,
        ref1=ref1_for_petition(petition.id),
        ref2=ref2_for_document(document.number),
        biller_id=biller_id,
        channel=channel,
    )
    db.add(payment)
    db.flush()
    record_event(
        db,
        actor="system",
        action="payment.exempted" if exemption else "payment.due",
        object_type="payment",
        object_id=payment.id,  # type: ignore[arg-type]
        details={
            "document": document.number,
            "amount_satang": amount_satang,
            "exemption": exemption,
        },
    )
    return payment


def biller_id_for(agency: str, *, configured: dict[str, str], demo: bool) -> str:
    """The agency's 15-digit biller ID: configured, or (outside production) a demo one.

    A demo ID is a well-formed juristic tax ID (0994 + digits from the agency code + the
    mod-11 check digit) followed by the suffix 00, so it passes the same checks a real one does.
    """
    if agency in configured:
        return configured[agency]
    if not demo:
        raise ValueError(f"PORTAL_PAYMENT_BILLER_IDS has no biller ID for {agency!r}")
    digits = "".join(f"{ord(c) % 100:02d}" for c in agency.lower())[:8].ljust(8, "0")
    first_twelve = f"0994{digits}"
    return f"{first_twelve}{check_digit(first_twelve)}00"


def list_citizen_payments(db: Session, *, citizen_id: int) -> list[Payment]:
    """The citizen's payments, newest first (for the wallet)."""
    return list(
        db.exec(
            select(Payment)
            .where(Payment.citizen_id == citizen_id)
            .order_by(col(Payment.created_at).desc(), col(Payment.id).desc())
        ).all()
    )


def pending_fees(db: Session, *, documents: list[Document]) -> dict[int, Payment]:
    """Document id -> its unpaid payment, for the documents given (one query for the list)."""
    ids = [d.id for d in documents if d.id is not None]
    if not ids:
        return {}
    rows = db.exec(_PENDING_OF_DOCUMENTS, params={"ids": ids}).all()
    return {p.document_id: p for p in rows}


_PENDING_OF_DOCUMENTS = select(Payment).where(
    col(Payment.document_id).in_(bindparam("ids", expanding=True)), Payment.status == "pending"
)
