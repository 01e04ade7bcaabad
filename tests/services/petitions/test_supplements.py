"""Supplement requests: the officer flags fields and documents, the clock pauses, the citizen
answers only what is asked, and the petition comes back to the same officer."""

from __future__ import annotations

import pytest
from sqlmodel import select

from services.petitions import deadlines
from services.petitions.casework_models import DecisionKind, SupplementRequest
from services.petitions.decisions import approve_petition, list_decisions
from services.petitions.errors import (
    InvalidAnswersError,
    NoSupplementRequestedError,
    NotClaimedError,
    PetitionNotFoundError,
    SupplementAlreadyAnsweredError,
    SupplementInvalidError,
    UploadRejectedError,
    UploadRequiredError,
)
from services.petitions.models import EvidenceUpload, PetitionState
from services.petitions.processing import definition_of
from services.petitions.service import UploadStore
from services.petitions.supplements import (
    answer_supplement,
    document_key,
    flaggable_fields,
    request_supplement,
)
from services.petitions.uploads import ReceivedFile
from tests.services.petitions.casework import (
    TWO_OFFICERS,
    make_citizen,
    make_officer,
    make_petition,
)

PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 64


@pytest.fixture
def store(tmp_path):
    return UploadStore(data_dir=tmp_path, limit_bytes=1024 * 1024)


def asked(db, *, fields=("location",), documents=("photo",), message="Please say exactly where"):
    officer = make_officer(db)
    citizen = make_citizen(db)
    petition = make_petition(db, citizen, officer=officer)
    request_supplement(
        db,
        officer=officer,
        petition_id=petition.id,
        fields=list(fields),
        documents=list(documents),
        message=message,
    )
    db.commit()
    return officer, citizen, petition


class TestRequest:
    def test_moves_the_petition_to_the_citizen_and_pauses_the_clock(self, db):
        officer, _citizen, petition = asked(db)
        assert petition.state == PetitionState.SUPPLEMENT_REQUESTED
        assert petition.assigned_officer_id == officer.id
        row = db.exec(select(SupplementRequest)).one()
        assert row.fields == ["location"] and row.documents == ["photo"]
        assert row.answered_at is None
        if hasattr(deadlines, "pause_clock"):
            assert petition.clock_paused_at is not None

    @pytest.mark.parametrize(
        ("fields", "documents", "message"),
        [
            ([], [], "Please"),  # nothing asked
            (["location"], [], ""),  # no message
            (["no_such_field"], [], "Please"),
        ],
    )
    def test_must_ask_for_something_known_with_a_message(self, db, fields, documents, message):
        officer = make_officer(db)
        petition = make_petition(db, make_citizen(db), officer=officer)
        with pytest.raises(SupplementInvalidError) as caught:
            request_supplement(
                db,
                officer=officer,
                petition_id=petition.id,
                fields=fields,
                documents=documents,
                message=message,
            )
        assert caught.value.status_code == 400
        assert petition.state == PetitionState.IN_REVIEW

    def test_fields_evidence_depends_on_cannot_be_flagged(self):
        from services.catalogue.service import get_catalogue

        move_in = get_catalogue().get("dopa.move-in")
        names = {f.name for f in flaggable_fields(move_in)}
        assert move_in.approval is not None
        assert move_in.approval.citizen_field not in names

    def test_needs_the_claim(self, db):
        holder, other = make_officer(db), make_officer(db)
        petition = make_petition(db, make_citizen(db), officer=holder)
        with pytest.raises(NotClaimedError):
            request_supplement(
                db,
                officer=other,
                petition_id=petition.id,
                fields=["location"],
                documents=[],
                message="Please",
            )

    def test_voids_a_pending_first_approval(self, db):
        first = make_officer(db, agency="rtp")
        petition = make_petition(db, make_citizen(db), service_code=TWO_OFFICERS, officer=first)
        approve_petition(db, officer=first, petition_id=petition.id)
        petition.assigned_officer_id = first.id
        db.commit()
        request_supplement(
            db,
            officer=first,
            petition_id=petition.id,
            fields=["country"],
            documents=[],
            message="Which country?",
        )
        kinds = [d.kind for d in list_decisions(db, petition.id)]
        assert kinds == [DecisionKind.FIRST_APPROVAL, DecisionKind.CLEARED]


class TestAnswer:
    def test_returns_to_the_same_officer_with_answers_merged(self, db, store):
        officer, citizen, petition = asked(db)
        answer_supplement(
            db,
            citizen=citizen,
            petition_id=petition.id,
            answers={"location": "Soi Sukhumvit 21, outbound", "description": "ignored"},
            uploads={document_key(0): ReceivedFile("light.png", PNG)},
            upload_store=store,
        )
        db.commit()
        assert petition.state == PetitionState.IN_REVIEW
        assert petition.assigned_officer_id == officer.id
        assert petition.claim_active_at is not None
        assert petition.answers["location"] == "Soi Sukhumvit 21, outbound"
        assert petition.answers["description"] == "The light is out"  # not asked: unchanged
        if hasattr(deadlines, "resume_clock"):
            assert petition.clock_paused_at is None
        upload = db.exec(select(EvidenceUpload)).one()
        assert upload.item == "photo" and upload.content_type == "image/png"
        row = db.exec(select(SupplementRequest)).one()
        assert row.answered_at is not None
        assert row.answers == {"location": "Soi Sukhumvit 21, outbound"}

    def test_answering_twice_is_refused_and_keeps_the_first_answer(self, db, store):
        _officer, citizen, petition = asked(db, documents=())
        answer_supplement(
            db,
            citizen=citizen,
            petition_id=petition.id,
            answers={"location": "First"},
            uploads={},
            upload_store=store,
        )
        db.commit()
        with pytest.raises(SupplementAlreadyAnsweredError) as caught:
            answer_supplement(
                db,
                citizen=citizen,
                petition_id=petition.id,
                answers={"location": "Second"},
                uploads={},
                upload_store=store,
            )
        assert caught.value.status_code == 409
        db.rollback()
        assert petition.answers["location"] == "First"

    def test_two_answers_read_together_keep_only_the_first(self, db, store, clean_engine):
        """Both read the request unanswered before either committed (two tabs)."""
        from sqlmodel import Session

        from identity.models import Citizen
        from services.petitions.models import Petition

        _officer, citizen, petition = asked(db, documents=())
        late = Session(clean_engine, expire_on_commit=False)
        first = Session(clean_engine, expire_on_commit=False)
        try:
            held = (  # as a request holds them, read before the first answer commits
                late.get(Petition, petition.id),
                late.exec(select(SupplementRequest)).one(),
            )
            assert held[1].answered_at is None
            answer_supplement(
                first,
                citizen=first.get(Citizen, citizen.id),
                petition_id=petition.id,
                answers={"location": "First"},
                uploads={},
                upload_store=store,
            )
            first.commit()
            with pytest.raises(SupplementAlreadyAnsweredError):
                answer_supplement(
                    late,
                    citizen=late.get(Citizen, citizen.id),
                    petition_id=petition.id,
                    answers={"location": "Second"},
                    uploads={},
                    upload_store=store,
                )
            late.rollback()
        finally:
            late.close()
            first.close()
        db.expire_all()
        assert db.get(Petition, petition.id).answers["location"] == "First"

    def test_nothing_asked_is_a_conflict(self, db, store):
        citizen = make_citizen(db)
        petition = make_petition(db, citizen)
        with pytest.raises(NoSupplementRequestedError):
            answer_supplement(
                db,
                citizen=citizen,
                petition_id=petition.id,
                answers={},
                uploads={},
                upload_store=store,
            )

    def test_another_citizen_does_not_find_it(self, db, store):
        _officer, _citizen, petition = asked(db)
        with pytest.raises(PetitionNotFoundError) as caught:
            answer_supplement(
                db,
                citizen=make_citizen(db),
                petition_id=petition.id,
                answers={"location": "x"},
                uploads={},
                upload_store=store,
            )
        assert caught.value.status_code == 404

    def test_a_flagged_field_must_be_answered_by_its_kind(self, db, store):
        officer = make_officer(db)
        citizen = make_citizen(db)
        petition = make_petition(db, citizen, officer=officer)
        request_supplement(
            db,
            officer=officer,
            petition_id=petition.id,
            fields=["phone", "location"],
            documents=[],
            message="Your phone please",
        )
        db.commit()
        with pytest.raises(InvalidAnswersError) as caught:
            answer_supplement(
                db,
                citizen=citizen,
                petition_id=petition.id,
                answers={"phone": "12", "location": ""},
                uploads={},
                upload_store=store,
            )
        assert caught.value.details["fields"] == {"phone": "invalid_phone", "location": "required"}
        assert petition.state == PetitionState.SUPPLEMENT_REQUESTED

    def test_the_documents_asked_for_must_be_attached_and_acceptable(self, db, store):
        _officer, citizen, petition = asked(db, fields=(), documents=("photo", "a lease copy"))
        with pytest.raises(UploadRequiredError) as missing:
            answer_supplement(
                db,
                citizen=citizen,
                petition_id=petition.id,
                answers={},
                uploads={document_key(0): ReceivedFile("a.png", PNG)},
                upload_store=store,
            )
        assert missing.value.details["items"] == ["a lease copy"]
        with pytest.raises(UploadRejectedError):
            answer_supplement(
                db,
                citizen=citizen,
                petition_id=petition.id,
                answers={},
                uploads={
                    document_key(0): ReceivedFile("a.png", PNG),
                    document_key(1): ReceivedFile("lease.exe", b"MZ\x90\x00"),
                },
                upload_store=store,
            )
        answer_supplement(
            db,
            citizen=citizen,
            petition_id=petition.id,
            answers={},
            uploads={
                document_key(0): ReceivedFile("a.png", PNG),
                document_key(1): ReceivedFile("lease.pdf", b"%PDF-1.7\n"),
            },
            upload_store=store,
        )
        db.commit()
        items = sorted(u.item for u in db.exec(select(EvidenceUpload)))
        assert items == ["photo", "supplement:a lease copy"]
        assert definition_of(petition).code == petition.service_code
