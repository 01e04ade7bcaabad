"""Officers and their back-office sessions."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, Column
from sqlmodel import Field, SQLModel

from portal.db import AwareDateTime, utcnow


class OfficerRole(StrEnum):
    OFFICER = "officer"
    SUPERVISOR = "supervisor"
    AGENCY_ADMIN = "agency_admin"
    PORTAL_ADMIN = "portal_admin"


class Officer(SQLModel, table=True):
    """A person allowed into the back office for one agency, with one or more roles."""

    __tablename__ = "officer"

    id: int | None = Field(default=None, primary_key=True)
    national_id: str = Field(max_length=13, unique=True, index=True)
    agency: str = Field(max_length=16, index=True)  # agency code: "dopa", "dol", …
    # The office whose queue the officer works (None: the agency's whole pool).
    office_code: str | None = Field(default=None, max_length=32)
    # Where supervisors receive escalations (deadlines near or past); may be empty.
    email: str = Field(default="", max_length=254)
    roles: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    active: bool = True
    # Names as the provider last gave them, for page headers only.
    name_th: str = ""
    name_en: str = ""
    # The TOTP secret sealed at rest (ADR 0004, `identity.officers.secrets`): "v1:" +
    # urlsafe-base64(nonce || AES-256-GCM ciphertext), key derived from the portal's secret key,
    # the officer's id as associated data; 83 characters for a 160-bit secret. A value without
    # "v1:" is a clear base32 secret from an older database, sealed at its next successful use.
    totp_secret: str | None = Field(default=None, max_length=255)
    totp_confirmed_at: datetime | None = Field(default=None, sa_type=AwareDateTime)
    # The last accepted TOTP time step: a code (or an older one) is never accepted twice.
    totp_last_timestep: int | None = None
    created_at: datetime = Field(default_factory=utcnow, sa_type=AwareDateTime)
    disabled_at: datetime | None = Field(default=None, sa_type=AwareDateTime)


class Office(SQLModel, table=True):
    """An office of an agency with its own queue (a district office, a branch); petitions may
    be transferred between an agency's offices."""

    __tablename__ = "office"

    code: str = Field(primary_key=True, max_length=32)  # "dopa-bangrak"
    agency: str = Field(max_length=16, index=True)
    name_th: str
    name_en: str
    active: bool = True


class OfficerSession(SQLModel, table=True):
    """A back-office session; the browser holds a random token whose SHA-256 is the key."""

    __tablename__ = "officer_session"

    id: str = Field(primary_key=True, max_length=64)  # sha256 of the cookie value
    officer_id: int = Field(foreign_key="officer.id", index=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=AwareDateTime)
    last_seen_at: datetime = Field(default_factory=utcnow, sa_type=AwareDateTime)
    expires_at: datetime = Field(sa_type=AwareDateTime)
    revoked_at: datetime | None = Field(default=None, sa_type=AwareDateTime)
    # None until a TOTP code or the provider's `amr` proves a second factor.
    second_factor_at: datetime | None = Field(default=None, sa_type=AwareDateTime)
    second_factor_failures: int = 0
    id_token: str = ""  # kept for RP-initiated logout (id_token_hint)


OFFICER_TABLES = [Officer.__table__, OfficerSession.__table__, Office.__table__]  # type: ignore[attr-defined]
