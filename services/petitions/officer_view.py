"""The officer's "one screen" for a petition: only what the task needs, and every look logged.

1. `open_petition_for_officer` checks the agency (403 another agency's, 404 unknown).
2. It gathers the form answers (labelled by the definition the petition was filed under), the
   evidence fields that definition asks for and no other, the uploaded files (names and types,
   never their content here), third-party approvals, history, the due date and who holds it.
3. Opening it is logged twice: a `DataAccess` row in the citizen's "Who used my data" (at most
   one per officer per petition per hour, so reloads do not flood the citizen's log) and an
   audit event `petition.view` every time.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from pydantic import ValidationError
from sqlalchemy import bindparam
from sqlmodel import Session, col, select

from identity.officers.models import Officer
from services.audit.service import record_event
from services.catalogue.definitions import ServiceDefinition, Text
from services.catalogue.errors import UnknownServiceError
from services.exchange.models import DataAccess
from services.petitions.claims import actor_of, get_visible_petition
from services.petitions.models import (
    EvidenceUpload,
    Petition,
    PetitionApproval,
    PetitionEvent,
)
from services.petitions.queries import list_petition_events
from services.petitions.queue import RELEASE_AFTER, deadline_status, local_today
from services.petitions.snapshots import may_hold_uploads, snapshot_definition

VIEW_DATASET = "portal.petition"
VIEW_PURPOSE_TH = "เจ้าหน้าที่ตรวจพิจารณาคำขอของท่าน"
VIEW_PURPOSE_EN = "Officer review of your petition"
VIEW_LOG_INTERVAL = timedelta(hours=1)


@dataclass(frozen=True)
class LabelledValue:
    name: str
    label: Text
    value: str


@dataclass(frozen=True)
class EvidenceItem:
    dataset: str
    purpose: Text
    values: list[LabelledValue]
    fetched: bool  # False: not fetched (declined, or still pending); an upload may replace it


@dataclass
class TaskView:
    """Everything the officer's petition page shows; nothing else about the citizen."""

    petition: Petition
    service: ServiceDefinition | None
    answers: list[LabelledValue]
    evidence: list[EvidenceItem]
    uploads: list[EvidenceUpload]
    approvals: list[PetitionApproval]
    history: list[PetitionEvent]
    due_on: date | None
    deadline: str  # none / on_time / near / overdue
    holder: Officer | None
    held_by_me: bool
    claim_stale: bool
    fields_shown: list[str] = field(default_factory=list)


def petition_definition(petition: Petition) -> ServiceDefinition | None:
    """The definition the petition was filed under; the catalogue's for older petitions."""
    own = _own_snapshot(petition)
    if own is not None:
        return own
    from services.catalogue.service import get_catalogue

    try:
        return get_catalogue().get(petition.service_code)
    except UnknownServiceError:
        return None


def _own_snapshot(petition: Petition) -> ServiceDefinition | None:
    """The definition the petition carries, if it carries a valid one (cached: cheap)."""
    if not petition.definition:
        return None
    try:
        return snapshot_definition(petition)
    except ValidationError:
        return None


def _answer_text(spec: Any, value: Any) -> str:
    if value is None:
        return ""
    for code, label in getattr(spec, "choices", ()):
        if code == value:
            return f"{label.th} / {label.en}"
    return str(value)


def _field_label(agency_code: str, dataset: str, name: str) -> Text:
    """A registry field's label from the agency's contract (the field name if unknown)."""
    from services.agencies import get_agency

    agency = get_agency(agency_code)
    contract = agency.dataset(dataset) if agency else None
    spec = contract.field(name) if contract else None
    if spec is None:
        return Text(th=name, en=name)
    return Text(th=spec.label_th or name, en=spec.label_en or name)


_UPLOADS_IN_ORDER = (
    select(EvidenceUpload)
    .where(EvidenceUpload.petition_id == bindparam("petition_id"))
    .order_by(col(EvidenceUpload.uploaded_at))
)
_APPROVALS = select(PetitionApproval).where(
    PetitionApproval.petition_id == bindparam("petition_id")
)


def open_petition_for_officer(
    db: Session, *, officer: Officer, petition_id: str, now: datetime
) -> TaskView:
    """The one-screen view of a petition for an officer of its agency; logs the look."""
    petition = get_visible_petition(db, officer, petition_id)
    service = petition_definition(petition)
    answers: list[LabelledValue] = []
    evidence: list[EvidenceItem] = []
    if service is not None:
        for spec in service.form:
            if spec.name in petition.answers:
                answers.append(
                    LabelledValue(
                        spec.name, spec.label, _answer_text(spec, petition.answers[spec.name])
                    )
                )
        for item in service.evidence:
            fetched = petition.evidence.get(item.dataset)
            values = []
            if isinstance(fetched, dict):
                for name in item.asked_fields:  # only what the definition asks for
                    if name in fetched:
                        label = _field_label(item.agency, item.dataset_name, name)
                        values.append(
                            LabelledValue(f"{item.dataset}.{name}", label, str(fetched[name]))
                        )
            evidence.append(
                EvidenceItem(
                    dataset=item.dataset,
                    purpose=item.purpose,
                    values=values,
                    fetched=isinstance(fetched, dict),
                )
            )
    history = list_petition_events(db, petition_id=petition.id)
    # Only asked where there can be any (without a valid snapshot of its own: asked).
    snapshot = _own_snapshot(petition)
    uploads = (
        list(db.exec(_UPLOADS_IN_ORDER, params={"petition_id": petition.id}))
        if snapshot is None or may_hold_uploads(snapshot, history)
        else []
    )
    approvals = (
        list(db.exec(_APPROVALS, params={"petition_id": petition.id}))
        if snapshot is None or snapshot.approval is not None
        else []
    )
    holder = db.get(Officer, petition.assigned_officer_id) if petition.assigned_officer_id else None
    cutoff = now - RELEASE_AFTER
    claim_stale = bool(
        holder is not None
        and petition.claim_active_at is not None
        and petition.claim_active_at < cutoff
    )
    fields_shown = [a.name for a in answers] + [v.name for e in evidence for v in e.values]
    fields_shown += [f"upload.{u.item}" for u in uploads]
    view = TaskView(
        petition=petition,
        service=service,
        answers=answers,
        evidence=evidence,
        uploads=uploads,
        approvals=approvals,
        history=history,
        due_on=petition.due_on,
        deadline=deadline_status(petition.due_on, petition.escalation, local_today(now)),
        holder=holder,
        held_by_me=holder is not None and holder.id == officer.id,
        claim_stale=claim_stale,
        fields_shown=fields_shown,
    )
    _log_view(db, officer=officer, petition=petition, fields=fields_shown, now=now)
    return view


_RECENT_VIEW = select(DataAccess.id).where(
    DataAccess.petition_id == bindparam("petition_id"),
    DataAccess.accessed_by == bindparam("actor"),
    DataAccess.dataset == VIEW_DATASET,
    col(DataAccess.at) > bindparam("since"),
)


def _log_view(
    db: Session, *, officer: Officer, petition: Petition, fields: list[str], now: datetime
) -> None:
    actor = actor_of(officer)
    params = {"petition_id": petition.id, "actor": actor, "since": now - VIEW_LOG_INTERVAL}
    logged_recently = db.exec(_RECENT_VIEW, params=params).first()
    if logged_recently is None:
        db.add(
            DataAccess(
                citizen_id=petition.citizen_id,
                agency=petition.agency,
                dataset=VIEW_DATASET,
                fields=fields,
                purpose_th=VIEW_PURPOSE_TH,
                purpose_en=VIEW_PURPOSE_EN,
                accessed_by=actor,
                petition_id=petition.id,
                request_id=str(uuid.uuid4()),
                at=now,
            )
        )
    record_event(
        db,
        actor=actor,
        action="petition.view",
        object_type="petition",
        object_id=petition.id,
        details={"fields": fields},
    )
    db.flush()
