from __future__ import annotations

import asyncio
import re
import subprocess
from concurrent.futures import ThreadPoolExecutor
from io import BytesIO
from pathlib import Path

import pytest
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from sqlmodel import Session

from documents.errors import NotAPdfError
from documents.pki import get_agency_signer, load_trust_roots
from documents.render import render_certificate_pdf
from documents.service import read_document_pdf
from documents.sign import SIGNATURE_BYTES_RESERVED, sign_pdf
from documents.verify import check_pdf_signature, verify_pdf
from tests.documents.factories import (
    AGENCY_CODE,
    AGENCY_NAME_EN,
    full_residence_context,
    issue_residence,
)


@pytest.fixture(scope="module")
def unsigned_pdf() -> bytes:
    return render_certificate_pdf("residence", full_residence_context())


def byte_range(pdf: bytes) -> tuple[int, int, int, int]:
    match = re.search(rb"/ByteRange\s*\[\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s*\]", pdf)
    assert match
    a, b, c, d = (int(x) for x in match.groups())
    return a, b, c, d


def flip(pdf: bytes, position: int) -> bytes:
    """Changes one byte, keeping hex digits hex so the file still parses as far as possible."""
    original = pdf[position : position + 1]
    replacement = {b"0": b"1", b"1": b"0"}.get(original)
    if replacement is None:
        replacement = b"A" if original != b"A" else b"B"
    return pdf[:position] + replacement + pdf[position + 1 :]


class TestSignAndVerify:
    def test_issued_document_is_genuine(self, db: Session, data_dir: Path) -> None:
        document = issue_residence(db, data_dir)
        pdf = read_document_pdf(data_dir, document)

        result = verify_pdf(db, pdf, data_dir=data_dir)

        assert result.genuine, result
        assert result.reasons == []
        assert result.document is not None and result.document.number == document.number
        signature = result.signature
        assert signature.signed and signature.intact and signature.valid and signature.trusted
        assert signature.covers_whole_file
        assert signature.signer_subject is not None
        assert "Department of Provincial Administration document seal" in signature.signer_subject
        assert signature.signed_at is not None and signature.signed_at.tzinfo is not None

    def test_signature_is_pades_with_sha256(self, data_dir: Path, unsigned_pdf: bytes) -> None:
        signer = get_agency_signer(data_dir, AGENCY_CODE, AGENCY_NAME_EN)
        signed = sign_pdf(unsigned_pdf, signer, reason="Test", location="Thailand")
        assert b"/SubFilter /ETSI.CAdES.detached" in signed
        assert signed.startswith(unsigned_pdf)  # an incremental update: rendered bytes untouched
        embedded = PdfFileReader(BytesIO(signed)).embedded_signatures[0]
        assert embedded.field_name == "Signature"
        assert embedded.md_algorithm == "sha256"
        # the seal and the root travel with the signature, so the chain can be built offline
        assert len(embedded.signed_data["certificates"]) == 2
        # fixed room for the CMS blob (no dummy signature): keep a wide margin
        assert len(embedded.pkcs7_content) < SIGNATURE_BYTES_RESERVED * 0.6

    def test_signing_and_checking_work_inside_a_running_event_loop(
        self, data_dir: Path, unsigned_pdf: bytes
    ) -> None:
        """Playwright's sync API keeps a loop running in the main thread during browser tests."""
        signer = get_agency_signer(data_dir, AGENCY_CODE, AGENCY_NAME_EN)
        roots = load_trust_roots(data_dir)

        async def sign_and_check_in_loop() -> bool:
            signed = sign_pdf(unsigned_pdf, signer, reason="Test", location="Thailand")
            return check_pdf_signature(signed, roots).trusted

        # A thread of its own: this one may already hold Playwright's loop in a full run.
        with ThreadPoolExecutor(max_workers=1) as executor:
            assert executor.submit(lambda: asyncio.run(sign_and_check_in_loop())).result()


class TestTampering:
    @pytest.mark.parametrize(
        "where",
        [
            "content_middle",
            "content_start_of_body",
            "signature_contents_der",
            "signature_contents_padding",
            "after_signature",
            "last_byte",
        ],
    )
    def test_one_changed_byte_is_not_genuine(self, db: Session, data_dir: Path, where: str) -> None:
        document = issue_residence(db, data_dir)
        pdf = read_document_pdf(data_dir, document)
        _, first_length, second_start, second_length = byte_range(pdf)
        contents_start = first_length + 1  # after "<"
        positions = {
            "content_middle": first_length // 2,
            "content_start_of_body": 200,
            "signature_contents_der": contents_start + 40,
            "signature_contents_padding": second_start - 20,  # zeros after the DER blob
            "after_signature": second_start + second_length // 2,
            "last_byte": len(pdf) - 2,
        }
        tampered = flip(pdf, positions[where])
        assert tampered != pdf and len(tampered) == len(pdf)

        result = verify_pdf(db, tampered, data_dir=data_dir)

        assert not result.genuine
        assert "unknown_document" in result.reasons
        if where == "signature_contents_padding":
            # zeros after the DER blob are not signed data; the file hash still gives it away
            assert result.reasons == ["unknown_document"]
        else:
            assert "signature_invalid" in result.reasons

    def test_changed_content_breaks_the_signature(self, db: Session, data_dir: Path) -> None:
        pdf = read_document_pdf(data_dir, issue_residence(db, data_dir))
        _, first_length, _, _ = byte_range(pdf)
        result = verify_pdf(db, flip(pdf, first_length // 2), data_dir=data_dir)
        assert "signature_invalid" in result.reasons
        assert not result.signature.intact or not result.signature.valid

    def test_appended_byte_is_not_genuine(self, db: Session, data_dir: Path) -> None:
        pdf = read_document_pdf(data_dir, issue_residence(db, data_dir))
        result = verify_pdf(db, pdf + b"\n", data_dir=data_dir)
        assert not result.genuine

    def test_update_appended_after_signing_is_detected_and_named(
        self, db: Session, data_dir: Path
    ) -> None:
        document = issue_residence(db, data_dir)
        pdf = read_document_pdf(data_dir, document)
        writer = IncrementalPdfFileWriter(BytesIO(pdf))
        writer.document_meta.title = "Certificate of Residence (edited)"
        writer.update_root()
        output = BytesIO()
        writer.write(output)

        result = verify_pdf(db, output.getvalue(), data_dir=data_dir)

        assert not result.genuine
        assert "modified_after_signing" in result.reasons
        assert "unknown_document" in result.reasons
        assert result.document is not None and result.document.number == document.number

    def test_revoked_document_is_not_genuine(self, db: Session, data_dir: Path) -> None:
        from portal.db import utcnow

        document = issue_residence(db, data_dir)
        document.revoked_at = utcnow()
        db.add(document)
        db.flush()
        result = verify_pdf(db, read_document_pdf(data_dir, document), data_dir=data_dir)
        assert not result.genuine
        assert result.reasons == ["revoked"]


class TestNotOurs:
    def test_bytes_that_are_not_a_pdf_are_refused(self, db: Session, data_dir: Path) -> None:
        for data in [b"", b"hello", b"\x89PNG\r\n", b" %PDF-1.7", b"<html>%PDF-"]:
            with pytest.raises(NotAPdfError):
                verify_pdf(db, data, data_dir=data_dir)
            with pytest.raises(NotAPdfError):
                check_pdf_signature(data, [])
        assert issubclass(NotAPdfError, ValueError)

    def test_garbage_after_the_header_is_not_genuine(self, db: Session, data_dir: Path) -> None:
        result = verify_pdf(db, b"%PDF-1.7\n" + b"\x00garbage" * 100, data_dir=data_dir)
        assert not result.genuine
        assert result.reasons == ["not_signed", "unknown_document"]

    def test_unsigned_pdf_is_not_signed(
        self, db: Session, data_dir: Path, unsigned_pdf: bytes
    ) -> None:
        result = verify_pdf(db, unsigned_pdf, data_dir=data_dir)
        assert not result.genuine
        assert result.reasons == ["not_signed", "unknown_document"]
        assert not result.signature.signed

    def test_pdf_signed_by_another_ca_is_untrusted(
        self, db: Session, data_dir: Path, tmp_path: Path, unsigned_pdf: bytes
    ) -> None:
        impostor = get_agency_signer(tmp_path / "impostor", "dopa", AGENCY_NAME_EN)
        forged = sign_pdf(unsigned_pdf, impostor, reason="Test", location="Thailand")

        result = verify_pdf(db, forged, data_dir=data_dir)

        assert not result.genuine
        assert "untrusted_signer" in result.reasons
        assert result.signature.intact and result.signature.valid
        assert not result.signature.trusted

    def test_our_signature_on_a_file_we_never_issued_is_unknown(
        self, db: Session, data_dir: Path, unsigned_pdf: bytes
    ) -> None:
        signer = get_agency_signer(data_dir, AGENCY_CODE, AGENCY_NAME_EN)
        signed = sign_pdf(unsigned_pdf, signer, reason="Test", location="Thailand")
        result = verify_pdf(db, signed, data_dir=data_dir)
        assert result.signature.trusted
        assert result.reasons == ["unknown_document"]

    def test_no_trust_roots_means_nothing_is_trusted(
        self, data_dir: Path, unsigned_pdf: bytes
    ) -> None:
        signer = get_agency_signer(data_dir, AGENCY_CODE, AGENCY_NAME_EN)
        signed = sign_pdf(unsigned_pdf, signer, reason="Test", location="Thailand")
        report = check_pdf_signature(signed, [])
        assert report.intact and not report.trusted
        assert check_pdf_signature(signed, load_trust_roots(data_dir)).trusted


def test_poppler_pdfsig_validates_our_signature(
    db: Session, data_dir: Path, tmp_path: Path
) -> None:
    """An independent implementation agrees the signature is valid.

    pdfsig trusts only its NSS database, which does not hold our root, so it reports the
    certificate issuer as untrusted; the signature itself must be valid.
    """
    path = tmp_path / "signed.pdf"
    path.write_bytes(read_document_pdf(data_dir, issue_residence(db, data_dir)))
    output = subprocess.run(["pdfsig", str(path)], capture_output=True, text=True).stdout

    assert "Signature Validation: Signature is Valid." in output
    assert "Signature Type: ETSI.CAdES.detached" in output
    assert "Total document signed" in output
    assert "Signing Hash Algorithm: SHA-256" in output
    assert "Certificate Validation:" in output  # "issuer isn't Trusted" without our root in NSS

    tampered = tmp_path / "tampered.pdf"
    pdf = path.read_bytes()
    tampered.write_bytes(flip(pdf, byte_range(pdf)[1] // 2))
    output = subprocess.run(["pdfsig", str(tampered)], capture_output=True, text=True).stdout
    assert "Signature is Valid." not in output
