"""Is this PDF a genuine, current document of ours?

1. The bytes must be a PDF (`NotAPdfError` otherwise: the caller answers 422).
2. `check_pdf_signature`: pyHanko checks the first signature cryptographically (intact, valid)
   and builds its chain to our root CA only (trusted). Any exception counts as "not valid":
   a tampered byte inside a compressed stream makes pyHanko raise rather than report.
   Its RFC 3161 timestamp must validate against our roots too; an expired seal is judged at
   the timestamp's time.
3. The seal (and its issuing CA) must not be on our revocation table, unless it was withdrawn
   for a harmless reason (superseded, cessation) after the timestamp proves the signature.
4. The SHA-256 of the whole file must match a `Document` row, which must not be revoked,
   superseded or past its valid-until date (Bangkok).

The hash check is what catches everything a signature alone would allow: incremental updates
appended after signing, a validly signed file we never recorded, a revoked document.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from io import BytesIO
from pathlib import Path

from asn1crypto import x509 as asn1_x509
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.pdf_embedded import EmbeddedPdfSignature
from pyhanko.sign.validation.status import PdfSignatureStatus, SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext
from sqlmodel import Session, select

from documents._loop import call_outside_event_loop
from documents.crl import get_revocation
from documents.dates import thailand_date
from documents.errors import NotAPdfError
from documents.models import Document
from documents.pki import load_trust_roots

__all__ = [
    "NotAPdfError",
    "SignatureReport",
    "VerificationResult",
    "check_pdf_signature",
    "verify_pdf",
]

logger = logging.getLogger(__name__)

PDF_MAGIC = b"%PDF-"
_SIGNATURE_MARKER = b"/ByteRange"

# Stable machine codes; pages and the API translate them.
NOT_SIGNED = "not_signed"
SIGNATURE_INVALID = "signature_invalid"
UNTRUSTED_SIGNER = "untrusted_signer"
MODIFIED_AFTER_SIGNING = "modified_after_signing"
UNKNOWN_DOCUMENT = "unknown_document"
REVOKED = "revoked"
SUPERSEDED = "superseded"
EXPIRED = "expired"  # the document's own validity (valid_until) has passed
SEAL_REVOKED = "signing_certificate_revoked"
TIMESTAMP_INVALID = "timestamp_invalid"


@dataclass(frozen=True)
class SignatureReport:
    """What the first signature in a PDF says about itself.

    `intact`: the signed bytes hash to the signed digest. `valid`: the CMS signature checks out
    with the signer's key. `trusted`: the signer's chain leads to one of our roots with the
    right key usage. `covers_whole_file`: nothing was appended after signing.
    """

    signed: bool
    intact: bool
    trusted: bool
    signer_subject: str | None
    signed_at: datetime | None
    problem: str | None
    valid: bool = False
    covers_whole_file: bool = False
    # Subjects from the seal up to the root, as validated.
    chain: tuple[str, ...] = ()
    seal_serial: str | None = None  # hex
    seal_not_after: datetime | None = None
    # The RFC 3161 signature timestamp, and whether its token validated against our roots.
    timestamp_at: datetime | None = None
    timestamp_trusted: bool = False
    # Revocation of the seal on our current CRL (None: not revoked).
    seal_revoked_at: datetime | None = None
    seal_revocation_reason: str | None = None
    # The file carries its own revocation data (a DSS with CRLs: PAdES B-LT).
    ltv_embedded: bool = False
    # Hex serials of the validated path, seal first (revocation is checked for each).
    chain_serials: tuple[str, ...] = ()
    # The signature carries an RFC 3161 token (documents from before issue 6 do not).
    timestamp_present: bool = False


@dataclass(frozen=True)
class VerificationResult:
    """The verdict on an uploaded PDF; `reasons` is empty exactly when `genuine` is True."""

    genuine: bool
    reasons: list[str] = field(default_factory=list)
    document: Document | None = None
    signature: SignatureReport = field(
        default_factory=lambda: SignatureReport(
            signed=False,
            intact=False,
            trusted=False,
            signer_subject=None,
            signed_at=None,
            problem=None,
        )
    )


def _require_pdf(pdf: bytes) -> None:
    if not pdf.startswith(PDF_MAGIC):
        raise NotAPdfError("the file is not a PDF")


def check_pdf_signature(pdf: bytes, trust_roots: list[asn1_x509.Certificate]) -> SignatureReport:
    """Validates the first signature of `pdf` against `trust_roots` only (no system store).

    Never raises for a malformed or tampered file: the report says what failed, in `problem`.
    Runs pyHanko's synchronous API (in a helper thread if this thread runs an event loop, so a
    loop can never be mistaken for a bad signature).
    """
    _require_pdf(pdf)
    try:
        reader = PdfFileReader(BytesIO(pdf), strict=False)
        signatures = reader.embedded_signatures
    except Exception as exc:  # a PDF too broken to read cannot carry a valid signature
        # A damaged signed file still says it was signed: its signature dictionary is there.
        return _failed(
            signed=_SIGNATURE_MARKER in pdf, problem=f"unreadable PDF ({type(exc).__name__})"
        )
    if not signatures:
        return _failed(signed=False, problem="no signature")
    embedded = signatures[0]
    try:
        status = _validate(embedded, trust_roots, moment=None)
        timestamp = status.timestamp_validity
        timestamp_trusted = bool(
            timestamp is not None and timestamp.intact and timestamp.valid and timestamp.trusted
        )
        if not status.trusted and timestamp_trusted and _expired(status):
            # An expired (or rotated and since expired) seal: what counts is that the chain
            # was valid when the TSA saw the signature (PAdES B-T and later).
            assert timestamp is not None
            status = _validate(embedded, trust_roots, moment=timestamp.timestamp)
    except Exception as exc:
        logger.info("signature validation raised %s", type(exc).__name__, exc_info=True)
        return _failed(signed=True, problem=f"signature could not be validated ({exc})"[:300])

    subject: str | None
    try:
        subject = status.signing_cert.subject.human_friendly
    except Exception:
        subject = None
    intact, valid, trusted = bool(status.intact), bool(status.valid), bool(status.trusted)
    covers_whole_file = status.coverage == SignatureCoverageLevel.ENTIRE_FILE
    timestamp = status.timestamp_validity
    timestamp_trusted = bool(
        timestamp is not None and timestamp.intact and timestamp.valid and timestamp.trusted
    )
    problem = None
    if not (intact and valid):
        problem = "the signed content or the signature was altered"
    elif not trusted:
        indication = status.trust_problem_indic
        problem = f"signer not trusted ({indication.name if indication else 'no path to root'})"
    elif not covers_whole_file:
        problem = "content was added after signing"
    elif timestamp is not None and not timestamp_trusted:
        problem = "the signature timestamp is not valid or not from a trusted TSA"
    path = status.validation_path
    chain = tuple(cert.subject.human_friendly for cert in reversed(list(path))) if path else ()
    cert = status.signing_cert
    return SignatureReport(
        signed=True,
        intact=intact,
        trusted=trusted,
        signer_subject=subject,
        signed_at=status.signer_reported_dt,
        problem=problem,
        valid=valid,
        covers_whole_file=covers_whole_file,
        chain=chain,
        chain_serials=tuple(format(c.serial_number, "x") for c in reversed(list(path or ()))),
        seal_serial=format(cert.serial_number, "x"),
        seal_not_after=cert.not_valid_after,
        timestamp_present=timestamp is not None,
        timestamp_at=timestamp.timestamp if timestamp is not None else None,
        timestamp_trusted=timestamp_trusted,
        ltv_embedded=_has_embedded_crls(embedded.reader),
    )


def _validate(
    embedded: EmbeddedPdfSignature,
    trust_roots: list[asn1_x509.Certificate],
    *,
    moment: datetime | None,
) -> PdfSignatureStatus:
    # Explicit roots only (pyHanko would otherwise fall back to the OS TLS store), no fetching:
    # revocation is judged by verify_pdf against our own table, with the timestamp's time.
    context = ValidationContext(trust_roots=list(trust_roots), allow_fetching=False, moment=moment)
    ts_context = ValidationContext(trust_roots=list(trust_roots), allow_fetching=False)
    return call_outside_event_loop(
        validate_pdf_signature,
        embedded,
        signer_validation_context=context,
        ts_validation_context=ts_context,
    )


def _expired(status: PdfSignatureStatus) -> bool:
    indication = status.trust_problem_indic
    return indication is not None and "EXPIRED" in indication.name


def _has_embedded_crls(reader: PdfFileReader) -> bool:
    """A DSS with at least one CRL (PAdES B-LT validation data in the file)."""
    try:
        dss = reader.root.get("/DSS")
        return dss is not None and len(dss.get_object().get("/CRLs", [])) > 0
    except Exception:
        return False


def _failed(*, signed: bool, problem: str) -> SignatureReport:
    return SignatureReport(
        signed=signed,
        intact=False,
        trusted=False,
        signer_subject=None,
        signed_at=None,
        problem=problem,
    )


def verify_pdf(
    db: Session, pdf: bytes, *, data_dir: Path, today: date | None = None
) -> VerificationResult:
    """Checks an uploaded PDF: signature, chain, timestamp, seal revocation, our record.

    `today` (Bangkok) decides EXPIRED; tests pass it, callers leave it.

    Raises:
        NotAPdfError: the bytes do not start with `%PDF-`.
    """
    _require_pdf(pdf)
    report = check_pdf_signature(pdf, load_trust_roots(data_dir))
    reasons: list[str] = []
    if not report.signed:
        reasons.append(NOT_SIGNED)
    elif not (report.intact and report.valid):
        reasons.append(SIGNATURE_INVALID)
    elif not report.trusted:
        reasons.append(UNTRUSTED_SIGNER)
    if report.signed and report.intact and report.valid and not report.covers_whole_file:
        reasons.append(MODIFIED_AFTER_SIGNING)
    if report.timestamp_present and not report.timestamp_trusted:
        reasons.append(TIMESTAMP_INVALID)
    report = _with_seal_revocation(db, report)
    if report.seal_revoked_at is not None and _revocation_invalidates(report):
        reasons.append(SEAL_REVOKED)

    document = _find_by_sha256(db, hashlib.sha256(pdf).hexdigest())
    if document is None:
        reasons.append(UNKNOWN_DOCUMENT)
        if MODIFIED_AFTER_SIGNING in reasons:
            # Show which of our documents was extended, so the page can say so.
            document = _find_signed_revision(db, pdf)
    else:
        if document.revoked_at is not None:
            reasons.append(REVOKED)
        elif document.superseded_by is not None:
            reasons.append(SUPERSEDED)
        bangkok_today = today or thailand_date(datetime.now(UTC))
        if document.valid_until is not None and document.valid_until < bangkok_today:
            reasons.append(EXPIRED)
    return VerificationResult(
        genuine=not reasons, reasons=reasons, document=document, signature=report
    )


# A key that was never compromised signed honestly until it was withdrawn (RFC 5280 §5.3.1).
_REASONS_KEEPING_EARLIER_SIGNATURES = {
    "superseded",
    "cessation_of_operation",
    "affiliation_changed",
}


def _with_seal_revocation(db: Session, report: SignatureReport) -> SignatureReport:
    """The report with the first revoked certificate of its chain (seal, then CAs) filled in."""
    serials = report.chain_serials[:-1] if len(report.chain_serials) > 1 else report.chain_serials
    if not serials and report.seal_serial:
        serials = (report.seal_serial,)
    for serial in serials:
        entry = get_revocation(db, serial)
        if entry is not None:
            revoked_at = entry.revoked_at
            if revoked_at.tzinfo is None:
                revoked_at = revoked_at.replace(tzinfo=UTC)
            return replace(report, seal_revoked_at=revoked_at, seal_revocation_reason=entry.reason)
    return report


def _revocation_invalidates(report: SignatureReport) -> bool:
    """Key compromise always does; other reasons only for signatures not proven earlier."""
    if report.seal_revocation_reason not in _REASONS_KEEPING_EARLIER_SIGNATURES:
        return True
    if not report.timestamp_trusted or report.timestamp_at is None:
        return True
    assert report.seal_revoked_at is not None
    return report.timestamp_at >= report.seal_revoked_at


def _find_by_sha256(db: Session, sha256: str) -> Document | None:
    return db.exec(select(Document).where(Document.sha256 == sha256)).first()


def _find_signed_revision(db: Session, pdf: bytes) -> Document | None:
    """The document whose bytes are the signed prefix of `pdf` (an update was appended)."""
    try:
        embedded = PdfFileReader(BytesIO(pdf), strict=False).embedded_signatures[0]
        _, _, start, length = (int(x) for x in embedded.byte_range)
    except Exception:
        return None
    return _find_by_sha256(db, hashlib.sha256(pdf[: start + length]).hexdigest())
