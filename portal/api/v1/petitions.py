"""Filing and following petitions (citizen, bearer token)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Request

from identity.delegation.errors import NoActiveDelegationError
from identity.sessions import get_citizen_by_national_id
from portal.api.v1.responses import CITIZEN_ERRORS, error_responses
from portal.app import notify_worker
from portal.deps import ApiCitizen, Db
from portal.ratelimit import enforce_submission_limits
from services.catalogue.service import get_catalogue
from services.petitions.models import PetitionCreate, PetitionPublic
from services.petitions.queries import get_citizen_petition, list_citizen_petitions
from services.petitions.service import submit_petition

router = APIRouter(
    prefix="/api/v1",
    tags=["citizen"],
    responses=error_responses(*CITIZEN_ERRORS, 400, 403, 409),
)


@router.post(
    "/petitions",
    response_model=PetitionPublic,
    status_code=202,
    responses={429: {"description": "too many submissions; see Retry-After"}},
)
def create_petition(
    request: Request,
    body: PetitionCreate,
    db: Db,
    citizen: ApiCitizen,
    idempotency_key: Annotated[str | None, Header(max_length=128)] = None,
) -> PetitionPublic:
    """Files a petition; the answer is 202 because evidence is fetched and decided afterwards.

    Send an `Idempotency-Key` header: a retry with the same key returns the same petition.
    `on_behalf_of` files for someone who gave the caller a delegation covering the service
    (403 otherwise); the petition is theirs, and records the caller as the one who filed it.
    429 with `Retry-After` past the per-address or per-account submission rate.
    """
    enforce_submission_limits(request, citizen_id=citizen.id)
    grantor = None
    if body.on_behalf_of:
        grantor = get_citizen_by_national_id(db, national_id=body.on_behalf_of)
        if grantor is None:  # never signed in, so they cannot have delegated
            raise NoActiveDelegationError()
    petition = submit_petition(
        db,
        citizen=grantor or citizen,
        filed_by=citizen if grantor else None,
        service=get_catalogue().get(body.service_code),
        consented_datasets=body.consent,
        answers=body.answers,
        channel="api",
        idempotency_key=idempotency_key,
    )
    db.commit()
    notify_worker(request.app)
    return PetitionPublic.model_validate(petition, from_attributes=True)


@router.get("/petitions", response_model=list[PetitionPublic])
def list_petitions(db: Db, citizen: ApiCitizen) -> list[PetitionPublic]:
    return [
        PetitionPublic.model_validate(p, from_attributes=True)
        for p in list_citizen_petitions(db, citizen_id=citizen.id)  # type: ignore[arg-type]
    ]


@router.get("/petitions/{petition_id}", response_model=PetitionPublic)
def get_petition(petition_id: str, db: Db, citizen: ApiCitizen) -> PetitionPublic:
    petition = get_citizen_petition(db, citizen_id=citizen.id, petition_id=petition_id)  # type: ignore[arg-type]
    return PetitionPublic.model_validate(petition, from_attributes=True)
