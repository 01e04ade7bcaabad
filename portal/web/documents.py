"""My documents: every certificate issued to the citizen, to view, download, reissue and share.

Every lookup goes through `documents.wallet` (scoped to the signed-in citizen), so another
citizen's document, its share links and a missing one all answer 404 alike.
"""

from __future__ import annotations

import html
from typing import Annotated

import segno
from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlmodel import Session

from documents.models import Document, ShareLink
from documents.service import read_document_pdf
from documents.sharing import (
    EXPIRY_CHOICES,
    MAX_VIEWS_LIMIT,
    PURPOSE_MAX,
    RECIPIENT_MAX,
    create_share_link,
    list_share_links,
    revoke_share_link,
    share_link_state,
)
from documents.wallet import get_citizen_document, list_documents_for_citizen, wallet_status
from documents.wallet_errors import DocumentNotFoundError, InvalidShareError
from identity.models import Citizen
from portal.app import notify_worker
from portal.csrf import CsrfProtected
from portal.db import utcnow
from portal.deps import CurrentCitizen, Db, RowId, SettingsDep
from portal.errors import PortalError
from portal.i18n import gettext
from portal.templating import render
from portal.web.payments import render_pay_page
from services.payments.exemptions import CATEGORIES
from services.payments.service import payment_for_document, pending_fees, require_released
from services.petitions.reissue import latest_reissue_job, request_reissue

router = APIRouter(tags=["citizen"], include_in_schema=False)


@router.get("/documents", response_class=HTMLResponse)
def my_documents(request: Request, db: Db, citizen: CurrentCitizen) -> HTMLResponse:
    documents = list_documents_for_citizen(db, citizen_id=citizen.id)  # type: ignore[arg-type]
    return render(
        request,
        "documents.html",
        documents=[(d, wallet_status(d)) for d in documents],
        # Document id -> its unpaid payment: the list says "Fee due" beside those.
        fees_due=pending_fees(db, documents=documents),
    )


@router.get("/documents/{number}", response_class=HTMLResponse)
def document_page(request: Request, number: str, db: Db, citizen: CurrentCitizen) -> HTMLResponse:
    document = _own_document(db, citizen, number)
    return _render_document(request, db, citizen, document)


@router.get("/documents/{number}/pdf")
def download(
    request: Request, number: str, db: Db, citizen: CurrentCitizen, settings: SettingsDep
) -> Response:
    document = _own_document(db, citizen, number)
    payment = payment_for_document(db, document_id=document.id)  # type: ignore[arg-type]
    if payment is not None and payment.status == "pending":
        # 402 until the fee is paid, with the fee and the PromptPay QR to pay it.
        return render_pay_page(request, db, payment, settings, status_code=402)
    return Response(
        read_document_pdf(settings.data_dir, document),
        media_type="application/pdf",
        headers={
            "Content-Disposition": f'attachment; filename="{document.number}.pdf"',
            "Cache-Control": "private, no-store",
        },
    )


@router.post("/documents/{number}/reissue", dependencies=[CsrfProtected])
def reissue(request: Request, number: str, db: Db, citizen: CurrentCitizen) -> Response:
    """Queues a reissue with the register's current data; the worker does the work."""
    document = _own_document(db, citizen, number)
    try:
        result = request_reissue(
            db, number=number, citizen_id=citizen.id, actor=f"citizen:{citizen.id}"
        )
    except PortalError as error:
        return _render_document(request, db, citizen, document, error=error)
    db.commit()  # the job must exist before the worker is woken
    notify_worker(request.app)
    state = "requested" if result.created else "pending"
    return RedirectResponse(f"/documents/{number}?reissue={state}", status_code=303)


@router.get("/documents/{number}/share", response_class=HTMLResponse)
def share_page(request: Request, number: str, db: Db, citizen: CurrentCitizen) -> HTMLResponse:
    document = _own_document(db, citizen, number)
    return _render_share(request, db, citizen, document)


@router.post("/documents/{number}/share", dependencies=[CsrfProtected])
def create_share(
    request: Request,
    number: str,
    db: Db,
    citizen: CurrentCitizen,
    settings: SettingsDep,
    recipient_name: Annotated[str, Form(max_length=1000)] = "",
    purpose: Annotated[str, Form(max_length=1000)] = "",
    expires_in: Annotated[str, Form(max_length=16)] = "",
    max_views: Annotated[str, Form(max_length=16)] = "",
) -> HTMLResponse:
    """Creates a link and shows it once, with its QR: only the token's hash is kept."""
    document = _own_document(db, citizen, number)
    require_released(db, document=document)  # a link would hand out a withheld document
    form = {
        "recipient_name": recipient_name,
        "purpose": purpose,
        "expires_in": expires_in,
        "max_views": max_views,
    }
    try:
        link, token = create_share_link(
            db,
            document=document,
            citizen_id=citizen.id,  # type: ignore[arg-type]
            recipient_name=recipient_name,
            purpose=purpose,
            expires_in_minutes=_parse_int(expires_in) or 0,
            max_views=_parse_int(max_views),
        )
    except PortalError as error:
        return _render_share(request, db, citizen, document, error=error, form=form)
    url = f"{settings.base_url.rstrip('/')}/s/{token}"
    return render(
        request,
        "share_created.html",
        document=document,
        link=link,
        url=url,
        qr=share_qr_svg(url),
    )


@router.post("/documents/{number}/share/{share_id}/revoke", dependencies=[CsrfProtected])
def revoke_share(number: str, share_id: RowId, db: Db, citizen: CurrentCitizen) -> Response:
    document = _own_document(db, citizen, number)
    link = revoke_share_link(db, citizen_id=citizen.id, share_id=share_id)  # type: ignore[arg-type]
    if link.document_id != document.id:
        raise DocumentNotFoundError()  # a real link id under another document's number
    return RedirectResponse(f"/documents/{number}/share?revoked={share_id}", status_code=303)


def share_qr_svg(url: str) -> str:
    """The link as an inline SVG QR code (no image request, nothing for CSP to allow)."""
    svg = segno.make(url, error="m").svg_inline(
        scale=4, border=4, dark="#000", light="#fff", svgclass="share-qr", title="QR"
    )
    label = html.escape(gettext("QR code of the link"), quote=True)
    return svg.replace("<svg ", f'<svg role="img" aria-label="{label}" ', 1)


def _own_document(db: Session, citizen: Citizen, number: str) -> Document:
    document = get_citizen_document(db, citizen_id=citizen.id, number=number)  # type: ignore[arg-type]
    if document is None:
        raise DocumentNotFoundError()
    return document


def _parse_int(value: str) -> int | None:
    """A whole number from a form field; empty is None, anything else but digits a 400."""
    value = value.strip()
    if not value:
        return None
    if not value.isascii() or not value.isdigit() or len(value) > 9:
        raise InvalidShareError()
    return int(value)


def _render_document(
    request: Request,
    db: Session,
    citizen: Citizen,
    document: Document,
    *,
    error: PortalError | None = None,
) -> HTMLResponse:
    job = latest_reissue_job(db, document=document)
    payment = payment_for_document(db, document_id=document.id)  # type: ignore[arg-type]
    return render(
        request,
        "document.html",
        status_code=error.status_code if error else 200,
        document=document,
        payment=payment,
        fee_exemption=CATEGORIES.get(payment.exemption or "") if payment else None,
        status=wallet_status(document),
        reissue_job=job,
        error=error,
    )


def _render_share(
    request: Request,
    db: Session,
    citizen: Citizen,
    document: Document,
    *,
    error: PortalError | None = None,
    form: dict[str, str] | None = None,
) -> HTMLResponse:
    links: list[ShareLink] = list_share_links(
        db,
        citizen_id=citizen.id,  # type: ignore[arg-type]
        document_id=document.id,  # type: ignore[arg-type]
    )
    now = utcnow()
    return render(
        request,
        "share.html",
        status_code=error.status_code if error else 200,
        document=document,
        status=wallet_status(document),
        links=[(link, share_link_state(link, now=now)) for link in links],
        expiry_choices=EXPIRY_CHOICES,
        recipient_max=RECIPIENT_MAX,
        purpose_max=PURPOSE_MAX,
        max_views_limit=MAX_VIEWS_LIMIT,
        form=form or {},
        error=error,
        revoked=request.query_params.get("revoked"),
    )
