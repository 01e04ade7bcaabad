"""Delegations: one citizen allowing another to act for them."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import JSON, Column
from sqlmodel import Field, SQLModel

from portal.db import AwareDateTime, utcnow

ALL_SERVICES = "*"


def _new_id() -> str:
    return str(uuid.uuid4())


class Delegation(SQLModel, table=True):
    """The grantor lets the holder of `grantee_national_id` file petitions for these services.

    The grantee is named by citizen ID, not by account: they may never have signed in yet.
    """

    __tablename__ = "delegation"

    id: str = Field(default_factory=_new_id, primary_key=True, max_length=36)
    grantor_id: int = Field(foreign_key="citizen.id", index=True)
    grantee_national_id: str = Field(max_length=13, index=True)
    # "grant": given by the grantor from their account; "parent": derived from the population
    # register (a parent acts for a child under 20), renewed whenever the register confirms it.
    basis: str = Field(default="grant", max_length=16)
    # Service codes, or ["*"] for every service.
    services: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    created_at: datetime = Field(default_factory=utcnow, sa_type=AwareDateTime)
    expires_at: datetime = Field(sa_type=AwareDateTime)
    revoked_at: datetime | None = Field(default=None, sa_type=AwareDateTime)

    def covers(self, service_code: str) -> bool:
        return ALL_SERVICES in self.services or service_code in self.services

    def is_active(self, now: datetime) -> bool:
        return self.revoked_at is None and self.expires_at > now
