"""Citizens as the portal knows them, their sessions and their sign-in attempts."""

from __future__ import annotations

from datetime import date, datetime

from sqlmodel import Field, SQLModel

from portal.db import AwareDateTime, utcnow


class Citizen(SQLModel, table=True):
    """A person who has signed in at least once; claims are refreshed at every sign-in."""

    __tablename__ = "citizen"

    id: int | None = Field(default=None, primary_key=True)
    national_id: str = Field(max_length=13, unique=True, index=True)
    subject: str = Field(max_length=255, index=True)
    issuer: str = Field(max_length=255)
    title_th: str = ""
    given_name_th: str = ""
    family_name_th: str = ""
    title_en: str = ""
    given_name_en: str = ""
    family_name_en: str = ""
    birthdate: date | None = None
    ial: float = 0.0
    created_at: datetime = Field(default_factory=utcnow, sa_type=AwareDateTime)
    last_sign_in_at: datetime | None = Field(default=None, sa_type=AwareDateTime)

    @property
    def name_th(self) -> str:
        return " ".join(p for p in (self.title_th, self.given_name_th, self.family_name_th) if p)

    @property
    def name_en(self) -> str:
        return " ".join(p for p in (self.title_en, self.given_name_en, self.family_name_en) if p)


class WebSession(SQLModel, table=True):
    """A server-side session; the browser holds only a random token whose hash is the key."""

    __tablename__ = "web_session"

    id: str = Field(primary_key=True, max_length=64)  # sha256 of the cookie value
    citizen_id: int = Field(foreign_key="citizen.id", index=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=AwareDateTime)
    last_seen_at: datetime = Field(default_factory=utcnow, sa_type=AwareDateTime)
    expires_at: datetime = Field(sa_type=AwareDateTime)
    revoked_at: datetime | None = Field(default=None, sa_type=AwareDateTime)
    id_token: str = ""  # kept for RP-initiated logout (id_token_hint)


class LoginAttempt(SQLModel, table=True):
    """One trip to the provider: state, nonce and PKCE verifier, single use, bound to a browser."""

    __tablename__ = "login_attempt"

    state: str = Field(primary_key=True, max_length=128)
    nonce: str = Field(max_length=128)
    code_verifier: str = Field(max_length=128)
    browser_binding: str = Field(max_length=64)  # sha256 of a cookie set when the trip started
    next_url: str = Field(default="/", max_length=2048)
    min_ial: float | None = None  # step-up: the level asked of the provider
    created_at: datetime = Field(default_factory=utcnow, sa_type=AwareDateTime, index=True)
