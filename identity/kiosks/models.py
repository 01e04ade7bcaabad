"""Kiosk devices, pending phone sign-ins and the short sessions they open."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from portal.db import AwareDateTime, utcnow


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


KIOSK_TABLES = [
    KioskDevice.__table__,  # type: ignore[attr-defined]
    KioskSignIn.__table__,  # type: ignore[attr-defined]
    KioskSession.__table__,  # type: ignore[attr-defined]
]
