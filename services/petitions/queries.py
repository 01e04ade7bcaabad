"""Reads that carry authorisation: a citizen sees only their own petitions."""

from __future__ import annotations

from sqlmodel import Session, col, select

from identity.officers.authz import require_petition_access
from identity.officers.models import Officer, OfficerRole
from services.petitions.errors import PetitionNotFoundError
from services.petitions.models import Petition, PetitionEvent

OFFICER_LIST_LIMIT = 50


def get_citizen_petition(db: Session, *, citizen_id: int, petition_id: str) -> Petition:
    """The petition if it belongs to this citizen; otherwise 404 (never reveal it exists)."""
    petition = db.get(Petition, petition_id) if petition_id else None
    if petition is None or petition.citizen_id != citizen_id:
        raise PetitionNotFoundError()
    return petition


def list_citizen_petitions(db: Session, *, citizen_id: int, limit: int = 100) -> list[Petition]:
    return list(
        db.exec(
            select(Petition)
            .where(Petition.citizen_id == citizen_id)
            .order_by(col(Petition.created_at).desc())
            .limit(limit)
        )
    )


def list_petition_events(db: Session, *, petition_id: str) -> list[PetitionEvent]:
    return list(
        db.exec(
            select(PetitionEvent)
            .where(PetitionEvent.petition_id == petition_id)
            .order_by(col(PetitionEvent.id))
        )
    )


def list_officer_petitions(db: Session, officer: Officer) -> list[Petition]:
    """The newest petitions the officer may see: their agency's, or all for a portal admin."""
    query = select(Petition)
    if OfficerRole.PORTAL_ADMIN.value not in officer.roles:
        query = query.where(
            col(Petition.service_code).startswith(f"{officer.agency}.", autoescape=True)
        )
    query = query.order_by(col(Petition.created_at).desc()).limit(OFFICER_LIST_LIMIT)
    return list(db.exec(query))


def get_officer_petition(db: Session, officer: Officer, petition_id: str) -> Petition:
    """404 for an unknown petition, 403 for another agency's."""
    petition = db.get(Petition, petition_id) if petition_id else None
    if petition is None:
        raise PetitionNotFoundError()
    require_petition_access(officer, petition.service_code)
    return petition
