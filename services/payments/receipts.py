"""Signed receipts: a document of its own, issued and sealed like any certificate.

The receipt is rendered from `templates/certificates/receipt.html` and sealed by the agency
that charged the fee through `documents.service.issue_document`, so it carries a number, a
check code and a QR and verifies like any document. It has no petition of its own
(`issue_document` is idempotent per petition, and the petition's document is the certificate):
the payment row links it (`receipt_document_id`), and the payment is settled once, so it is
issued once. It is posted to the citizen's mailbox and listed in their wallet.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlmodel import Session

from documents.models import Document
from documents.service import issue_document, mask_name
from identity.models import Citizen
from services.agencies import get_agency
from services.mailbox.models import MessageKind
from services.mailbox.service import post_to_mailbox
from services.payments.models import Payment
from services.payments.thai_words import baht_text
from services.petitions.models import Petition

RECEIPT_TEMPLATE = "receipt"
TITLE_TH = "ใบเสร็จรับเงินค่าธรรมเนียม"
TITLE_EN = "Receipt for a Fee"
BANGKOK = ZoneInfo("Asia/Bangkok")


def issue_receipt(
    db: Session, *, payment: Payment, txn_id: str, data_dir: Path, base_url: str
) -> Document:
    """Issues, links and posts the receipt of a paid payment. Flushes, never commits."""
    assert payment.paid_at is not None and payment.id is not None
    if payment.receipt_document_id is not None:
        existing = db.get(Document, payment.receipt_document_id)
        if existing is not None:
            return existing
    agency = get_agency(payment.agency)
    citizen = db.get(Citizen, payment.citizen_id)
    paid_document = db.get(Document, payment.document_id)
    assert agency is not None and citizen is not None and paid_document is not None
    name_th, name_en = _service_names(db, payment)
    paid_local = payment.paid_at.astimezone(BANGKOK)
    context = {
        "agency": agency.letterhead(),
        "holder": {
            "title_th": citizen.title_th,
            "given_name_th": citizen.given_name_th,
            "family_name_th": citizen.family_name_th,
            "title_en": citizen.title_en,
            "given_name_en": citizen.given_name_en,
            "family_name_en": citizen.family_name_en,
        },
        "service_name_th": name_th,
        "service_name_en": name_en,
        "paid_document": paid_document.number,
        "payer_th": payment.payer_display or paid_document.holder_display_th,
        "payer_en": payment.payer_display or paid_document.holder_display_en,
        "amount": payment.amount_baht_text,
        "amount_words_th": baht_text(payment.amount_satang),
        "paid_at": paid_local.date(),
        "paid_time": paid_local.strftime("%H:%M"),
        "biller_id": payment.biller_id,
        "ref1": payment.ref1,
        "ref2": payment.ref2,
        "txn_id": txn_id,
    }
    receipt = issue_document(
        db,
        data_dir=data_dir,
        base_url=base_url,
        citizen_id=payment.citizen_id,
        petition_id=None,
        agency_code=agency.code,
        agency_name_th=agency.name_th,
        agency_name_en=agency.name_en,
        template=RECEIPT_TEMPLATE,
        title_th=TITLE_TH,
        title_en=TITLE_EN,
        context=context,
        holder_display_th=mask_name(
            citizen.given_name_th, citizen.family_name_th, citizen.title_th
        ),
        holder_display_en=mask_name(
            citizen.given_name_en, citizen.family_name_en, citizen.title_en
        ),
        issued_at=payment.paid_at,
    )
    payment.receipt_document_id = receipt.id
    db.add(payment)
    db.flush()
    post_to_mailbox(
        db,
        citizen_id=payment.citizen_id,
        kind=MessageKind.RECEIPT,
        subject_th=f"ได้รับชำระค่าธรรมเนียมแล้ว: {name_th}",
        subject_en=f"Fee paid: {name_en}",
        body_th="\n\n".join(
            [
                f"ได้รับชำระค่าธรรมเนียม {payment.amount_baht_text} บาท "
                f"({baht_text(payment.amount_satang)}) ด้วยพร้อมเพย์แล้ว",
                f"ใบเสร็จรับเงินเลขที่ {receipt.number}: /documents/{receipt.number}",
                f"เอกสารเลขที่ {paid_document.number} พร้อมดาวน์โหลดแล้วที่ "
                f"/documents/{paid_document.number}",
            ]
        ),
        body_en="\n\n".join(
            [
                f"We received your fee of THB {payment.amount_baht_text} by PromptPay.",
                f"Receipt number {receipt.number}: /documents/{receipt.number}",
                f"Document {paid_document.number} is ready to download at "
                f"/documents/{paid_document.number}",
            ]
        ),
        petition_id=payment.petition_id,
        document_number=receipt.number,
        base_url=base_url,
    )
    return receipt


def _service_names(db: Session, payment: Payment) -> tuple[str, str]:
    petition = db.get(Petition, payment.petition_id) if payment.petition_id else None
    name = ((petition.definition if petition else None) or {}).get("name") or {}
    return name.get("th") or payment.service_code, name.get("en") or payment.service_code


def paid_at_text(when: datetime) -> str:
    return when.astimezone(BANGKOK).strftime("%H:%M")
