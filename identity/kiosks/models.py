"""Kiosk devices, pending phone sign-ins and the short sessions they open."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, Integer
from sqlmodel import Field, SQLModel

from portal.db import AwareDateTime, utcnow

PRINT_MODE_BROWSER = "browser"
PRINT_MODE_CUPS = "cups"
PRINT_MODES = (PRINT_MODE_BROWSER, PRINT_MODE_CUPS)

PRINTER_STATUSES = ("ok", "paper_low", "paper_out", "offline", "error")

PRINT_QUEUED = "queued"
PRINT_SENT = "sent"
PRINT_PRINTED = "printed"
PRINT_FAILED = "failed"
PRINT_CANCELLED = "cancelled"
PRINT_STATES = (PRINT_QUEUED, PRINT_SENT, PRINT_PRINTED, PRINT_FAILED, PRINT_CANCELLED)


class KioskDevice(SQLModel, table=True):
    """A kiosk registered by an administrator; it proves itself with a device credential."""

    __tablename__ = "kiosk_device"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200)
    location: str = Field(max_length=300)
    agency: str = Field(max_length=16, index=True)
    # sha256 of the credential the kiosk's browser holds; None until activated.
    credential_hash: str | None = Field(default=None, max_length=64, unique=True, index=True)
    # sha256 of the one-time code the administrator hands to the technician.
    activation_code_hash: str | None = Field(default=None, max_length=64, unique=True, index=True)
    activation_expires_at: datetime | None = Field(default=None, sa_type=AwareDateTime)
    activated_at: datetime | None = Field(default=None, sa_type=AwareDateTime)
    disabled_at: datetime | None = Field(default=None, sa_type=AwareDateTime)
    last_seen_at: datetime | None = Field(default=None, sa_type=AwareDateTime)
    created_at: datetime = Field(default_factory=utcnow, sa_type=AwareDateTime)
    # 'browser': the kiosk's Chromium prints silently (--kiosk-printing);
    # 'cups': a print agent on the kiosk host fetches queued jobs and hands them to CUPS.
    print_mode: str = Field(
        default=PRINT_MODE_BROWSER, max_length=8, sa_column_kwargs={"server_default": "browser"}
    )
    # Last printer state the kiosk reported (one of PRINTER_STATUSES) and when.
    printer_status: str | None = Field(default=None, max_length=32)
    printer_detail: str | None = Field(default=None, max_length=200)
    status_reported_at: datetime | None = Field(default=None, sa_type=AwareDateTime)


class KioskSignIn(SQLModel, table=True):
    """A device authorization in progress (RFC 8628): the device code stays here, server-side.

    The kiosk's browser holds only a random token whose SHA-256 is the key.
    """

    __tablename__ = "kiosk_sign_in"

    id: str = Field(primary_key=True, max_length=64)  # sha256 of the cookie value
    device_id: int = Field(foreign_key="kiosk_device.id", index=True)
    device_code: str = Field(max_length=512)
    user_code: str = Field(max_length=32)
    verification_uri: str = Field(max_length=2048)
    verification_uri_complete: str = Field(max_length=2048)
    interval: int = 5  # seconds between polls of the provider; grows on slow_down
    next_poll_at: datetime = Field(sa_type=AwareDateTime)
    expires_at: datetime = Field(sa_type=AwareDateTime, index=True)
    state: str = Field(default="pending", max_length=16)  # pending, denied, expired, done
    created_at: datetime = Field(default_factory=utcnow, sa_type=AwareDateTime)


class KioskSession(SQLModel, table=True):
    """A citizen's short session at one kiosk; the browser holds a token whose hash is the key."""

    __tablename__ = "kiosk_session"

    id: str = Field(primary_key=True, max_length=64)  # sha256 of the cookie value
    device_id: int = Field(foreign_key="kiosk_device.id", index=True)
    citizen_id: int = Field(foreign_key="citizen.id", index=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=AwareDateTime)
    expires_at: datetime = Field(sa_type=AwareDateTime)
    ended_at: datetime | None = Field(default=None, sa_type=AwareDateTime)
    # Where the citizen is in the kiosk flow: the certificate chosen, the petition filed
    # for it and the document issued; the idle timeout counts from last_activity_at.
    service_code: str | None = Field(default=None, max_length=64)
    petition_id: str | None = Field(default=None, max_length=36)
    document_id: int | None = Field(default=None, foreign_key="document.id")
    last_activity_at: datetime | None = Field(default=None, sa_type=AwareDateTime)


class KioskPrint(SQLModel, table=True):
    """One printed copy of a document at a kiosk: the audit of what left which printer.

    Copy 1 is the first print; 2 and up are reprints, allowed only within the same session.
    """

    __tablename__ = "kiosk_print"

    id: int | None = Field(default=None, primary_key=True)
    device_id: int = Field(foreign_key="kiosk_device.id", index=True)
    kiosk_session_id: str = Field(foreign_key="kiosk_session.id", max_length=64, index=True)
    document_id: int = Field(foreign_key="document.id", index=True)
    citizen_id: int = Field(foreign_key="citizen.id", index=True)
    # Column "copy"; the attribute is copy_number because `copy` is a pydantic method.
    copy_number: int = Field(default=1, sa_column=Column("copy", Integer, nullable=False))
    method: str = Field(max_length=8)  # PRINT_MODES
    state: str = Field(max_length=16)  # PRINT_STATES
    cups_job: str | None = Field(default=None, max_length=64)
    detail: str | None = Field(default=None, max_length=200)
    created_at: datetime = Field(default_factory=utcnow, sa_type=AwareDateTime, index=True)
    completed_at: datetime | None = Field(default=None, sa_type=AwareDateTime)


KIOSK_TABLES = [
    KioskDevice.__table__,  # type: ignore[attr-defined]
    KioskSignIn.__table__,  # type: ignore[attr-defined]
    KioskSession.__table__,  # type: ignore[attr-defined]
    KioskPrint.__table__,  # type: ignore[attr-defined]
]
