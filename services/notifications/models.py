"""The citizen's notification channels and the outbox of e-mails and SMS to send."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlmodel import Field, SQLModel

from portal.db import AwareDateTime, utcnow


class Channel(StrEnum):
    EMAIL = "email"
    SMS = "sms"


class NotificationState(StrEnum):
    PENDING = "pending"
    SENDING = "sending"  # claimed by a worker until locked_until
    SENT = "sent"
    FAILED = "failed"  # gave up after MAX_ATTEMPTS; last_error says why


class NotificationPreference(SQLModel, table=True):
    """Where a citizen wants to hear that their mailbox has a new message."""

    __tablename__ = "notification_preference"

    citizen_id: int = Field(foreign_key="citizen.id", primary_key=True)
    email: str = Field(default="", max_length=254)
    phone: str = Field(default="", max_length=16)
    email_enabled: bool = False
    sms_enabled: bool = False
    updated_at: datetime = Field(default_factory=utcnow, sa_type=AwareDateTime)


class Notification(SQLModel, table=True):
    """One e-mail or SMS, written in the transaction of the event it tells about and sent
    later by a worker (the transactional outbox), so a request never waits for SMTP."""

    __tablename__ = "notification"

    id: int | None = Field(default=None, primary_key=True)
    channel: str = Field(max_length=8)
    recipient: str = Field(max_length=254)
    subject: str = Field(default="", max_length=255)
    body: str
    state: str = Field(default=NotificationState.PENDING, max_length=16, index=True)
    attempts: int = 0
    run_after: datetime = Field(default_factory=utcnow, sa_type=AwareDateTime, index=True)
    locked_until: datetime | None = Field(default=None, sa_type=AwareDateTime)
    last_error: str = ""
    created_at: datetime = Field(default_factory=utcnow, sa_type=AwareDateTime)
    sent_at: datetime | None = Field(default=None, sa_type=AwareDateTime)
    mailbox_message_id: str | None = Field(
        default=None, foreign_key="mailbox_message.id", max_length=36, index=True
    )
    officer_id: int | None = Field(default=None, foreign_key="officer.id", index=True)
