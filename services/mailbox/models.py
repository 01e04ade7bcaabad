"""Messages in a citizen's portal mailbox."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel
from sqlalchemy import Index
from sqlmodel import Field, SQLModel

from portal.db import AwareDateTime, utcnow


def _new_id() -> str:
    return str(uuid.uuid4())


class MessageKind(StrEnum):
    RECEIPT = "receipt"
    SUPPLEMENT_REQUEST = "supplement_request"
    DECISION = "decision"
    DOCUMENT = "document"
    MESSAGE = "message"
    NOTICE = "notice"


class MailboxMessage(SQLModel, table=True):
    """One message to one citizen. Written once; only `read_at` ever changes."""

    __tablename__ = "mailbox_message"
    __table_args__ = (
        # The mailbox page (newest first) and the unread count in every page header.
        Index("ix_mailbox_message_citizen_created", "citizen_id", "created_at"),
    )

    id: str = Field(default_factory=_new_id, primary_key=True, max_length=36)
    # Indexed by ix_mailbox_message_citizen_created (leading column).
    citizen_id: int = Field(foreign_key="citizen.id")
    petition_id: str | None = Field(default=None, foreign_key="petition.id", max_length=36)
    kind: str = Field(max_length=32)
    subject_th: str = Field(max_length=255)
    subject_en: str = Field(max_length=255)
    body_th: str
    body_en: str
    document_number: str | None = Field(default=None, max_length=64)
    created_at: datetime = Field(default_factory=utcnow, sa_type=AwareDateTime)
    read_at: datetime | None = Field(default=None, sa_type=AwareDateTime)


class MailboxMessagePublic(BaseModel):
    """A message as the API returns it."""

    id: str
    kind: str
    petition_id: str | None
    subject_th: str
    subject_en: str
    body_th: str
    body_en: str
    document_number: str | None
    created_at: datetime
    read_at: datetime | None
