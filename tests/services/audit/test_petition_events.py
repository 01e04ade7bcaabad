"""Petition state changes land in the audit chain through `change_state`."""

from __future__ import annotations

from sqlmodel import Session

from services.audit.service import list_events_for
from services.audit.verify import verify_chain
from services.petitions.models import PetitionState
from services.petitions.service import change_state
from tests.services.petitions.factories import create_citizen, create_petition


def test_every_state_change_of_a_petition_is_an_audit_event(db: Session, people):
    petition = create_petition(db, create_citizen(db, people[0]))
    change_state(db, petition, PetitionState.IN_REVIEW, actor="system", note="manual review")
    change_state(db, petition, PetitionState.APPROVED, actor="officer:7", note="ok")
    db.commit()

    trail = list_events_for(db, object_type="petition", object_id=petition.id)
    changes = [e for e in trail if e.action == "petition.state"]
    assert [e.details["to"] for e in changes][-2:] == ["in_review", "approved"]
    assert changes[-1].actor == "officer:7" and changes[-1].details["from"] == "in_review"
    assert changes[0].details["from"] is None  # the submission itself
    assert verify_chain(db).ok
