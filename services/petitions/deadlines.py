"""Legal processing times in business days (placeholder until the calendar lands)."""

from __future__ import annotations

from sqlmodel import Session

from services.catalogue.definitions import ServiceDefinition
from services.petitions.models import Petition


def start_clock(db: Session, petition: Petition, service: ServiceDefinition) -> None:
    """Sets the petition's due date from the service's legal processing time."""
    return None
