"""The recipient's side of a share link: `/s/{token}` (public: the token is the authority).

Opening the link (GET) shows only that a document was shared and a button; the document is
shown, and a view counted, on the button's POST. Chat apps and mail scanners fetch every link
they see to draw a preview: counted on GET, a "one view" link would be used up before the
recipient ever opened it. Every answer here is `no-store`, `no-referrer` (the token is in the
URL) and `noindex`.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from sqlmodel import Session

from documents.service import read_document_pdf
from documents.sharing import SharedView, open_share_link, peek_share_link
from documents.wallet import wallet_status
from portal.csrf import CsrfProtected
from portal.db import utcnow
from portal.deps import Db, SettingsDep
from portal.errors import PortalError
from portal.templating import render
from services.exchange.models import DataAccess

router = APIRouter(tags=["public"], include_in_schema=False)

PRIVATE_HEADERS = {
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
    "X-Robots-Tag": "noindex, nofollow",
}


@router.get("/s/{token}", response_class=HTMLResponse)
def shared_landing(request: Request, token: str, db: Db) -> Response:
    """Says a document is waiting, without counting a view or showing any of it."""
    try:
        view = peek_share_link(db, token=token)
    except PortalError as error:
        return _gone(request, error)
    return _private(
        render(
            request,
            "share_open.html",
            token=token,
            recipient=view.link.recipient_name,
            document=None,
        )
    )


@router.post("/s/{token}", response_class=HTMLResponse, dependencies=[CsrfProtected])
def shared_document(request: Request, token: str, db: Db) -> Response:
    """Counts one view and shows what the document itself shows (masked name, no ID)."""
    try:
        view = open_share_link(db, token=token)
    except PortalError as error:
        return _gone(request, error)
    record_share_view(db, view, what="page")
    return _private(
        render(
            request,
            "share_open.html",
            token=token,
            recipient=view.link.recipient_name,
            document=view.document,
            status=wallet_status(view.document),
        )
    )


@router.post("/s/{token}/pdf", dependencies=[CsrfProtected])
def shared_pdf(request: Request, token: str, db: Db, settings: SettingsDep) -> Response:
    """Counts one view and hands out the signed PDF."""
    try:
        view = open_share_link(db, token=token)
    except PortalError as error:
        return _gone(request, error)
    record_share_view(db, view, what="download")
    pdf = read_document_pdf(settings.data_dir, view.document)
    return _private(
        Response(
            pdf,
            media_type="application/pdf",
            headers={"Content-Disposition": f'attachment; filename="{view.document.number}.pdf"'},
        )
    )


def record_share_view(db: Session, view: SharedView, *, what: str) -> DataAccess:
    """Writes the view into the owner's "Who used my data", naming the recipient."""
    link, document = view.link, view.document
    purpose_en = f"{link.recipient_name} opened the document you shared ({what})"
    purpose_th = f"{link.recipient_name} เปิดดูเอกสารที่ท่านแชร์ให้ (" + (
        "หน้าเอกสาร)" if what == "page" else "ดาวน์โหลด)"
    )
    if link.purpose:
        purpose_en += f"; purpose: {link.purpose}"
        purpose_th += f" วัตถุประสงค์: {link.purpose}"
    entry = DataAccess(
        citizen_id=link.citizen_id,
        agency=document.agency,
        dataset="document",
        fields=[document.number],
        purpose_th=purpose_th,
        purpose_en=purpose_en,
        accessed_by=f"share link: {link.recipient_name}"[:128],
        petition_id=None,
        request_id=f"share-{link.id}-{link.view_count}",
        at=link.last_viewed_at or utcnow(),
    )
    db.add(entry)
    db.flush()
    return entry


def _gone(request: Request, error: PortalError) -> Response:
    return _private(render(request, "share_gone.html", status_code=error.status_code, error=error))


def _private(response: Response) -> Response:
    response.headers.update(PRIVATE_HEADERS)
    return response
