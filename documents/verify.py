"""Is this PDF a genuine, current document of ours?

1. The bytes must be a PDF (`NotAPdfError` otherwise: the caller answers 422).
2. `check_pdf_signature`: pyHanko checks the first signature cryptographically (intact, valid)
   and builds its chain to our root CA only (trusted). Any exception counts as "not valid":
   a tampered byte inside a compressed stream makes pyHanko raise rather than report.
3. The SHA-256 of the whole file must match a `Document` row, which must not be revoked.

The hash check is what catches everything a signature alone would allow: incremental updates
appended after signing, a validly signed file we never recorded, a revoked document.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass, field
from datetime import datetime
from io import BytesIO
from pathlib import Path

from asn1crypto import x509 as asn1_x509
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.status import SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext
from sqlmodel import Session, select

from documents._loop import call_outside_event_loop
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
        context = ValidationContext(trust_roots=list(trust_roots), allow_fetching=False)
        status = call_outside_event_loop(
            validate_pdf_signature, embedded, signer_validation_context=context
        )
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
    problem = None
    if not (intact and valid):
        problem = "the signed content or the signature was altered"
    elif not trusted:
        indication = status.trust_problem_indic
        problem = f"signer not trusted ({indication.name if indication else 'no path to root'})"
    elif not covers_whole_file:
        problem = "content was added after signing"
    return SignatureReport(
        signed=True,
        intact=intact,
        trusted=trusted,
        signer_subject=subject,
        signed_at=status.signer_reported_dt,
        problem=problem,
        valid=valid,
        covers_whole_file=covers_whole_file,
    )


def _failed(*, signed: bool, problem: str) -> SignatureReport:
    return SignatureReport(
        signed=signed,
        intact=False,
        trusted=False,
        signer_subject=None,
        signed_at=None,
        problem=problem,
    )


def verify_pdf(db: Session, pdf: bytes, *, data_dir: Path) -> VerificationResult:
    """Checks an uploaded PDF: signature, chain to our root, hash against our record, revocation.

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

    document = _find_by_sha256(db, hashlib.sha256(pdf).hexdigest())
    if document is None:
        reasons.append(UNKNOWN_DOCUMENT)
        if MODIFIED_AFTER_SIGNING in reasons:
            # Show which of our documents was extended, so the page can say so.
            document = _find_signed_revision(db, pdf)
    elif document.revoked_at is not None:
        reasons.append(REVOKED)
    return VerificationResult(
        genuine=not reasons, reasons=reasons, document=document, signature=report
    )


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
