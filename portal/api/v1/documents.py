"""The citizen's documents (citizen, bearer token): list, download, reissue, share links."""

from __future__ import annotations

from datetime import date, datetime

from fastapi import APIRouter, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field
from sqlmodel import Session

from documents.models import Document, DocumentPublic, ShareLink
from documents.service import read_document_pdf
from documents.sharing import (
    MAX_VIEWS_LIMIT,
    create_share_link,
    list_share_links,
    revoke_share_link,
    share_link_state,
)
from documents.wallet import get_citizen_document, list_documents_for_citizen, wallet_status
from documents.wallet_errors import DocumentNotFoundError, ShareLinkNotFoundError
from identity.models import Citizen
from portal.api.v1.responses import CITIZEN_ERRORS, error_responses
from portal.app import notify_worker
from portal.deps import ApiCitizen, Db, RowId, SettingsDep
from portal.errors import NotFoundError
from services.payments.service import require_released
from services.petitions.reissue import request_reissue

router = APIRouter(
    prefix="/api/v1",
    tags=["citizen"],
    responses=error_responses(*CITIZEN_ERRORS, 400, 402, 403, 409, 410),
)


class OwnDocument(DocumentPublic):
    """A document as its owner sees it: the check code and the reissue chain as well."""

    check_code: str
    valid_until: date | None
    wallet_status: str  # valid, revoked, superseded or expired (valid_until passed)
    revocation_reason: str | None
    replaces: str | None
    superseded_by: str | None

    @classmethod
    def of(cls, document: Document) -> OwnDocument:
        return cls(
            **DocumentPublic.from_document(document).model_dump(),
            check_code=document.check_code,
            valid_until=document.valid_until,
            wallet_status=wallet_status(document),
            revocation_reason=document.revocation_reason,
            replaces=document.replaces,
            superseded_by=document.superseded_by,
        )


class ReissueState(BaseModel):
    job_id: int
    state: str  # pending, running, done, failed
    created: bool  # False: a reissue of this document was already pending


class ShareCreate(BaseModel):
    recipient_name: str = Field(max_length=1000)
    purpose: str = Field(default="", max_length=1000)
    expires_in_minutes: int = Field(description="one of 15, 60, 1440, 10080, 43200")
    max_views: int | None = Field(default=None, ge=1, le=MAX_VIEWS_LIMIT)


class SharePublic(BaseModel):
    id: int
    recipient_name: str
    purpose: str
    created_at: datetime
    expires_at: datetime
    max_views: int | None
    view_count: int
    last_viewed_at: datetime | None
    revoked_at: datetime | None
    state: str  # active, revoked, expired, used_up

    @classmethod
    def of(cls, link: ShareLink) -> SharePublic:
        return cls(
            **link.model_dump(
                include={
                    "id",
                    "recipient_name",
                    "purpose",
                    "created_at",
                    "expires_at",
                    "max_views",
                    "view_count",
                    "last_viewed_at",
                    "revoked_at",
                }
            ),
            state=share_link_state(link),
        )


class ShareCreated(SharePublic):
    """Returned once: the portal keeps only the token's hash."""

    url: str
    token: str


@router.get("/documents", response_model=list[OwnDocument])
def list_documents(db: Db, citizen: ApiCitizen) -> list[OwnDocument]:
    return [
        OwnDocument.of(d)
        for d in list_documents_for_citizen(db, citizen_id=citizen.id)  # type: ignore[arg-type]
    ]


@router.get("/documents/{number}", response_model=OwnDocument)
def get_document(number: str, db: Db, citizen: ApiCitizen) -> OwnDocument:
    return OwnDocument.of(_own(db, citizen, number))


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
    require_released(db, document=document)  # 402 until the fee is paid
    return Response(read_document_pdf(settings.data_dir, document), media_type="application/pdf")


@router.post("/documents/{number}/reissue", response_model=ReissueState, status_code=202)
def reissue_document(request: Request, number: str, db: Db, citizen: ApiCitizen) -> ReissueState:
    """Queues a reissue with the register's current data (a pending one is returned as is)."""
    result = request_reissue(
        db, number=number, citizen_id=citizen.id, actor=f"citizen:{citizen.id}"
    )
    db.commit()
    notify_worker(request.app)
    return ReissueState(job_id=result.job.id, state=result.job.state, created=result.created)  # type: ignore[arg-type]


@router.get("/documents/{number}/shares", response_model=list[SharePublic])
def list_shares(number: str, db: Db, citizen: ApiCitizen) -> list[SharePublic]:
    document = _own(db, citizen, number)
    links = list_share_links(db, citizen_id=citizen.id, document_id=document.id)  # type: ignore[arg-type]
    return [SharePublic.of(link) for link in links]


@router.post("/documents/{number}/shares", response_model=ShareCreated, status_code=201)
def create_share(
    number: str, body: ShareCreate, db: Db, citizen: ApiCitizen, settings: SettingsDep
) -> ShareCreated:
    document = _own(db, citizen, number)
    require_released(db, document=document)
    link, token = create_share_link(
        db,
        document=document,
        citizen_id=citizen.id,  # type: ignore[arg-type]
        recipient_name=body.recipient_name,
        purpose=body.purpose,
        expires_in_minutes=body.expires_in_minutes,
        max_views=body.max_views,
    )
    return ShareCreated(
        **SharePublic.of(link).model_dump(),
        url=f"{settings.base_url.rstrip('/')}/s/{token}",
        token=token,
    )


@router.delete("/documents/{number}/shares/{share_id}", status_code=204)
def revoke_share(number: str, share_id: RowId, db: Db, citizen: ApiCitizen) -> Response:
    document = _own(db, citizen, number)
    link = revoke_share_link(db, citizen_id=citizen.id, share_id=share_id)  # type: ignore[arg-type]
    if link.document_id != document.id:
        raise ShareLinkNotFoundError()
    return Response(status_code=204)


def _own(db: Session, citizen: Citizen, number: str) -> Document:
    document = get_citizen_document(db, citizen_id=citizen.id, number=number)  # type: ignore[arg-type]
    if document is None:
        raise DocumentNotFoundError()
    return document
