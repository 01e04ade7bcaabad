"""Shared helpers for the queue, claim and officer-view tests: officers and petitions in the
states an officer works on, written directly (no evidence fetching needed)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlmodel import Session

from identity.models import Citizen
from identity.officers.models import Officer
from services.petitions.models import Petition, PetitionState

NOW = datetime(2026, 11, 20, 3, 0, tzinfo=UTC)  # Friday 10:00 in Bangkok
TODAY = date(2026, 11, 20)
_ids = iter(range(10**6))


def make_citizen(db: Session) -> Citizen:
    citizen = Citizen(national_id=f"9{next(_ids):012d}", subject="s", issuer="i")
    db.add(citizen)
    db.flush()
    return citizen


def make_officer(db: Session, agency: str = "dopa", roles: list[str] | None = None, **kw: Any):
    officer = Officer(
        national_id=f"8{next(_ids):012d}", agency=agency, roles=roles or ["officer"], **kw
    )
    db.add(officer)
    db.flush()
    return officer


def make_petition(
    db: Session,
    citizen: Citizen,
    *,
    service_code: str = "dopa.move-in",
    state: PetitionState = PetitionState.IN_REVIEW,
    due_in: int | None = 5,
    created_at: datetime | None = None,
    **kw: Any,
) -> Petition:
    petition = Petition(
        citizen_id=citizen.id,
        service_code=service_code,
        service_version=1,
        state=state,
        due_on=TODAY + timedelta(days=due_in) if due_in is not None else None,
        created_at=created_at or NOW - timedelta(days=3),
        updated_at=(created_at or NOW - timedelta(days=3)),
        **kw,
    )
    db.add(petition)
    db.flush()
    return petition


class Recorder:
    """Stands in for `record_event`, keeping what was recorded."""

    def __init__(self) -> None:
        self.events: list[dict[str, Any]] = []

    def __call__(self, db: Session, **event: Any) -> None:
        self.events.append(event)

    def actions(self) -> list[str]:
        return [e["action"] for e in self.events]
