"""Issued documents: one row per signed PDF, found by number (verify page) or hash (upload).

Also here: share links a citizen hands to a named recipient, and the revocation list of the
portal's own CA (seals, the timestamp authority, issuing CAs), from which the CRLs are built.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from sqlmodel import Field, SQLModel

from portal.db import AwareDateTime

DocumentStatus = Literal["valid", "revoked", "superseded"]
# The status on a given day: also "expired" once the Bangkok date is past `valid_until`.
DatedStatus = Literal["valid", "revoked", "superseded", "expired"]


def dated_status(
    *,
    revoked_at: datetime | None,
    superseded_by: str | None,
    valid_until: date | None,
    today: date,
) -> DatedStatus:
    """Revoked beats superseded beats expired: the strongest reason not to rely on a document.

    `valid_until` is the last valid day, so a document expires the day after. The one rule the
    wallet, the share page and every verification path use.
    """
    if revoked_at is not None:
        return "revoked"
    if superseded_by is not None:
        return "superseded"
    if valid_until is not None and valid_until < today:
        return "expired"
    return "valid"


class DocumentBase(SQLModel):
    """What may be shown to anyone holding the number: no citizen ID, a masked name."""

    number: str = Field(max_length=32, unique=True, index=True)
    agency: str = Field(max_length=16)
    # The agency's names as printed on the document (empty for documents issued before).
    agency_name_th: str = Field(default="", max_length=200)
    agency_name_en: str = Field(default="", max_length=200)
    title_th: str = Field(max_length=200)
    title_en: str = Field(max_length=200)
    holder_display_th: str = Field(max_length=200)
    holder_display_en: str = Field(max_length=200)
    issued_at: datetime = Field(sa_type=AwareDateTime)


class Document(DocumentBase, table=True):
    """A signed PDF issued to a citizen; the file lives under `data_dir/documents/<storage_key>`."""

    __tablename__ = "document"

    id: int | None = Field(default=None, primary_key=True)
    citizen_id: int = Field(foreign_key="citizen.id", index=True)
    # Unique: one document per petition, so a retried job returns the first document.
    petition_id: str | None = Field(default=None, max_length=64, unique=True, index=True)
    template: str = Field(max_length=64)
    sha256: str = Field(max_length=64, index=True)
    size_bytes: int
    storage_key: str = Field(max_length=255)
    signer_subject: str = Field(max_length=500)
    revoked_at: datetime | None = Field(default=None, sa_type=AwareDateTime)
    revocation_reason: str | None = Field(default=None, max_length=500)
    # Printed on the document beside its number; number + check code reveal the record.
    check_code: str = Field(default="", max_length=16)
    # The last day the document itself is valid (a service may say "valid 90 days"); None: open.
    valid_until: date | None = None
    # Hex serial of the seal certificate that signed it (revocation of a seal finds its documents).
    seal_serial: str = Field(default="", max_length=64, index=True)
    # The RFC 3161 timestamp's genTime: when the signature provably existed.
    timestamped_at: datetime | None = Field(default=None, sa_type=AwareDateTime)
    # Reissue after a correction: the new document names the one it replaces, the old one is
    # marked superseded (and stays verifiable as such).
    replaces: str | None = Field(default=None, max_length=32)
    superseded_by: str | None = Field(default=None, max_length=32)
    superseded_at: datetime | None = Field(default=None, sa_type=AwareDateTime)

    @property
    def status(self) -> DocumentStatus:
        if self.revoked_at is not None:
            return "revoked"
        if self.superseded_by is not None:
            return "superseded"
        return "valid"

    def status_on(self, today: date) -> DatedStatus:
        """The status on `today` (a Bangkok date), expiry included."""
        return dated_status(
            revoked_at=self.revoked_at,
            superseded_by=self.superseded_by,
            valid_until=self.valid_until,
            today=today,
        )


class DocumentPublic(DocumentBase):
    """The document as the public verify API shows it."""

    status: DocumentStatus

    @classmethod
    def from_document(cls, document: Document) -> DocumentPublic:
        return cls(
            number=document.number,
            agency=document.agency,
            agency_name_th=document.agency_name_th,
            agency_name_en=document.agency_name_en,
            title_th=document.title_th,
            title_en=document.title_en,
            holder_display_th=document.holder_display_th,
            holder_display_en=document.holder_display_en,
            issued_at=document.issued_at,
            status=document.status,
        )


class ShareLink(SQLModel, table=True):
    """A link (or its QR) that lets one named recipient see one document until it expires.

    Only the SHA-256 of the token is stored: the link itself exists in the citizen's hands.
    """

    __tablename__ = "share_link"

    id: int | None = Field(default=None, primary_key=True)
    token_sha256: str = Field(max_length=64, unique=True, index=True)
    document_id: int = Field(foreign_key="document.id", index=True)
    citizen_id: int = Field(foreign_key="citizen.id", index=True)
    recipient_name: str = Field(max_length=200)
    purpose: str = Field(default="", max_length=300)
    created_at: datetime = Field(sa_type=AwareDateTime)
    expires_at: datetime = Field(sa_type=AwareDateTime)
    max_views: int | None = None
    view_count: int = 0
    last_viewed_at: datetime | None = Field(default=None, sa_type=AwareDateTime)
    revoked_at: datetime | None = Field(default=None, sa_type=AwareDateTime)


class RevokedCertificate(SQLModel, table=True):
    """A certificate our CA has revoked; the CRL of its issuer lists it."""

    __tablename__ = "revoked_certificate"

    id: int | None = Field(default=None, primary_key=True)
    serial_hex: str = Field(max_length=64, unique=True, index=True)
    issuer: str = Field(max_length=32)  # "root" or "issuing": which CRL lists it
    subject: str = Field(max_length=500)
    reason: str = Field(max_length=32)  # RFC 5280 CRLReason name, e.g. key_compromise
    revoked_at: datetime = Field(sa_type=AwareDateTime)
