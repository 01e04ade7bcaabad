"""Public verification: by document number (or QR), or by uploading the PDF."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, File, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from documents.numbers import is_well_formed_number
from documents.service import get_document_by_number
from documents.verify import NotAPdfError, verify_pdf
from portal.csrf import CsrfProtected
from portal.deps import Db, SettingsDep, get_optional_citizen
from portal.errors import NotFoundError
from portal.templating import render
from portal.uploads import not_a_pdf, read_pdf_upload

router = APIRouter(
    tags=["public"], include_in_schema=False, dependencies=[Depends(get_optional_citizen)]
)


class DocumentNotFoundError(NotFoundError):
    code = "document_not_found"
    default_th = "ไม่พบเอกสารเลขที่นี้ในระบบ กรุณาตรวจสอบเลขที่เอกสารอีกครั้ง"
    default_en = "No document with this number was issued by the portal; please check the number"


@router.get("/verify", response_class=HTMLResponse)
def verify_start(request: Request, number: str = "") -> Response:
    if number.strip():
        return RedirectResponse(f"/verify/{number.strip().upper()}", status_code=303)
    return render(request, "verify.html")


@router.get("/verify/{number}", response_class=HTMLResponse)
def verify_number(request: Request, number: str, db: Db) -> HTMLResponse:
    document = get_document_by_number(db, number) if is_well_formed_number(number) else None
    if document is None:
        raise DocumentNotFoundError(number=number[:64])
    return render(request, "verify_number.html", document=document)


@router.post("/verify", response_class=HTMLResponse, dependencies=[CsrfProtected])
def verify_upload(
    request: Request,
    db: Db,
    settings: SettingsDep,
    file: Annotated[UploadFile | None, File()] = None,
) -> HTMLResponse:
    data = read_pdf_upload(file, limit=settings.max_upload_bytes)
    try:
        result = verify_pdf(db, data, data_dir=settings.data_dir)
    except NotAPdfError as exc:
        raise not_a_pdf() from exc
    return render(request, "verify_result.html", result=result)
