"""Files citizens upload with a petition: type checked by content (the browser's Content-Type
and the file name are never trusted), size-limited, PDFs looked through for active content and
decompression bombs (`portal.uploads.inspect_pdf`), kept outside the web root under random
names, and readable only through the petition's authorisation. The name the citizen gave is
kept for display only, cleaned of paths and control characters (NUL, bidi overrides)."""

from __future__ import annotations

import hashlib
import os
import secrets
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from sqlmodel import Session

from portal.db import remove_on_rollback
from portal.uploads import PdfRefusedError, inspect_pdf
from services.petitions.errors import UploadRejectedError
from services.petitions.models import EvidenceUpload

ACCEPTED_TYPES: tuple[tuple[bytes, str], ...] = (
    (b"%PDF-", "application/pdf"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
)
"""Magic bytes -> type. The browser's Content-Type and the file name are never trusted."""


@dataclass(frozen=True)
class ReceivedFile:
    """An uploaded file as the web layer read it, before it is stored."""

    filename: str
    data: bytes


@dataclass(frozen=True)
class StoredFile:
    filename: str
    content_type: str
    size: int
    sha256: str
    stored_name: str


def sniff_type(data: bytes) -> str | None:
    return next((kind for magic, kind in ACCEPTED_TYPES if data.startswith(magic)), None)


def clean_filename(name: str) -> str:
    """A display name without paths or control characters (never used as a path)."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    base = "".join(
        c for c in unicodedata.normalize("NFC", base) if unicodedata.category(c)[0] != "C"
    )
    return base.strip()[:200] or "upload"


def uploads_dir(data_dir: Path) -> Path:
    return data_dir / "uploads"


def check_upload(item: str, received: ReceivedFile, *, limit: int) -> str:
    """The file's content type; refuses empty, oversized and unaccepted files."""
    if not received.data:
        raise UploadRejectedError(item=item, reason="empty")
    if len(received.data) > limit:
        raise UploadRejectedError(item=item, reason="too_large", limit_bytes=limit)
    content_type = sniff_type(received.data)
    if content_type is None:
        raise UploadRejectedError(item=item, reason="type")
    if content_type == "application/pdf":
        # Officers open these: no scripts or automatic actions, no decompression bombs.
        try:
            inspect_pdf(received.data)
        except PdfRefusedError as refused:
            raise UploadRejectedError(
                refused.message_en, refused.message_th, item=item, **refused.details
            ) from refused
    return content_type


def store_upload(
    db: Session, data_dir: Path, received: ReceivedFile, content_type: str
) -> StoredFile:
    """Writes the file atomically with mode 0600; it is removed again if `db` rolls back, so
    no copy outlives a petition that was not saved."""
    folder = uploads_dir(data_dir)
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    stored_name = secrets.token_hex(16)
    target = folder / stored_name
    tmp = folder / f".{stored_name}.tmp"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(received.data)
        out.flush()
        os.fsync(out.fileno())
    os.replace(tmp, target)
    remove_on_rollback(db, target)
    return StoredFile(
        filename=clean_filename(received.filename),
        content_type=content_type,
        size=len(received.data),
        sha256=hashlib.sha256(received.data).hexdigest(),
        stored_name=stored_name,
    )


def attach_upload(
    db: Session,
    data_dir: Path,
    *,
    petition_id: str,
    item: str,
    received: ReceivedFile,
    content_type: str,
) -> EvidenceUpload:
    """Stores a checked file and records it on the petition, at filing or in a supplement."""
    stored = store_upload(db, data_dir, received, content_type)
    upload = EvidenceUpload(
        petition_id=petition_id,
        item=item,
        filename=stored.filename,
        content_type=stored.content_type,
        size=stored.size,
        sha256=stored.sha256,
        stored_name=stored.stored_name,
    )
    db.add(upload)
    return upload


def read_upload(data_dir: Path, stored_name: str) -> bytes:
    if not stored_name.isalnum():
        raise FileNotFoundError(stored_name)
    return (uploads_dir(data_dir) / stored_name).read_bytes()
