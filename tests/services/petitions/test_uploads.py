"""Uploaded copies: checked by content, size-limited, stored 0600, gone if the filing rolls back."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from sqlmodel import Session, select

from services.catalogue.service import get_catalogue
from services.petitions.errors import (
    ConsentRequiredError,
    UploadRejectedError,
    UploadRequiredError,
)
from services.petitions.models import (
    Consent,
    EvidenceUpload,
    Petition,
    PetitionApproval,
    PetitionJob,
    PetitionState,
)
from services.petitions.service import UploadStore, submit_petition
from services.petitions.uploads import (
    ReceivedFile,
    clean_filename,
    read_upload,
    sniff_type,
    uploads_dir,
)
from tests.fixtures.catalogue import MOVE_IN as SAMPLE_MOVE_IN
from tests.services.petitions.factories import create_citizen

PDF = b"%PDF-1.7\n1 0 obj<<>>endobj\n%%EOF\n"
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 32
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
SOMYING = "1509900456789"


@pytest.fixture
def store(tmp_path: Path) -> UploadStore:
    return UploadStore(data_dir=tmp_path, limit_bytes=1024)


def stored_files(store: UploadStore) -> list[Path]:
    folder = uploads_dir(store.data_dir)
    return sorted(folder.iterdir()) if folder.exists() else []


def move_in_answers(owner: str = SOMYING) -> dict[str, str]:
    return {
        "house_id": "10300012345",
        "new_address": "99 ถนนสุขุมวิท กรุงเทพมหานคร",
        "house_owner_national_id": owner,
        "moved_on": "2026-01-15",
    }


@pytest.mark.parametrize(
    ("data", "kind"),
    [
        (PDF, "application/pdf"),
        (JPEG, "image/jpeg"),
        (PNG, "image/png"),
        (b"GIF89a", None),
        (b"<html>%PDF-", None),
        (b"", None),
    ],
)
def test_the_type_comes_from_the_content(data, kind):
    assert sniff_type(data) == kind


@pytest.mark.parametrize(
    ("given", "shown"),
    [
        ("../../etc/passwd", "passwd"),
        ("C:\\Users\\somchai\\ทะเบียนบ้าน.pdf", "ทะเบียนบ้าน.pdf"),
        ("a\x00b\nc.pdf", "abc.pdf"),
        ("   ", "upload"),
        ("x" * 300, "x" * 200),
    ],
)
def test_file_names_are_for_display_only(given, shown):
    assert clean_filename(given) == shown


class TestDeclinedFetchWithACopy:
    def test_the_copy_is_stored_0600_and_recorded(self, db: Session, people, store):
        citizen = create_citizen(db, people[0])
        petition = submit_petition(
            db,
            citizen=citizen,
            service=get_catalogue().get("dopa.move-in"),
            consented_datasets=[],
            answers=move_in_answers(),
            channel="web",
            uploads={"dopa.population": ReceivedFile("../house register.pdf", PDF)},
            upload_store=store,
        )
        db.commit()
        upload = db.exec(select(EvidenceUpload)).one()
        assert upload.petition_id == petition.id and upload.item == "dopa.population"
        assert upload.filename == "house register.pdf" and upload.content_type == "application/pdf"
        assert upload.size == len(PDF) and len(upload.sha256) == 64
        (path,) = stored_files(store)
        assert path.name == upload.stored_name and path.read_bytes() == PDF
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        assert read_upload(store.data_dir, upload.stored_name) == PDF
        assert db.exec(select(Consent)).all() == []  # declined: no consent is recorded

    @pytest.mark.parametrize(
        ("received", "reason"),
        [
            (ReceivedFile("copy.pdf", b"MZ\x90\x00 not a pdf at all"), "type"),
            (ReceivedFile("copy.pdf", b"GIF89a" + b"\x00" * 10), "type"),
            (ReceivedFile("copy.pdf", b""), "empty"),
            (ReceivedFile("copy.pdf", b"%PDF-" + b"x" * 1020), "too_large"),  # 1025 bytes
        ],
    )
    def test_a_bad_copy_is_refused_and_nothing_is_written(
        self, db: Session, people, store, received, reason
    ):
        citizen = create_citizen(db, people[0])
        with pytest.raises(UploadRejectedError) as caught:
            submit_petition(
                db,
                citizen=citizen,
                service=get_catalogue().get("dopa.move-in"),
                consented_datasets=[],
                answers=move_in_answers(),
                channel="web",
                uploads={"dopa.population": received},
                upload_store=store,
            )
        assert caught.value.details["reason"] == reason
        assert caught.value.details["item"] == "dopa.population"
        db.rollback()
        assert db.exec(select(Petition)).all() == [] and stored_files(store) == []

    def test_exactly_at_the_limit_is_accepted(self, db: Session, people, store):
        citizen = create_citizen(db, people[0])
        submit_petition(
            db,
            citizen=citizen,
            service=get_catalogue().get("dopa.move-in"),
            consented_datasets=[],
            answers=move_in_answers(),
            channel="web",
            uploads={"dopa.population": ReceivedFile("c.pdf", b"%PDF-" + b"x" * 1019)},
            upload_store=store,
        )
        db.commit()
        assert db.exec(select(EvidenceUpload)).one().size == 1024

    def test_neither_consent_nor_copy_asks_for_the_copy(self, db: Session, people, store):
        citizen = create_citizen(db, people[0])
        with pytest.raises(UploadRequiredError) as caught:
            submit_petition(
                db,
                citizen=citizen,
                service=get_catalogue().get("dopa.move-in"),
                consented_datasets=[],
                answers=move_in_answers(),
                channel="web",
                upload_store=store,
            )
        assert caught.value.details["items"] == ["dopa.population"]

    def test_consent_and_a_copy_keeps_only_the_consent(self, db: Session, people, store):
        citizen = create_citizen(db, people[0])
        submit_petition(
            db,
            citizen=citizen,
            service=get_catalogue().get("dopa.move-in"),
            consented_datasets=["dopa.population"],
            answers=move_in_answers(),
            channel="web",
            uploads={
                "dopa.population": ReceivedFile("c.pdf", PDF),
                "other": ReceivedFile("x", PDF),
            },
            upload_store=store,
        )
        db.commit()
        assert db.exec(select(EvidenceUpload)).all() == [] and stored_files(store) == []
        assert db.exec(select(Consent)).one().dataset == "dopa.population"

    def test_a_copy_without_a_store_is_refused(self, db: Session, people):
        citizen = create_citizen(db, people[0])
        with pytest.raises(UploadRejectedError) as caught:
            submit_petition(
                db,
                citizen=citizen,
                service=get_catalogue().get("dopa.move-in"),
                consented_datasets=[],
                answers=move_in_answers(),
                channel="api",
                uploads={"dopa.population": ReceivedFile("c.pdf", PDF)},
            )
        assert caught.value.details["reason"] == "channel"


def test_an_item_without_a_copy_alternative_still_needs_consent(db: Session, people, store):
    citizen = create_citizen(db, people[0])
    with pytest.raises(ConsentRequiredError) as caught:
        submit_petition(
            db,
            citizen=citizen,
            service=get_catalogue().get("dopa.residence-certificate"),
            consented_datasets=[],
            answers={"purpose": "bank"},
            channel="web",
            uploads={"dopa.population": ReceivedFile("c.pdf", PDF)},
            upload_store=store,
        )
    assert caught.value.details["datasets"] == ["dopa.population"]
    db.rollback()
    assert stored_files(store) == []


class TestUploadsTheDefinitionAsksFor:
    def test_a_required_upload_must_come(self, db: Session, people, store):
        citizen = create_citizen(db, people[0])
        with pytest.raises(UploadRequiredError) as caught:
            submit_petition(
                db,
                citizen=citizen,
                service=SAMPLE_MOVE_IN,
                consented_datasets=["dopa.population"],
                answers={"owner_id": SOMYING},
                channel="web",
                upload_store=store,
            )
        assert caught.value.details["items"] == ["lease"]

    def test_the_complaint_photo_is_optional(self, db: Session, people, store):
        citizen = create_citizen(db, people[0])
        complaint = get_catalogue().get("bma.complaint")
        answers = {"category": "flooding", "location": "ซอยสุขุมวิท 21", "description": "น้ำท่วม"}
        without = submit_petition(
            db,
            citizen=citizen,
            service=complaint,
            consented_datasets=["dopa.population"],
            answers=answers,
            channel="web",
            upload_store=store,
        )
        with_photo = submit_petition(
            db,
            citizen=citizen,
            service=complaint,
            consented_datasets=["dopa.population"],
            answers=answers,
            channel="web",
            uploads={"photo": ReceivedFile("light.jpg", JPEG)},
            upload_store=store,
        )
        db.commit()
        (upload,) = db.exec(select(EvidenceUpload)).all()
        assert upload.petition_id == with_photo.id != without.id
        assert upload.item == "photo" and upload.content_type == "image/jpeg"

    def test_a_png_named_pdf_is_stored_as_png(self, db: Session, people, store):
        citizen = create_citizen(db, people[0])
        submit_petition(
            db,
            citizen=citizen,
            service=get_catalogue().get("bma.complaint"),
            consented_datasets=["dopa.population"],
            answers={"category": "noise", "location": "x", "description": "y"},
            channel="web",
            uploads={"photo": ReceivedFile("photo.pdf", PNG)},
            upload_store=store,
        )
        db.commit()
        assert db.exec(select(EvidenceUpload)).one().content_type == "image/png"


class TestRollback:
    def test_a_stored_file_is_removed_when_the_filing_rolls_back(self, db: Session, people, store):
        citizen = create_citizen(db, people[0])
        submit_petition(
            db,
            citizen=citizen,
            service=get_catalogue().get("dopa.move-in"),
            consented_datasets=[],
            answers=move_in_answers(),
            channel="web",
            uploads={"dopa.population": ReceivedFile("c.pdf", PDF)},
            upload_store=store,
        )
        assert len(stored_files(store)) == 1  # written before the commit
        db.rollback()
        assert stored_files(store) == []
        assert db.exec(select(EvidenceUpload)).all() == []

    def test_a_committed_file_survives_a_later_rollback(self, db: Session, people, store):
        citizen = create_citizen(db, people[0])
        submit_petition(
            db,
            citizen=citizen,
            service=get_catalogue().get("dopa.move-in"),
            consented_datasets=[],
            answers=move_in_answers(),
            channel="web",
            uploads={"dopa.population": ReceivedFile("c.pdf", PDF)},
            upload_store=store,
        )
        db.commit()
        db.rollback()
        assert len(stored_files(store)) == 1

    def test_nothing_is_stored_when_a_later_check_fails(self, db: Session, people, store):
        citizen = create_citizen(db, people[0])
        with pytest.raises(UploadRejectedError):
            submit_petition(
                db,
                citizen=citizen,
                service=SAMPLE_MOVE_IN,
                consented_datasets=[],
                answers={"owner_id": SOMYING},
                channel="web",
                uploads={
                    "dopa.population": ReceivedFile("c.pdf", PDF),
                    "lease": ReceivedFile("lease.pdf", b"not a pdf"),
                },
                upload_store=store,
            )
        assert stored_files(store) == []  # every file is checked before any is stored


class TestApprovalOnFiling:
    def test_a_move_in_waits_for_the_house_owner_without_a_job(self, db: Session, people, store):
        citizen = create_citizen(db, people[0])
        petition = submit_petition(
            db,
            citizen=citizen,
            service=get_catalogue().get("dopa.move-in"),
            consented_datasets=["dopa.population"],
            answers=move_in_answers("1509-90045-67-89"),
            channel="web",
        )
        db.commit()
        assert petition.state == PetitionState.AWAITING_APPROVAL
        approval = db.exec(select(PetitionApproval)).one()
        assert approval.petition_id == petition.id and approval.approver_national_id == SOMYING
        assert approval.role_en == "House owner"
        assert db.exec(select(PetitionJob)).all() == []
        assert petition.definition["code"] == "dopa.move-in"

    def test_the_owner_moving_in_themselves_needs_no_approval(self, db: Session, people):
        citizen = create_citizen(db, people[0])
        petition = submit_petition(
            db,
            citizen=citizen,
            service=get_catalogue().get("dopa.move-in"),
            consented_datasets=["dopa.population"],
            answers=move_in_answers(people[0].national_id),
            channel="web",
        )
        db.commit()
        assert petition.state == PetitionState.SUBMITTED
        assert db.exec(select(PetitionApproval)).all() == []
        assert db.exec(select(PetitionJob)).one().petition_id == petition.id
