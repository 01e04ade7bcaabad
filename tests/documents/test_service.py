from __future__ import annotations

import hashlib
import stat
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, func, select

from documents.errors import DocumentStorageError
from documents.models import Document, DocumentPublic
from documents.numbers import is_well_formed_number
from documents.service import get_document_by_number, mask_name, read_document_pdf
from tests.documents.factories import create_document, issue_residence


class TestIssueDocument:
    def test_stores_a_signed_pdf_and_records_its_hash(self, db: Session, data_dir: Path) -> None:
        issued_at = datetime(2026, 11, 20, 18, 30, tzinfo=UTC)  # 21 Nov 2569 in Bangkok
        document = issue_residence(db, data_dir, petition_id="p-1", issued_at=issued_at)

        assert document.id is not None
        assert is_well_formed_number(document.number)
        assert document.number.startswith("DOPA-2569-")
        assert document.storage_key == f"2569/{document.number}.pdf"
        path = data_dir / "documents" / document.storage_key
        data = path.read_bytes()
        assert data.startswith(b"%PDF-")
        assert document.sha256 == hashlib.sha256(data).hexdigest()
        assert document.size_bytes == len(data)
        assert stat.S_IMODE(path.stat().st_mode) == 0o640
        assert not list(path.parent.glob(".*.tmp"))
        assert document.issued_at == issued_at
        assert "document seal" in document.signer_subject
        assert document.status == "valid"

    def test_qr_and_footer_point_at_the_verify_page(
        self, db: Session, data_dir: Path, tmp_path: Path
    ) -> None:
        document = issue_residence(db, data_dir, base_url="https://portal.example.go.th/")
        path = tmp_path / "d.pdf"
        path.write_bytes(read_document_pdf(data_dir, document))
        text = subprocess.run(
            ["pdftotext", str(path), "-"], capture_output=True, text=True, check=True
        ).stdout
        # The footer names the verify page (where number and check code are typed) and the
        # number; the QR code carries the link itself (tests/documents/test_certificate_images).
        assert "https://portal.example.go.th/verify," in text
        assert "th//verify" not in text
        assert document.number in text and document.check_code in text

    def test_is_idempotent_per_petition(self, db: Session, data_dir: Path) -> None:
        first = issue_residence(db, data_dir, petition_id="p-1")
        again = issue_residence(db, data_dir, petition_id="p-1")
        other = issue_residence(db, data_dir, petition_id="p-2")

        assert again.id == first.id and again.number == first.number
        assert other.number != first.number
        count = db.exec(select(func.count()).select_from(Document)).one()
        assert count == 2
        assert len(list((data_dir / "documents").rglob("*.pdf"))) == 2

    def test_is_idempotent_across_sessions(self, db_engine: Engine, data_dir: Path) -> None:
        with Session(db_engine) as first_session:
            first = issue_residence(first_session, data_dir, petition_id="p-1")
            first_session.commit()
            number = first.number
        with Session(db_engine) as second_session:
            assert issue_residence(second_session, data_dir, petition_id="p-1").number == number

    def test_without_petition_every_call_issues_a_new_document(
        self, db: Session, data_dir: Path
    ) -> None:
        assert issue_residence(db, data_dir).number != issue_residence(db, data_dir).number

    def test_flushes_but_does_not_commit(
        self, db: Session, db_engine: Engine, data_dir: Path
    ) -> None:
        document = issue_residence(db, data_dir, petition_id="p-1")
        with Session(db_engine) as other:
            assert get_document_by_number(other, document.number) is None
        db.commit()
        with Session(db_engine) as other:
            assert get_document_by_number(other, document.number) is not None

    def test_refuses_a_naive_issue_time(self, db: Session, data_dir: Path) -> None:
        with pytest.raises(ValueError):
            issue_residence(db, data_dir, issued_at=datetime(2026, 11, 21, 9, 0))


class TestReadDocument:
    def test_returns_the_stored_bytes(self, db: Session, data_dir: Path) -> None:
        document = issue_residence(db, data_dir)
        data = read_document_pdf(data_dir, document)
        assert hashlib.sha256(data).hexdigest() == document.sha256

    def test_refuses_a_file_altered_on_disk(self, db: Session, data_dir: Path) -> None:
        document = issue_residence(db, data_dir)
        path = data_dir / "documents" / document.storage_key
        path.write_bytes(path.read_bytes() + b"\n")
        with pytest.raises(DocumentStorageError):
            read_document_pdf(data_dir, document)

    def test_missing_file_is_a_storage_error(self, db: Session, data_dir: Path) -> None:
        with pytest.raises(DocumentStorageError):
            read_document_pdf(data_dir, create_document(db))

    def test_storage_key_cannot_escape_the_folder(self, db: Session, data_dir: Path) -> None:
        (data_dir / "secret.pdf").write_bytes(b"%PDF-secret")
        document = create_document(
            db,
            storage_key="../secret.pdf",
            sha256=hashlib.sha256(b"%PDF-secret").hexdigest(),
        )
        with pytest.raises(DocumentStorageError):
            read_document_pdf(data_dir, document)


class TestLookups:
    def test_get_by_number(self, db: Session) -> None:
        document = create_document(db)
        assert get_document_by_number(db, document.number) == document
        assert get_document_by_number(db, "DOPA-2569-00000000") is None

    def test_public_view_shows_status_and_no_citizen(self, db: Session) -> None:
        document = create_document(db)
        public = DocumentPublic.from_document(document)
        assert public.status == "valid"
        assert "citizen_id" not in public.model_dump()
        assert "sha256" not in public.model_dump()
        document.revoked_at = datetime(2026, 11, 22, tzinfo=UTC)
        assert DocumentPublic.from_document(document).status == "revoked"

    def test_timestamps_come_back_timezone_aware(self, db: Session) -> None:
        document = create_document(db, issued_at=datetime(2026, 11, 21, 3, 0, tzinfo=UTC))
        db.commit()
        db.expire_all()
        stored = get_document_by_number(db, document.number)
        assert stored is not None
        assert stored.issued_at == datetime(2026, 11, 21, 3, 0, tzinfo=UTC)
        assert stored.issued_at.tzinfo is not None


@pytest.mark.parametrize(
    ("given", "family", "title", "expected"),
    [
        ("สมชาย", "ใจดี", "นาย", "นาย สมชาย ใ***"),
        ("Somchai", "Jaidee", "Mr", "Mr Somchai J***"),
        ("Somchai", "", "Mr", "Mr Somchai"),
        ("Anna", "Na Ayutthaya", "", "Anna N***"),
        (" สมหญิง ", " รักไทย ", " นางสาว ", "นางสาว สมหญิง ร***"),
    ],
)
def test_mask_name(given: str, family: str, title: str, expected: str) -> None:
    assert mask_name(given, family, title) == expected


def test_a_rolled_back_issue_leaves_no_file_behind(db, data_dir) -> None:  # type: ignore[no-untyped-def]
    from tests.documents.factories import issue_residence as issue

    document = issue(db, data_dir, petition_id="rolled-back")
    path = data_dir / "documents" / document.storage_key
    assert path.exists()
    db.rollback()
    assert not path.exists()


def test_a_committed_issue_keeps_its_file(db, data_dir) -> None:  # type: ignore[no-untyped-def]
    from tests.documents.factories import issue_residence as issue

    document = issue(db, data_dir, petition_id="committed")
    db.commit()
    db.rollback()
    assert (data_dir / "documents" / document.storage_key).exists()
