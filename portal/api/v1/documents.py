"""The citizen's documents (citizen, bearer token)."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import Response

from documents.models import DocumentPublic
from documents.service import read_document_pdf
from documents.wallet import get_citizen_document, list_documents_for_citizen
from portal.deps import ApiCitizen, Db, SettingsDep
from portal.errors import NotFoundError

router = APIRouter(prefix="/api/v1", tags=["citizen"])


@router.get("/documents", response_model=list[DocumentPublic])
def list_documents(db: Db, citizen: ApiCitizen) -> list[DocumentPublic]:
    return [
        DocumentPublic.from_document(d)
        for d in list_documents_for_citizen(db, citizen_id=citizen.id)  # type: ignore[arg-type]
    ]


@router.get(
    "/documents/{number}/pdf",
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}}}},
)
def download_document(number: str, db: Db, citizen: ApiCitizen, settings: SettingsDep) -> Response:
    """The signed PDF."""
    document = get_citizen_document(db, citizen_id=citizen.id, number=number)  # type: ignore[arg-type]
    if document is None:
        raise NotFoundError()
    return Response(read_document_pdf(settings.data_dir, document), media_type="application/pdf")
