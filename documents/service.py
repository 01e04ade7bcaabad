"""Issuing documents: number, render, seal, store, record.

1. `issue_document` returns the existing document if the petition already has one (a retried
   job must not issue twice).
2. It draws a random number, renders the template with the verify URL in the QR code, signs
   with the agency seal and writes the PDF atomically under `data_dir/documents/<BE year>/`.
3. It records the file's SHA-256 and flushes; the caller commits (one commit, at the edge).

The PDF is written before the row is committed. A rollback removes it (`remove_on_rollback`),
but a process killed in between runs no rollback: so before the PDF, a marker naming it is
written under `documents/.issuing/`, and removed when the transaction ends either way. The
next attempt for the same petition (or reissue) finds a marker left by a dead attempt and
removes the file it names unless a committed document owns it.
"""

from __future__ import annotations

import hashlib
import os
import secrets
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session as OrmSession
from sqlmodel import Session, select

from documents.checkcode import new_check_code
from documents.dates import buddhist_year, thailand_date
from documents.errors import DocumentStorageError
from documents.models import Document
from documents.numbers import new_document_number
from documents.qrpayload import qr_payload
from documents.render import IssuedBy, certificate_data, render_certificate_pdf
from documents.sign import seal_pdf
from portal.db import remove_on_rollback, utcnow

STORAGE_DIR_NAME = "documents"
ISSUING_DIR_NAME = ".issuing"  # markers of attempts not yet committed (see the module doc)
SIGNATURE_LOCATION = "Thailand"
_NUMBER_ATTEMPTS = 5


def documents_dir(data_dir: Path) -> Path:
    return Path(data_dir) / STORAGE_DIR_NAME


def issue_document(
    db: Session,
    *,
    data_dir: Path,
    base_url: str,
    citizen_id: int,
    petition_id: str | None,
    agency_code: str,
    agency_name_th: str,
    agency_name_en: str,
    template: str,
    title_th: str,
    title_en: str,
    context: dict[str, Any],
    holder_display_th: str,
    holder_display_en: str,
    issued_at: datetime | None = None,
    valid_days: int | None = None,
    thai_digits: bool = False,
    issued_by: IssuedBy | None = None,
    replaces: str | None = None,
) -> Document:
    """Renders, seals, stores and records a certificate; idempotent per `petition_id`.

    `context` is the template's data; `document_number`, `verify_url` and `issued_at` are set
    here (any values passed for them are replaced). Flushes, never commits. The PDF is written
    first; if the transaction rolls back (for instance a concurrent issue for the same petition
    won the unique constraint), the file is removed with it, and a retry returns the winner's
    document.
    """
    if petition_id is not None:
        existing = db.exec(select(Document).where(Document.petition_id == petition_id)).first()
        if existing is not None:
            return existing
    attempt = petition_id or (f"replaces:{replaces}" if replaces else None)
    if attempt is not None:
        remove_files_of_dead_attempts(db, data_dir, attempt)

    issued_at = issued_at or utcnow()
    if issued_at.tzinfo is None or issued_at.utcoffset() is None:
        raise ValueError("issued_at must be timezone-aware")
    number = _unused_number(db, agency_code, issued_at)
    check_code = new_check_code()
    verify_url = f"{base_url.rstrip('/')}/verify/{number}"
    valid_until = valid_until_for(issued_at, valid_days)
    values = {
        **context,
        "document_number": number,
        "check_code": check_code,
        "verify_url": verify_url,
        "qr_data": qr_payload(data_dir, base_url, number, check_code),
        "issued_at": issued_at,
        "valid_until": valid_until,
        "thai_digits": thai_digits,
        "issued_by": issued_by,
    }
    unsigned = render_certificate_pdf(
        template,
        values,
        data=certificate_data(
            template=template,
            number=number,
            agency_code=agency_code,
            title_th=title_th,
            title_en=title_en,
            values=values,
        ),
    )
    sealed = seal_pdf(
        unsigned,
        data_dir=data_dir,
        agency_code=agency_code,
        agency_name_en=agency_name_en,
        reason=f"{title_en} {number}, issued by {agency_name_en}",
        location=SIGNATURE_LOCATION,
    )
    signed = sealed.pdf

    storage_key = f"{buddhist_year(issued_at)}/{number}.pdf"
    path = documents_dir(data_dir) / storage_key
    if attempt is not None:
        _mark_issuing(db, data_dir, attempt, storage_key)
    _write_atomically(path, signed)
    # The PDF holds a name, an address and a citizen ID: it must not outlive a rollback.
    remove_on_rollback(db, path)
    document = Document(
        number=number,
        citizen_id=citizen_id,
        petition_id=petition_id,
        agency=agency_code,
        agency_name_th=agency_name_th,
        agency_name_en=agency_name_en,
        template=template,
        title_th=title_th,
        title_en=title_en,
        holder_display_th=holder_display_th,
        holder_display_en=holder_display_en,
        issued_at=issued_at,
        sha256=hashlib.sha256(signed).hexdigest(),
        size_bytes=len(signed),
        storage_key=storage_key,
        signer_subject=sealed.signer_subject,
        seal_serial=sealed.seal_serial,
        timestamped_at=sealed.timestamped_at,
        check_code=check_code,
        valid_until=valid_until,
        replaces=replaces,
    )
    db.add(document)
    db.flush()  # a concurrent issue for the same petition fails here; the rollback removes the file
    return document


def _issuing_prefix(attempt: str) -> str:
    return hashlib.sha256(attempt.encode()).hexdigest()[:32]


def _mark_issuing(db: Session, data_dir: Path, attempt: str, storage_key: str) -> None:
    """Records, durably and before the PDF exists, which file this attempt is about to write;
    the marker goes when the transaction ends (committed or rolled back)."""
    marker = (
        documents_dir(data_dir)
        / ISSUING_DIR_NAME
        / f"{_issuing_prefix(attempt)}.{secrets.token_hex(8)}"
    )
    _write_atomically(marker, storage_key.encode())
    db.info.setdefault(_ISSUING_MARKERS, []).append(marker)


def remove_files_of_dead_attempts(db: Session, data_dir: Path, attempt: str) -> list[str]:
    """Removes PDFs written by earlier attempts for `attempt` (a petition id, or
    "replaces:<number>") that died before committing; returns their storage keys.

    A file a committed document names is kept (the attempt died after its commit, before it
    removed the marker). Callers serialise attempts for one petition (on PostgreSQL the
    petition row is locked; services.petitions.processing), so a live attempt's file is never
    taken for a dead one's.
    """
    folder = documents_dir(data_dir) / ISSUING_DIR_NAME
    root = documents_dir(data_dir).resolve()
    removed = []
    for marker in sorted(folder.glob(f"{_issuing_prefix(attempt)}.*")):
        if marker.name.endswith(".tmp"):
            continue  # a marker being written by _write_atomically
        try:
            storage_key = marker.read_text().strip()
        except FileNotFoundError:
            continue
        owned = db.exec(select(Document.id).where(Document.storage_key == storage_key)).first()
        path = (root / storage_key).resolve()
        if storage_key and owned is None and path.is_relative_to(root) and path.exists():
            path.unlink(missing_ok=True)
            removed.append(storage_key)
        marker.unlink(missing_ok=True)
    return removed


_ISSUING_MARKERS = "documents.issuing_markers"


@event.listens_for(OrmSession, "after_commit")
@event.listens_for(OrmSession, "after_rollback")
def _remove_issuing_markers(session: OrmSession) -> None:
    for marker in session.info.pop(_ISSUING_MARKERS, []):
        marker.unlink(missing_ok=True)


def valid_until_for(issued_at: datetime, valid_days: int | None) -> date | None:
    """The last day a document is valid: `valid_days` counted from its Bangkok issue date."""
    if valid_days is None:
        return None
    return thailand_date(issued_at) + timedelta(days=valid_days - 1)


def _unused_number(db: Session, agency_code: str, issued_at: datetime) -> str:
    """A fresh number not yet in the table (a clash in 2^40 is rare, but cheap to rule out)."""
    for _ in range(_NUMBER_ATTEMPTS):
        number = new_document_number(agency_code, issued_at)
        if get_document_by_number(db, number) is None:
            return number
    raise RuntimeError("could not draw an unused document number")  # pragma: no cover


def get_document_by_number(db: Session, number: str) -> Document | None:
    """The document with this number, revoked or not; the verify page shows either."""
    return db.exec(select(Document).where(Document.number == number)).first()


def read_document_pdf(data_dir: Path, document: Document) -> bytes:
    """The stored PDF, checked against its recorded hash before it is handed out.

    Raises:
        DocumentStorageError: the file is missing, outside the storage folder, or altered.
    """
    root = documents_dir(data_dir).resolve()
    path = (root / document.storage_key).resolve()
    if not path.is_relative_to(root):
        raise DocumentStorageError(f"storage key escapes the storage folder: {document.number}")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise DocumentStorageError(f"stored PDF missing for {document.number}") from exc
    if hashlib.sha256(data).hexdigest() != document.sha256:
        raise DocumentStorageError(f"stored PDF of {document.number} does not match its hash")
    return data


def mask_name(given: str, family: str, title: str) -> str:
    """ "นาย สมชาย ใ***" / "Mr Somchai J***": enough to recognise, too little to look anyone up."""
    family = family.strip()
    parts = [title.strip(), given.strip(), f"{family[0]}***" if family else ""]
    return " ".join(part for part in parts if part)


def _write_atomically(path: Path, data: bytes) -> None:
    """Temp file + rename: a reader never sees half a PDF; mode 0640 (owner and its group)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o640)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, 0o640)  # os.open's mode is filtered by the umask
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


# --- revoke and supersede (wallet, issue 6) ---------------------------------------------------

REVOCATION_REASON_MIN = 3
REVOCATION_REASON_MAX = 500


def revoke_document(
    db: Session, *, number: str, reason: str, at: datetime | None = None
) -> Document:
    """Marks a document revoked with its reason; verification then reports it as revoked.

    One conditional UPDATE (`revoked_at IS NULL`), so two revocations at once record one.
    Flushes, never commits.

    Raises:
        InvalidRevocationReasonError, DocumentNotFoundError, DocumentRevokedError.
    """
    from sqlalchemy import update

    from documents.wallet_errors import (
        DocumentNotFoundError,
        DocumentRevokedError,
        InvalidRevocationReasonError,
    )

    reason = " ".join(reason.split())
    if not REVOCATION_REASON_MIN <= len(reason) <= REVOCATION_REASON_MAX:
        raise InvalidRevocationReasonError()
    document = get_document_by_number(db, number)
    if document is None:
        raise DocumentNotFoundError()
    at = at or utcnow()
    result = db.exec(  # type: ignore[call-overload]
        update(Document)
        .where(Document.id == document.id, Document.revoked_at.is_(None))  # type: ignore[union-attr]
        .values(revoked_at=at, revocation_reason=reason)
    )
    if result.rowcount != 1:
        raise DocumentRevokedError()
    db.refresh(document)
    return document


def supersede_document(
    db: Session, *, old: Document, new_number: str, at: datetime | None = None
) -> bool:
    """Marks `old` superseded by `new_number`, only if it is still valid; False otherwise.

    A conditional UPDATE, so of two reissues racing for one document only one can supersede
    it; the caller rolls the loser back (its new PDF is removed with the rollback).
    """
    from sqlalchemy import update

    at = at or utcnow()
    result = db.exec(  # type: ignore[call-overload]
        update(Document)
        .where(
            Document.id == old.id,
            Document.revoked_at.is_(None),  # type: ignore[union-attr]
            Document.superseded_by.is_(None),  # type: ignore[union-attr]
        )
        .values(superseded_by=new_number, superseded_at=at)
    )
    if result.rowcount != 1:
        return False
    db.refresh(old)
    return True
