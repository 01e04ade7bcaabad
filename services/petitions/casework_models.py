"""What officers do with a petition besides changing its state: decisions (one row per
officer's approval or rejection, so a two-officer service can prove two different people),
supplement requests and the citizen's answers, internal notes, and the message thread."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Column
from sqlmodel import Field, SQLModel

from portal.db import AwareDateTime, utcnow

MESSAGE_MAX_LENGTH = 2000
NOTE_MAX_LENGTH = 2000


def _new_id() -> str:
    return str(uuid.uuid4())


class DecisionKind(StrEnum):
    FIRST_APPROVAL = "first_approval"  # a two-officer service: waits for a second officer
    APPROVE = "approve"
    REJECT = "reject"
    # A supplement request voids a pending first approval: the answers it approved change.
    CLEARED = "cleared"


class PetitionDecision(SQLModel, table=True):
    """One officer's decision on a petition, append-only."""

    __tablename__ = "petition_decision"

    id: int | None = Field(default=None, primary_key=True)
    petition_id: str = Field(foreign_key="petition.id", index=True, max_length=36)
    officer_id: int = Field(foreign_key="officer.id", index=True)
    kind: str = Field(max_length=16)
    reason: str = ""
    at: datetime = Field(default_factory=utcnow, sa_type=AwareDateTime)


class SupplementRequest(SQLModel, table=True):
    """An officer's request for more information; the citizen answers it once."""

    __tablename__ = "supplement_request"

    id: str = Field(default_factory=_new_id, primary_key=True, max_length=36)
    petition_id: str = Field(foreign_key="petition.id", index=True, max_length=36)
    officer_id: int = Field(foreign_key="officer.id")
    # Names of the definition's form fields to answer again.
    fields: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    # Names of the definition's uploads, or free labels ("a copy of the lease").
    documents: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    message: str = ""
    requested_at: datetime = Field(default_factory=utcnow, sa_type=AwareDateTime)
    answered_at: datetime | None = Field(default=None, sa_type=AwareDateTime)
    answers: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))


class PetitionNote(SQLModel, table=True):
    """An officer's internal note: shown in the back office only, never to the citizen."""

    __tablename__ = "petition_note"

    id: int | None = Field(default=None, primary_key=True)
    petition_id: str = Field(foreign_key="petition.id", index=True, max_length=36)
    officer_id: int = Field(foreign_key="officer.id")
    text: str = Field(max_length=NOTE_MAX_LENGTH)
    at: datetime = Field(default_factory=utcnow, sa_type=AwareDateTime)


class PetitionMessage(SQLModel, table=True):
    """One message of the citizen ↔ officer thread on a petition."""

    __tablename__ = "petition_message"

    id: int | None = Field(default=None, primary_key=True)
    petition_id: str = Field(foreign_key="petition.id", index=True, max_length=36)
    author: str = Field(max_length=16)  # "citizen" or "officer"
    author_id: int  # citizen.id or officer.id, by `author`
    body: str = Field(max_length=MESSAGE_MAX_LENGTH)
    at: datetime = Field(default_factory=utcnow, sa_type=AwareDateTime)


CASEWORK_TABLES = [
    PetitionDecision.__table__,  # type: ignore[attr-defined]
    SupplementRequest.__table__,  # type: ignore[attr-defined]
    PetitionNote.__table__,  # type: ignore[attr-defined]
    PetitionMessage.__table__,  # type: ignore[attr-defined]
]
