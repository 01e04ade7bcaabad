"""Paying a fee: the PromptPay QR page and the status it polls (citizen)."""

from __future__ import annotations

import html

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse
from sqlmodel import Session

from documents.models import Document
from documents.qr import qr_svg
from portal.deps import CurrentCitizen, Db, RowId, SettingsDep
from portal.i18n import gettext
from portal.settings import Settings
from portal.templating import render
from services.payments.exemptions import CATEGORIES
from services.payments.models import Payment
from services.payments.service import get_citizen_payment, promptpay_payload_for

router = APIRouter(tags=["citizen"], include_in_schema=False)


@router.get("/payments/{payment_id}", response_class=HTMLResponse)
def pay_page(
    request: Request, payment_id: RowId, db: Db, citizen: CurrentCitizen, settings: SettingsDep
) -> HTMLResponse:
    payment = get_citizen_payment(db, citizen_id=citizen.id, payment_id=payment_id)  # type: ignore[arg-type]
    return render_pay_page(request, db, payment, settings)


def render_pay_page(
    request: Request, db: Session, payment: Payment, settings: Settings, *, status_code: int = 200
) -> HTMLResponse:
    """The pay page; also the answer (402) to a withheld document's PDF link."""
    document = db.get(Document, payment.document_id)
    receipt = db.get(Document, payment.receipt_document_id) if payment.receipt_document_id else None
    payload = promptpay_payload_for(payment, settings) if payment.status == "pending" else ""
    return render(
        request,
        "payments/pay.html",
        status_code=status_code,
        payment=payment,
        document=document,
        receipt=receipt,
        payload=payload,
        qr=promptpay_qr_svg(payload) if payload else "",
        exemption=CATEGORIES.get(payment.exemption or ""),
    )


@router.get("/payments/{payment_id}/status")
def pay_status(payment_id: RowId, db: Db, citizen: CurrentCitizen) -> JSONResponse:
    """What the pay page polls (templates/static/payment-status.js); never cached."""
    payment = get_citizen_payment(db, citizen_id=citizen.id, payment_id=payment_id)  # type: ignore[arg-type]
    return JSONResponse(payment_status_body(db, payment), headers={"Cache-Control": "no-store"})


def payment_status_body(db: Session, payment: Payment) -> dict[str, object]:
    receipt = db.get(Document, payment.receipt_document_id) if payment.receipt_document_id else None
    return {
        "id": payment.id,
        "status": payment.status,
        "amount": payment.amount_baht_text,
        "exemption": payment.exemption,
        "receipt": receipt.number if receipt else None,
    }


def promptpay_qr_svg(payload: str) -> str:
    """The payload as an inline SVG QR with an accessible name."""
    svg = qr_svg(payload)
    label = html.escape(gettext("PromptPay QR code"), quote=True)
    return svg.replace('aria-label="QR code"', f'aria-label="{label}"', 1)
