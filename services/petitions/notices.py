"""What a petition's state change tells its citizen (placeholder until the mailbox lands)."""

from __future__ import annotations

from sqlmodel import Session

from services.petitions.models import Petition


def on_state_change(
    db: Session, petition: Petition, *, from_state: str | None, to_state: str, note: str = ""
) -> None:
    """Posts the mailbox message (and queues the notifications) a state change calls for."""
    return None
