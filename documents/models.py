"""Issued documents: one row per signed PDF, found by number (verify page) or hash (upload)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from sqlmodel import Field, SQLModel

from portal.db import AwareDateTime

DocumentStatus = Literal["valid", "revoked"]


class DocumentBase(SQLModel):
    """What may be shown to anyone holding the number: no citizen ID, a masked name."""

    number: str = Field(max_length=32, unique=True, index=True)
    agency: str = Field(max_length=16)
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

    @property
    def status(self) -> DocumentStatus:
        return "revoked" if self.revoked_at is not None else "valid"


class DocumentPublic(DocumentBase):
    """The document as the public verify API shows it."""

    status: DocumentStatus

    @classmethod
    def from_document(cls, document: Document) -> DocumentPublic:
        return cls(
            number=document.number,
            agency=document.agency,
            title_th=document.title_th,
            title_en=document.title_en,
            holder_display_th=document.holder_display_th,
            holder_display_en=document.holder_display_en,
            issued_at=document.issued_at,
            status=document.status,
        )
