from __future__ import annotations

import asyncio
import re
import subprocess
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from io import BytesIO
from pathlib import Path

import pytest
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from sqlmodel import Session

from documents.crl import revoke_certificate
from documents.errors import NotAPdfError
from documents.pki import get_agency_signer, load_trust_roots, rotate_seal
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
        # the seal and its CA chain travel with the signature, so the chain can be built offline
        assert len(embedded.signed_data["certificates"]) == 3  # seal, issuing CA, root
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


class TestLongTermSignature:
    def test_signature_carries_a_trusted_timestamp_and_embedded_crls(
        self, db: Session, data_dir: Path
    ) -> None:
        document = issue_residence(db, data_dir)
        pdf = read_document_pdf(data_dir, document)

        report = verify_pdf(db, pdf, data_dir=data_dir).signature

        assert report.timestamp_present and report.timestamp_trusted
        assert report.timestamp_at is not None and document.timestamped_at is not None
        assert abs((report.timestamp_at - document.timestamped_at).total_seconds()) < 1
        assert report.ltv_embedded
        assert report.seal_serial == document.seal_serial
        assert report.seal_not_after is not None and report.seal_not_after > document.issued_at
        assert report.chain[0].endswith("document seal") or "document seal" in report.chain[0]
        assert "Issuing CA" in report.chain[1] and "Root CA" in report.chain[2]
        # one incremental update: rendered bytes, then signature + DSS together
        reader = PdfFileReader(BytesIO(pdf))
        assert reader.xrefs.total_revisions == 2
        dss = reader.root["/DSS"]
        assert len(dss["/CRLs"]) == 2 and len(dss["/Certs"]) == 3

    def test_revoked_seal_shows_on_verification(self, db: Session, data_dir: Path) -> None:
        document = issue_residence(db, data_dir)
        revoke_certificate(db, data_dir, serial_hex=document.seal_serial, reason="key_compromise")

        result = verify_pdf(db, read_document_pdf(data_dir, document), data_dir=data_dir)

        assert not result.genuine
        assert result.reasons == ["signing_certificate_revoked"]
        assert result.signature.seal_revocation_reason == "key_compromise"
        assert result.signature.seal_revoked_at is not None

    def test_seal_superseded_after_the_timestamp_keeps_the_document_valid(
        self, db: Session, data_dir: Path
    ) -> None:
        document = issue_residence(db, data_dir)
        revoke_certificate(db, data_dir, serial_hex=document.seal_serial, reason="superseded")

        result = verify_pdf(db, read_document_pdf(data_dir, document), data_dir=data_dir)

        assert result.genuine, result.reasons
        assert result.signature.seal_revocation_reason == "superseded"

    def test_seal_superseded_before_the_timestamp_invalidates(
        self, db: Session, data_dir: Path
    ) -> None:
        document = issue_residence(db, data_dir)
        assert document.timestamped_at is not None
        revoke_certificate(
            db,
            data_dir,
            serial_hex=document.seal_serial,
            reason="cessation_of_operation",
            at=document.timestamped_at - timedelta(minutes=1),
        )
        result = verify_pdf(db, read_document_pdf(data_dir, document), data_dir=data_dir)
        assert result.reasons == ["signing_certificate_revoked"]

    def test_rotated_seal_keeps_old_documents_valid(self, db: Session, data_dir: Path) -> None:
        old_document = issue_residence(db, data_dir)
        old_serial, new_serial = rotate_seal(data_dir, AGENCY_CODE)
        assert old_serial == old_document.seal_serial and new_serial != old_serial

        new_document = issue_residence(db, data_dir)

        assert new_document.seal_serial == new_serial
        for document in (old_document, new_document):
            result = verify_pdf(db, read_document_pdf(data_dir, document), data_dir=data_dir)
            assert result.genuine, (document.seal_serial, result.reasons)

    def test_superseded_and_expired_documents_say_so(self, db: Session, data_dir: Path) -> None:
        document = issue_residence(db, data_dir, valid_days=30)
        pdf = read_document_pdf(data_dir, document)
        assert document.valid_until is not None
        assert verify_pdf(db, pdf, data_dir=data_dir, today=document.valid_until).genuine

        late = verify_pdf(db, pdf, data_dir=data_dir, today=document.valid_until + timedelta(1))
        assert late.reasons == ["expired"]

        document.superseded_by = "DOPA-2569-NEWNUMBR"
        db.add(document)
        db.flush()
        assert verify_pdf(db, pdf, data_dir=data_dir).reasons == ["superseded"]

    def test_data_dir_from_before_the_issuing_ca_keeps_verifying(
        self, db: Session, data_dir: Path, tmp_path: Path
    ) -> None:
        """A pathlen-0 root that sealed documents itself (ADR 0002) becomes a retired anchor."""
        legacy_dir = tmp_path / "legacy"
        legacy_pdf = _legacy_sealed_pdf(legacy_dir)
        trust_before = load_trust_roots(legacy_dir)

        signer = get_agency_signer(legacy_dir, AGENCY_CODE, AGENCY_NAME_EN)  # upgrades the dir

        roots = load_trust_roots(legacy_dir)
        assert len(roots) == 2 and trust_before[0].dump() in [r.dump() for r in roots]
        assert signer.signing_cert.issuer.native["common_name"].endswith("Issuing CA")
        assert check_pdf_signature(legacy_pdf, roots).trusted
        assert list((legacy_dir / "pki" / "seals").glob("dopa.cert.pem.retired-*"))


def _legacy_sealed_pdf(data_dir: Path) -> bytes:
    """A data dir as ADR 0002 made it: root (pathlen 0) -> seal; and a PDF that seal signed."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from pyhanko_certvalidator.registry import SimpleCertificateStore

    from documents import pki

    now = datetime.now(UTC)
    root_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = pki._portal_name(pki.ROOT_COMMON_NAME)
    root = (
        pki._builder(name, name, root_key.public_key(), pki.ROOT_VALIDITY, None)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(pki._ca_key_usage(), critical=True)
        .sign(root_key, hashes.SHA256())
    )
    seal_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    seal = pki.issue_seal_certificate(
        seal_key.public_key(), AGENCY_NAME_EN, root_key, root, base_url="https://x.example"
    )
    assert seal.not_valid_before_utc < now
    root_key_path, root_cert_path = pki.root_ca_paths(data_dir)
    seal_key_path, seal_cert_path = pki.seal_paths(data_dir, AGENCY_CODE)
    pki.write_private(root_key_path, pki._key_pem(root_key))
    pki.write_private(root_cert_path, root.public_bytes(serialization.Encoding.PEM))
    pki.write_private(seal_key_path, pki._key_pem(seal_key))
    pki.write_private(seal_cert_path, seal.public_bytes(serialization.Encoding.PEM))
    signer = pki.PreloadedKeySigner(
        private_key=seal_key,
        signing_cert=pki.asn1_cert(seal),
        cert_registry=SimpleCertificateStore.from_certs([pki.asn1_cert(root)]),
    )
    unsigned = render_certificate_pdf("residence", full_residence_context())
    return sign_pdf(unsigned, signer, reason="Test", location="Thailand")
