"""Reads that carry authorisation: a citizen sees only their own petitions."""

from __future__ import annotations

from sqlmodel import Session, col, select

from services.petitions.errors import PetitionNotFoundError
from services.petitions.models import Petition, PetitionEvent


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
