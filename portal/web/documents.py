"""My documents: every certificate issued to the citizen, to view and download."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from documents.service import read_document_pdf
from documents.wallet import get_citizen_document, list_documents_for_citizen
from portal.deps import CurrentCitizen, Db, SettingsDep
from portal.errors import NotFoundError
from portal.templating import render

router = APIRouter(tags=["citizen"], include_in_schema=False)


@router.get("/documents", response_class=HTMLResponse)
def my_documents(request: Request, db: Db, citizen: CurrentCitizen) -> HTMLResponse:
    documents = list_documents_for_citizen(db, citizen_id=citizen.id)  # type: ignore[arg-type]
    return render(request, "documents.html", documents=documents)


@router.get("/documents/{number}", response_class=HTMLResponse)
def document_page(request: Request, number: str, db: Db, citizen: CurrentCitizen) -> HTMLResponse:
    document = get_citizen_document(db, citizen_id=citizen.id, number=number)  # type: ignore[arg-type]
    if document is None:
        raise NotFoundError()
    return render(request, "document.html", document=document)


@router.get("/documents/{number}/pdf")
def download(number: str, db: Db, citizen: CurrentCitizen, settings: SettingsDep) -> Response:
    document = get_citizen_document(db, citizen_id=citizen.id, number=number)  # type: ignore[arg-type]
    if document is None:
        raise NotFoundError()
    return Response(
        read_document_pdf(settings.data_dir, document),
        media_type="application/pdf",
        headers={
            "Content-Disposition": f'attachment; filename="{document.number}.pdf"',
            "Cache-Control": "private, no-store",
        },
    )
