"""The exchange's records: a message log of every registry call, and each person's access log."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Column
from sqlmodel import Field, SQLModel

from portal.db import AwareDateTime, utcnow


class ExchangeMessage(SQLModel, table=True):
    """One request to a registry and its answer, kept as digests (the message log)."""

    __tablename__ = "exchange_message"

    id: int | None = Field(default=None, primary_key=True)
    request_id: str = Field(max_length=64, index=True)
    agency: str = Field(max_length=32)
    dataset: str = Field(max_length=64)
    petition_id: str | None = Field(default=None, max_length=36, index=True)
    consent_id: str | None = Field(default=None, max_length=36)
    purpose: str
    request_sha256: str = Field(max_length=64)
    response_sha256: str = Field(default="", max_length=64)
    status_code: int = 0  # 0: no answer (timeout, connection refused)
    # The answer's RFC 9421 signature: "verified", "invalid", or "" when not checked (no
    # answer, or an error answer the petition does not act on).
    response_signature: str = Field(default="", max_length=16)
    duration_ms: int = 0
    at: datetime = Field(default_factory=utcnow, sa_type=AwareDateTime)


class DataAccess(SQLModel, table=True):
    """A read of a person's data: shown to them on "Who used my data"."""

    __tablename__ = "data_access"

    id: int | None = Field(default=None, primary_key=True)
    citizen_id: int = Field(foreign_key="citizen.id", index=True)
    agency: str = Field(max_length=32)
    dataset: str = Field(max_length=64)
    fields: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    purpose_th: str
    purpose_en: str
    accessed_by: str = Field(max_length=128)  # the service the portal read it for
    petition_id: str | None = Field(default=None, max_length=36, index=True)
    request_id: str = Field(max_length=64)
    at: datetime = Field(default_factory=utcnow, sa_type=AwareDateTime, index=True)
