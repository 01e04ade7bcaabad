"""Officers' decisions: one- and two-officer approval, rejection with how to appeal,
transfers and bulk approval."""

from __future__ import annotations

import pytest
from sqlmodel import select

from identity.officers.errors import OtherAgencyError, RoleRequiredError
from services.petitions import decisions
from services.petitions.casework_models import DecisionKind, PetitionDecision, PetitionNote
from services.petitions.errors import (
    NotClaimedError,
    PetitionNotFoundError,
    PetitionNotInReviewError,
    ReasonRequiredError,
    SecondApprovalSameOfficerError,
    UnknownOfficeError,
)
from services.petitions.models import PetitionJob, PetitionState
from tests.services.petitions.casework import (
    AUTOMATIC,
    TWO_OFFICERS,
    make_citizen,
    make_office,
    make_officer,
    make_petition,
)


def jobs(db, petition_id):
    return db.exec(select(PetitionJob).where(PetitionJob.petition_id == petition_id)).all()


class TestApprove:
    def test_one_officer_approval_approves_and_queues_the_certificate(self, db):
        officer = make_officer(db)
        petition = make_petition(db, make_citizen(db), officer=officer)
        outcome = decisions.approve_petition(db, officer=officer, petition_id=petition.id)
        db.commit()
        assert outcome == "approved"
        assert petition.state == PetitionState.APPROVED
        assert petition.decided_at is not None
        assert petition.decision_reason_en == "Approved by an officer"
        assert petition.decision_reason_th
        assert [j.kind for j in jobs(db, petition.id)] == ["process"]
        kinds = [d.kind for d in decisions.list_decisions(db, petition.id)]
        assert kinds == [DecisionKind.APPROVE]

    def test_an_automatic_service_in_review_needs_one_officer(self, db):
        officer = make_officer(db, agency="dopa")
        petition = make_petition(db, make_citizen(db), service_code=AUTOMATIC, officer=officer)
        assert decisions.approve_petition(db, officer=officer, petition_id=petition.id) == (
            "approved"
        )

    def test_acting_without_the_claim_is_a_conflict(self, db):
        officer, holder = make_officer(db), make_officer(db)
        petition = make_petition(db, make_citizen(db), officer=holder)
        with pytest.raises(NotClaimedError) as caught:
            decisions.approve_petition(db, officer=officer, petition_id=petition.id)
        assert caught.value.status_code == 409
        unclaimed = make_petition(db, make_citizen(db))
        with pytest.raises(NotClaimedError):
            decisions.approve_petition(db, officer=officer, petition_id=unclaimed.id)

    def test_an_officer_of_another_agency_is_refused(self, db):
        outsider = make_officer(db, agency="dol")
        petition = make_petition(db, make_citizen(db), officer=outsider)
        with pytest.raises(OtherAgencyError) as caught:
            decisions.approve_petition(db, officer=outsider, petition_id=petition.id)
        assert caught.value.status_code == 403

    def test_an_unknown_petition_is_not_found(self, db):
        with pytest.raises(PetitionNotFoundError):
            decisions.approve_petition(db, officer=make_officer(db), petition_id="nope")

    def test_only_a_petition_in_review_is_approved(self, db):
        officer = make_officer(db)
        petition = make_petition(
            db, make_citizen(db), officer=officer, state=PetitionState.SUPPLEMENT_REQUESTED
        )
        with pytest.raises(PetitionNotInReviewError) as caught:
            decisions.approve_petition(db, officer=officer, petition_id=petition.id)
        assert caught.value.status_code == 409


class TestTwoOfficers:
    def test_the_same_officer_cannot_approve_twice(self, db):
        first = make_officer(db, agency="rtp")
        petition = make_petition(db, make_citizen(db), service_code=TWO_OFFICERS, officer=first)
        assert decisions.approve_petition(db, officer=first, petition_id=petition.id) == (
            "first_approval"
        )
        db.commit()
        assert petition.state == PetitionState.IN_REVIEW
        assert petition.assigned_officer_id is None  # released for a colleague
        assert jobs(db, petition.id) == []
        petition.assigned_officer_id = first.id  # they claim it again
        db.commit()
        with pytest.raises(SecondApprovalSameOfficerError) as caught:
            decisions.approve_petition(db, officer=first, petition_id=petition.id)
        assert caught.value.status_code == 409
        assert "different officer" in caught.value.message_en
        assert "เจ้าหน้าที่อีกท่านหนึ่ง" in caught.value.message_th

    def test_a_different_officer_completes_the_approval(self, db):
        first, second = make_officer(db, agency="rtp"), make_officer(db, agency="rtp")
        petition = make_petition(db, make_citizen(db), service_code=TWO_OFFICERS, officer=first)
        decisions.approve_petition(db, officer=first, petition_id=petition.id, note="ok")
        petition.assigned_officer_id = second.id
        db.commit()
        assert decisions.pending_first_approval(db, petition.id) is not None
        assert decisions.approve_petition(db, officer=second, petition_id=petition.id) == (
            "approved"
        )
        db.commit()
        assert petition.state == PetitionState.APPROVED
        assert petition.decision_reason_en == "Approved by two officers"
        assert [j.kind for j in jobs(db, petition.id)] == ["process"]
        rows = decisions.list_decisions(db, petition.id)
        assert [(d.kind, d.officer_id) for d in rows] == [
            (DecisionKind.FIRST_APPROVAL, first.id),
            (DecisionKind.APPROVE, second.id),
        ]


class TestReject:
    def test_a_reason_is_required(self, db):
        officer = make_officer(db)
        petition = make_petition(db, make_citizen(db), officer=officer)
        for reason in ("", "   ", "too short"):
            with pytest.raises(ReasonRequiredError) as caught:
                decisions.reject_petition(
                    db, officer=officer, petition_id=petition.id, reason=reason
                )
            assert caught.value.status_code == 400
        assert petition.state == PetitionState.IN_REVIEW

    def test_the_citizen_is_told_the_reason_and_how_to_appeal(self, db):
        officer = make_officer(db)
        petition = make_petition(db, make_citizen(db), officer=officer)
        decisions.reject_petition(
            db, officer=officer, petition_id=petition.id, reason="ไม่พบจุดที่แจ้งในพื้นที่เขต"
        )
        db.commit()
        assert petition.state == PetitionState.REJECTED
        assert petition.decision_reason_th.startswith("ไม่พบจุดที่แจ้งในพื้นที่เขต")
        assert "15 วัน" in petition.decision_reason_th and "มาตรา 44" in petition.decision_reason_th
        assert "within 15 days" in petition.decision_reason_en
        assert "section 44" in petition.decision_reason_en
        assert jobs(db, petition.id) == []


class TestTransfer:
    def test_to_another_office_of_the_agency_frees_the_claim(self, db):
        officer = make_officer(db)
        make_office(db, "bma-bangrak")
        make_office(db, "bma-watthana")
        petition = make_petition(db, make_citizen(db), officer=officer, office_code="bma-bangrak")
        decisions.transfer_petition(
            db,
            officer=officer,
            petition_id=petition.id,
            office_code="bma-watthana",
            reason="The place is in Watthana district",
        )
        db.commit()
        assert petition.office_code == "bma-watthana"
        assert petition.assigned_officer_id is None
        note = db.exec(select(PetitionNote).where(PetitionNote.petition_id == petition.id)).one()
        assert "Watthana district" in note.text

    @pytest.mark.parametrize("code", ["nowhere", "dol-office", "bma-closed", "bma-bangrak"])
    def test_to_an_unknown_inactive_foreign_or_same_office_is_refused(self, db, code):
        officer = make_officer(db)
        make_office(db, "bma-bangrak")
        make_office(db, "dol-office", agency="dol")
        make_office(db, "bma-closed", active=False)
        petition = make_petition(db, make_citizen(db), officer=officer, office_code="bma-bangrak")
        with pytest.raises(UnknownOfficeError) as caught:
            decisions.transfer_petition(
                db, officer=officer, petition_id=petition.id, office_code=code, reason="x" * 20
            )
        assert caught.value.status_code == 400
        assert petition.assigned_officer_id == officer.id


class TestBulkApprove:
    def test_approves_only_automatic_services_in_review_of_the_agency(self, db):
        supervisor = make_officer(db, agency="dopa", roles=["supervisor"])
        colleague = make_officer(db, agency="dopa")
        citizen = make_citizen(db)
        auto = make_petition(db, citizen, service_code=AUTOMATIC)
        held = make_petition(db, citizen, service_code=AUTOMATIC, officer=colleague)
        manual = make_petition(db, citizen, service_code="dopa.move-in")
        done = make_petition(db, citizen, service_code=AUTOMATIC, state=PetitionState.ISSUED)
        other = make_petition(db, citizen, service_code=TWO_OFFICERS)
        assert [p.id for p in decisions.list_bulk_candidates(db, supervisor)] == [auto.id]
        result = decisions.bulk_approve(
            db,
            officer=supervisor,
            petition_ids=[auto.id, held.id, manual.id, done.id, other.id, "missing"],
        )
        db.commit()
        assert result.approved == [auto.id]
        assert result.skipped == {
            held.id: "held_by_another_officer",
            manual.id: "not_automatic",
            done.id: "not_in_review",
            other.id: "other_agency",
            "missing": "not_found",
        }
        assert auto.state == PetitionState.APPROVED
        assert [j.kind for j in jobs(db, auto.id)] == ["process"]
        assert manual.state == PetitionState.IN_REVIEW

    def test_needs_a_supervisor(self, db):
        officer = make_officer(db, agency="dopa")
        petition = make_petition(db, make_citizen(db), service_code=AUTOMATIC)
        with pytest.raises(RoleRequiredError):
            decisions.bulk_approve(db, officer=officer, petition_ids=[petition.id])
        assert db.exec(select(PetitionDecision)).all() == []


class TestDecisionsSentAtOnce:
    """Two requests that both read the petition in review before either committed (a double
    click, two tabs): the second finds it changed when it writes, and only one decision stays."""

    def test_an_approval_and_a_rejection_read_together_keep_only_the_first(self, db, clean_engine):
        from sqlmodel import Session

        from identity.officers.models import Officer
        from services.petitions.models import Petition

        officer = make_officer(db)
        petition = make_petition(db, make_citizen(db), officer=officer)
        late = Session(clean_engine, expire_on_commit=False)
        first = Session(clean_engine, expire_on_commit=False)
        try:
            # Read (and held, as a request holds it) before the approval commits.
            stale = late.get(Petition, petition.id)
            assert stale is not None and stale.state == PetitionState.IN_REVIEW
            late_officer = late.get(Officer, officer.id)
            decisions.approve_petition(
                first, officer=first.get(Officer, officer.id), petition_id=petition.id
            )
            first.commit()
            with pytest.raises(PetitionNotInReviewError):
                decisions.reject_petition(
                    late, officer=late_officer, petition_id=petition.id, reason="documents wrong"
                )
            late.rollback()
        finally:
            late.close()
            first.close()
        db.expire_all()
        kinds = [
            d.kind
            for d in db.exec(
                select(PetitionDecision).where(PetitionDecision.petition_id == petition.id)
            )
        ]
        assert kinds == [DecisionKind.APPROVE]
        assert len(jobs(db, petition.id)) == 1
