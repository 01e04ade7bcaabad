"""Petitions, the consents given for them, their history and the work they imply."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel
from pydantic import Field as PydanticField
from sqlalchemy import JSON, Column, Index, UniqueConstraint, event
from sqlmodel import Field, SQLModel

from portal.db import AwareDateTime, utcnow


def _new_id() -> str:
    return str(uuid.uuid4())


class PetitionState(StrEnum):
    """The states of ARCHITECTURE.md §Decide."""

    DRAFT = "draft"
    AWAITING_APPROVAL = "awaiting_approval"  # another citizen (a house owner) must approve
    SUBMITTED = "submitted"
    EVIDENCE_PENDING = "evidence_pending"
    IN_REVIEW = "in_review"
    SUPPLEMENT_REQUESTED = "supplement_requested"
    APPROVED = "approved"
    ISSUED = "issued"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"


FINAL_STATES = frozenset({PetitionState.ISSUED, PetitionState.REJECTED, PetitionState.WITHDRAWN})


class Petition(SQLModel, table=True):
    """A citizen's request for a service, filed under one version of its definition."""

    __tablename__ = "petition"
    __table_args__ = (
        UniqueConstraint("citizen_id", "idempotency_key"),
        # The officers' queue: an agency's petitions in one state, by due date (keyset order).
        Index("ix_petition_queue", "agency", "state", "due_on", "id"),
        # Dashboards and public statistics: decisions of an agency within a period.
        Index("ix_petition_agency_decided_at", "agency", "decided_at"),
    )

    id: str = Field(default_factory=_new_id, primary_key=True, max_length=36)
    # The person the petition is for: evidence is about them, the document is theirs.
    citizen_id: int = Field(foreign_key="citizen.id", index=True)
    # Acting for others: who filed it, under which delegation (None when filed by the citizen).
    filed_by_id: int | None = Field(default=None, foreign_key="citizen.id", index=True)
    delegation_id: str | None = Field(default=None, max_length=36)
    service_code: str = Field(max_length=64, index=True)
    service_version: int
    # The agency that decides it (the code's prefix; set on insert) and the office whose queue
    # holds it (None: the agency's shared pool; a transfer names another office).
    agency: str = Field(default="", max_length=16)
    office_code: str | None = Field(default=None, max_length=32, index=True)
    # The definition as it was when the petition was filed: processing follows it even after
    # the catalogue changes.
    definition: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    # Petitions filed together by one life-event bundle share this id.
    bundle_id: str | None = Field(default=None, max_length=36, index=True)
    bundle_code: str | None = Field(default=None, max_length=64)
    state: PetitionState = Field(default=PetitionState.SUBMITTED, max_length=32, index=True)
    channel: str = Field(default="web", max_length=16)
    answers: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    # Fetched evidence, keyed by "agency.dataset": kept so the certificate can be re-rendered.
    evidence: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    idempotency_key: str | None = Field(default=None, max_length=128)
    decision_reason_th: str = ""
    decision_reason_en: str = ""
    document_number: str | None = Field(default=None, max_length=64)
    created_at: datetime = Field(default_factory=utcnow, sa_type=AwareDateTime, index=True)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=AwareDateTime)
    decided_at: datetime | None = Field(default=None, sa_type=AwareDateTime)
    # The officer who holds it (claimed or assigned), and when they last worked on it: a claim
    # idle for longer than the release time is free again.
    assigned_officer_id: int | None = Field(default=None, foreign_key="officer.id", index=True)
    claimed_at: datetime | None = Field(default=None, sa_type=AwareDateTime)
    claim_active_at: datetime | None = Field(default=None, sa_type=AwareDateTime)
    # The legal processing time: the last business day to decide on, None for services with
    # no clock; the clock stops while the citizen is asked for a supplement.
    due_on: date | None = Field(default=None)
    clock_paused_at: datetime | None = Field(default=None, sa_type=AwareDateTime)
    # 0 none, 1 near the due date, 2 past it: each level is notified to supervisors once.
    escalation: int = Field(default=0)


@event.listens_for(Petition, "before_insert")
def _set_agency(_mapper: object, _connection: object, petition: Petition) -> None:
    if not petition.agency:
        petition.agency = petition.service_code.split(".", 1)[0]


class Consent(SQLModel, table=True):
    """The citizen's consent to fetch one dataset for one petition; its id travels with the call."""

    __tablename__ = "consent"

    id: str = Field(default_factory=_new_id, primary_key=True, max_length=36)
    petition_id: str = Field(foreign_key="petition.id", index=True, max_length=36)
    citizen_id: int = Field(foreign_key="citizen.id", index=True)
    dataset: str = Field(max_length=64)
    fields: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    purpose_en: str
    given_at: datetime = Field(default_factory=utcnow, sa_type=AwareDateTime)


class EvidenceUpload(SQLModel, table=True):
    """A file the citizen uploaded: a copy instead of a fetch they declined, or a document no
    registry holds. The file lives outside the web root under a random name."""

    __tablename__ = "evidence_upload"

    id: str = Field(default_factory=_new_id, primary_key=True, max_length=36)
    petition_id: str = Field(foreign_key="petition.id", index=True, max_length=36)
    item: str = Field(max_length=64)  # "agency.dataset" it replaces, or the upload's name
    filename: str = Field(max_length=255)  # as the citizen named it, for display only
    content_type: str = Field(max_length=64)  # from the content, not from the browser
    size: int
    sha256: str = Field(max_length=64)
    stored_name: str = Field(max_length=64)
    uploaded_at: datetime = Field(default_factory=utcnow, sa_type=AwareDateTime)


class ApprovalState(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    DECLINED = "declined"


class PetitionApproval(SQLModel, table=True):
    """Another citizen's approval a petition waits for, such as the house owner's for a move-in.

    Addressed by citizen ID: the approver may not have signed in yet; they see it when they do.
    """

    __tablename__ = "petition_approval"

    id: str = Field(default_factory=_new_id, primary_key=True, max_length=36)
    petition_id: str = Field(foreign_key="petition.id", unique=True, max_length=36)
    approver_national_id: str = Field(max_length=13, index=True)
    role_th: str
    role_en: str
    state: ApprovalState = Field(default=ApprovalState.PENDING, max_length=16)
    requested_at: datetime = Field(default_factory=utcnow, sa_type=AwareDateTime)
    decided_at: datetime | None = Field(default=None, sa_type=AwareDateTime)
    decided_by_id: int | None = Field(default=None, foreign_key="citizen.id")


class PetitionEvent(SQLModel, table=True):
    """One step in a petition's history, shown on its status page."""

    __tablename__ = "petition_event"

    id: int | None = Field(default=None, primary_key=True)
    petition_id: str = Field(foreign_key="petition.id", index=True, max_length=36)
    from_state: str | None = Field(default=None, max_length=32)
    to_state: str = Field(max_length=32)
    actor: str = Field(max_length=64)  # "citizen", "delegate", "system", "officer:<id>"
    note: str = ""
    at: datetime = Field(default_factory=utcnow, sa_type=AwareDateTime, index=True)


class JobState(StrEnum):
    PENDING = "pending"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


class PetitionJob(SQLModel, table=True):
    """Work a state change implies, written in the same transaction and run by a worker."""

    __tablename__ = "petition_job"

    id: int | None = Field(default=None, primary_key=True)
    petition_id: str = Field(foreign_key="petition.id", index=True, max_length=36)
    kind: str = Field(default="process", max_length=32)
    state: JobState = Field(default=JobState.PENDING, max_length=16, index=True)
    attempts: int = 0
    run_after: datetime = Field(default_factory=utcnow, sa_type=AwareDateTime, index=True)
    locked_until: datetime | None = Field(default=None, sa_type=AwareDateTime)
    last_error: str = ""
    created_at: datetime = Field(default_factory=utcnow, sa_type=AwareDateTime)


class PetitionCreate(BaseModel):
    """What a citizen submits (API body; the web form maps onto it)."""

    service_code: str
    consent: list[str] = []  # datasets consented to, e.g. ["dopa.population"]
    answers: dict[str, str] = {}
    # Filing for someone who gave the caller a delegation: their 13-digit citizen ID.
    on_behalf_of: str | None = PydanticField(default=None, pattern=r"^[0-9]{13}$")


class PetitionPublic(BaseModel):
    """A petition as its owner sees it."""

    id: str
    service_code: str
    service_version: int
    state: PetitionState
    channel: str
    answers: dict[str, Any]
    decision_reason_th: str
    decision_reason_en: str
    document_number: str | None
    created_at: datetime
    updated_at: datetime
    decided_at: datetime | None
    # The expected completion date: the last business day of the legal processing time (None
    # for a service without one); it moves on while the clock is paused for a supplement.
    due_on: date | None = None
    clock_paused_at: datetime | None = None  # set while waiting for the citizen's supplement
