"""Who holds a petition in the back office: claims from the shared pool and assignments."""

from __future__ import annotations

from sqlmodel import Session

from identity.officers.models import Officer
from services.petitions.errors import NotClaimedError
from services.petitions.models import Petition


def require_claim(db: Session, officer: Officer, petition: Petition) -> None:
    """An officer acts only on a petition they hold: no two officers decide one petition."""
    if petition.assigned_officer_id is None or petition.assigned_officer_id != officer.id:
        raise NotClaimedError()
