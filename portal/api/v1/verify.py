"""Verification for anyone: banks, employers, the citizen (public)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, File, UploadFile
from pydantic import BaseModel

from documents.models import DocumentPublic
from documents.numbers import is_well_formed_number
from documents.service import get_document_by_number
from documents.verify import NotAPdfError, verify_pdf
from portal.deps import Db, SettingsDep
from portal.uploads import not_a_pdf, read_pdf_upload
from portal.web.verify import DocumentNotFoundError

router = APIRouter(prefix="/api/v1", tags=["public"])


class SignaturePublic(BaseModel):
    signed: bool
    intact: bool
    trusted: bool
    signer_subject: str | None
    signed_at: datetime | None


class VerificationPublic(BaseModel):
    genuine: bool
    reasons: list[str]
    document: DocumentPublic | None
    signature: SignaturePublic | None


@router.post("/verify", response_model=VerificationPublic)
def verify_upload(
    db: Db, settings: SettingsDep, file: Annotated[UploadFile | None, File()] = None
) -> VerificationPublic:
    """Checks an uploaded PDF: signature, certificate chain, hash against our record, revocation.

    415 when the file is not a PDF, 413 when it is over 10 MB.
    """
    data = read_pdf_upload(file, limit=settings.max_upload_bytes)
    try:
        result = verify_pdf(db, data, data_dir=settings.data_dir)
    except NotAPdfError as exc:
        raise not_a_pdf() from exc
    return VerificationPublic(
        genuine=result.genuine,
        reasons=list(result.reasons),
        document=DocumentPublic.from_document(result.document) if result.document else None,
        signature=SignaturePublic.model_validate(result.signature, from_attributes=True)
        if result.signature
        else None,
    )


@router.get("/verify/{number}", response_model=DocumentPublic)
def verify_number(number: str, db: Db) -> DocumentPublic:
    """What the document with this number says, and whether it is still valid."""
    document = get_document_by_number(db, number) if is_well_formed_number(number) else None
    if document is None:
        raise DocumentNotFoundError()
    return DocumentPublic.from_document(document)
