"""Third-party approvals (only the addressed citizen, once) and bundles (all parts or none)."""

from __future__ import annotations

import pytest
from sqlmodel import Session, select

from services.catalogue.service import get_catalogue
from services.petitions.approvals import decide_approval, pending_approvals
from services.petitions.bundles import (
    bundle_evidence,
    bundle_parts,
    bundle_questions,
    submit_bundle,
)
from services.petitions.errors import (
    ApprovalNotFoundError,
    InvalidAnswersError,
)
from services.petitions.models import (
    ApprovalState,
    Consent,
    Petition,
    PetitionApproval,
    PetitionJob,
    PetitionState,
)
from services.petitions.service import submit_petition
from tests.services.petitions.factories import create_citizen, make_parent_of

ANSWERS = {
    "house_id": "10300012345",
    "new_address": "99 ถนนสุขุมวิท",
    "house_owner_national_id": "1509900456789",
    "moved_on": "2026-01-15",
}


def file_move_in(db: Session, citizen, **answers: str) -> Petition:  # type: ignore[no-untyped-def]
    petition = submit_petition(
        db,
        citizen=citizen,
        service=get_catalogue().get("dopa.move-in"),
        consented_datasets=["dopa.population"],
        answers=ANSWERS | answers,
        channel="web",
    )
    db.commit()
    return petition


class TestApprovals:
    def test_the_owner_approves_once_and_the_petition_goes_on(self, db: Session, people):
        somchai, somying = create_citizen(db, people[0]), create_citizen(db, people[1])
        petition = file_move_in(db, somchai)
        ((approval, waiting),) = pending_approvals(db, approver=somying)
        assert waiting.id == petition.id
        assert pending_approvals(db, approver=somchai) == []
        decided = decide_approval(db, approval_id=approval.id, approver=somying, approve=True)
        db.commit()
        assert decided.state == PetitionState.SUBMITTED
        assert db.exec(select(PetitionJob)).one().petition_id == petition.id
        db.refresh(approval)
        assert approval.state == ApprovalState.APPROVED and approval.decided_by_id == somying.id
        assert pending_approvals(db, approver=somying) == []
        with pytest.raises(ApprovalNotFoundError):
            decide_approval(db, approval_id=approval.id, approver=somying, approve=False)

    def test_nobody_else_may_decide(self, db: Session, people):
        somchai, somying = create_citizen(db, people[0]), create_citizen(db, people[1])
        stranger = create_citizen(db, people[2])
        file_move_in(db, somchai)
        approval = db.exec(select(PetitionApproval)).one()
        for who in (somchai, stranger):
            with pytest.raises(ApprovalNotFoundError):
                decide_approval(db, approval_id=approval.id, approver=who, approve=True)
        with pytest.raises(ApprovalNotFoundError):
            decide_approval(db, approval_id="no-such-id", approver=somying, approve=True)
        db.rollback()
        assert db.exec(select(Petition)).one().state == PetitionState.AWAITING_APPROVAL

    def test_declining_rejects_with_the_reason_and_queues_nothing(self, db: Session, people):
        somchai, somying = create_citizen(db, people[0]), create_citizen(db, people[1])
        file_move_in(db, somchai)
        approval = db.exec(select(PetitionApproval)).one()
        petition = decide_approval(db, approval_id=approval.id, approver=somying, approve=False)
        db.commit()
        assert petition.state == PetitionState.REJECTED and petition.decided_at is not None
        assert petition.decision_reason_en == "The person who had to agree (House owner) declined"
        assert "เจ้าบ้าน" in petition.decision_reason_th
        assert db.exec(select(PetitionJob)).all() == []

    def test_an_invalid_owner_id_is_refused(self, db: Session, people):
        somchai = create_citizen(db, people[0])
        with pytest.raises(InvalidAnswersError):
            file_move_in(db, somchai, house_owner_national_id="1509900456780")


class TestBundles:
    def test_questions_and_evidence_are_asked_once(self):
        catalogue = get_catalogue()
        parts = bundle_parts(catalogue, catalogue.get_bundle("bundle.new-baby"))
        names = [f.name for f in bundle_questions(parts)]
        assert names == ["child_national_id", "hospital", "bank", "bank_account"]
        datasets = [e.dataset for e in bundle_evidence(parts)]
        assert datasets == ["dopa.population", "dopa.birth_record", "sso.insured"]

    def new_baby(self, db: Session, citizen, **changes: str):  # type: ignore[no-untyped-def]
        catalogue = get_catalogue()
        make_parent_of(
            db, parent_national_id=citizen.national_id, child_national_id="1103900773219"
        )
        return submit_bundle(
            db,
            catalogue=catalogue,
            bundle=catalogue.get_bundle("bundle.new-baby"),
            citizen=citizen,
            consented_datasets=["dopa.population", "dopa.birth_record", "sso.insured"],
            answers={
                "child_national_id": "1103900773219",
                "hospital": "รพ.ราชวิถี",
                "bank": "ktb",
                "bank_account": "123-4-56789-0",
            }
            | changes,
            channel="web",
            idempotency_key="baby",
        )

    def test_every_part_is_filed_with_one_bundle_id_once_per_key(self, db: Session, people):
        citizen = create_citizen(db, people[0])
        first = self.new_baby(db, citizen)
        db.commit()
        assert [p.service_code for p in first] == [
            "nhso.newborn-registration",
            "sso.child-allowance",
        ]
        assert len({p.bundle_id for p in first}) == 1 and first[0].bundle_id
        assert {p.bundle_code for p in first} == {"bundle.new-baby"}
        again = self.new_baby(db, citizen)
        assert [p.id for p in again] == [p.id for p in first]
        assert len(db.exec(select(Petition)).all()) == 2
        assert len(db.exec(select(Consent)).all()) == 5  # 2 + 3, each part its own

    def test_a_bad_answer_for_one_part_files_no_part(self, db: Session, people):
        citizen = create_citizen(db, people[0])
        with pytest.raises(InvalidAnswersError) as caught:
            self.new_baby(db, citizen, bank_account="12")  # asked by the second part only
        assert caught.value.details["fields"] == {"bank_account": "invalid_format"}
        db.rollback()
        assert db.exec(select(Petition)).all() == []


def test_a_bundle_offers_a_copy_only_where_every_part_accepts_one():
    catalogue = get_catalogue()
    parts = bundle_parts(catalogue, catalogue.get_bundle("bundle.moving-house"))
    assert parts[0].evidence_item("dopa.population").upload_instead is not None  # the move-in
    merged = {e.dataset: e for e in bundle_evidence(parts)}
    assert merged["dopa.population"].upload_instead is None
