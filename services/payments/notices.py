"""What the "document ready" mailbox message adds when a fee is due or waived."""

from __future__ import annotations

from sqlmodel import Session, select

from documents.models import Document
from services.payments.exemptions import CATEGORIES
from services.payments.models import Payment
from services.petitions.models import Petition


def fee_note(db: Session, petition: Petition) -> tuple[str, str] | None:
    """(Thai, English) paragraphs about the fee of the petition's document, or None."""
    if not petition.document_number:
        return None
    payment = db.exec(
        select(Payment)
        .join(Document, Document.id == Payment.document_id)  # type: ignore[arg-type]
        .where(Document.number == petition.document_number)
    ).first()
    if payment is None or payment.status == "paid":
        return None
    if payment.status == "exempt":
        category = CATEGORIES.get(payment.exemption or "")
        reason_th = category.reason_th if category else payment.exemption
        reason_en = category.reason_en if category else payment.exemption
        return (f"ยกเว้นค่าธรรมเนียม: {reason_th}", f"Fee waived: {reason_en}")
    path = f"/payments/{payment.id}"
    return (
        f"ค่าธรรมเนียม {payment.amount_baht_text} บาท ยังไม่ได้ชำระ ชำระด้วยพร้อมเพย์ได้ที่ {path} "
        "เอกสารจะดาวน์โหลด แบ่งปัน และพิมพ์ได้เมื่อชำระแล้ว",
        f"Fee due: {payment.amount_baht_text} baht. Pay with PromptPay at {path}; the document "
        "can be downloaded, shared and printed once it is paid.",
    )
