"""Reads that carry authorisation: a citizen sees their own petitions, and those they filed
for someone else while the delegation for that service is still active."""

from __future__ import annotations

from sqlalchemy import bindparam, or_
from sqlmodel import Session, col, select

from identity.delegation.service import find_active_delegation
from identity.models import Citizen
from identity.officers.authz import require_petition_access
from identity.officers.models import Officer
from services.petitions.errors import PetitionNotFoundError
from services.petitions.models import JobState, Petition, PetitionEvent, PetitionJob


def get_citizen_petition(db: Session, *, citizen_id: int, petition_id: str) -> Petition:
    """The petition if this citizen may see it; otherwise 404 (never reveal it exists).

    The person it is for always may. Whoever filed it for them may only while a delegation
    from that person for this service is active: revoking takes back sight of the petition
    (its status, its certificate) as well as the right to file.
    """
    petition = db.get(Petition, petition_id) if petition_id else None
    if petition is None or not _may_see(db, citizen_id=citizen_id, petition=petition):
        raise PetitionNotFoundError()
    return petition


# The statements of the pages citizens load most are built once (bound parameters), not per
# request: SQLAlchemy then skips building each statement and computing its cache key.
_PETITIONS_OF_CITIZEN = (
    select(Petition)
    .where(
        or_(
            Petition.citizen_id == bindparam("citizen_id"),
            Petition.filed_by_id == bindparam("citizen_id"),
        )
    )
    .order_by(col(Petition.created_at).desc())
    .limit(bindparam("limit"))
)
_EVENTS_OF_PETITION = (
    select(PetitionEvent)
    .where(PetitionEvent.petition_id == bindparam("petition_id"))
    .order_by(col(PetitionEvent.id))
)
_RETRIED_JOB = select(PetitionJob.id).where(
    PetitionJob.petition_id == bindparam("petition_id"),
    PetitionJob.state == JobState.PENDING,
    PetitionJob.attempts > 0,
)


def list_citizen_petitions(db: Session, *, citizen_id: int, limit: int = 100) -> list[Petition]:
    """Their own petitions, and those they filed for others that they may still see."""
    candidates = db.exec(_PETITIONS_OF_CITIZEN, params={"citizen_id": citizen_id, "limit": limit})
    return [p for p in candidates if _may_see(db, citizen_id=citizen_id, petition=p)]


def _may_see(db: Session, *, citizen_id: int, petition: Petition) -> bool:
    if petition.citizen_id == citizen_id:
        return True
    if petition.filed_by_id != citizen_id:
        return False
    filer = db.get(Citizen, citizen_id)
    return filer is not None and (
        find_active_delegation(
            db,
            grantee_national_id=filer.national_id,
            grantor_id=petition.citizen_id,
            service_code=petition.service_code,
        )
        is not None
    )


def list_petition_events(db: Session, *, petition_id: str) -> list[PetitionEvent]:
    return list(db.exec(_EVENTS_OF_PETITION, params={"petition_id": petition_id}))


def get_officer_petition(db: Session, officer: Officer, petition_id: str) -> Petition:
    """404 for an unknown petition, 403 for another agency's."""
    petition = db.get(Petition, petition_id) if petition_id else None
    if petition is None:
        raise PetitionNotFoundError()
    require_petition_access(officer, petition.service_code)
    return petition


def waiting_for_a_registry(db: Session, *, petition_id: str) -> bool:
    """Whether the petition's work is being retried because a registry did not answer, so the
    citizen can be told that it waits and will continue by itself."""
    return db.exec(_RETRIED_JOB, params={"petition_id": petition_id}).first() is not None
