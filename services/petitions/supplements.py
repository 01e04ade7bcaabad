"""Asking the citizen for more, and their answer.

1. An officer holding a petition in review flags form fields and documents and writes a
   message: the petition goes to `supplement_requested`, the legal clock pauses and the
   citizen's mailbox gets the request (through `change_state`).
2. The citizen (or whoever filed it for them, while their delegation lasts) answers only what
   was flagged: answers are checked by their field's kind, files by content and size.
3. The answers are merged into the petition, the petition goes back to `in_review` with the
   same officer, and the clock resumes. A request is answered once; a second answer is 409.

Fields that evidence or a third-party approval refers to cannot be flagged: the data fetched
with them would no longer match the petition (a petition naming the wrong person is rejected
and filed again instead).
"""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy import bindparam, update
from sqlmodel import Session, col, select

from identity.models import Citizen
from identity.officers.models import Officer
from portal.db import utcnow
from services.audit.service import record_event
from services.catalogue.definitions import FormFieldSpec, ServiceDefinition
from services.petitions import deadlines
from services.petitions.casework_models import (
    DecisionKind,
    PetitionDecision,
    SupplementRequest,
)
from services.petitions.decisions import (
    actor_of,
    load_for_action,
    pending_first_approval,
    require_still_held_in,
)
from services.petitions.errors import (
    NoSupplementRequestedError,
    PetitionNotInReviewError,
    SupplementAlreadyAnsweredError,
    SupplementInvalidError,
    UploadRejectedError,
    UploadRequiredError,
)
from services.petitions.models import Petition, PetitionState
from services.petitions.processing import definition_of
from services.petitions.queries import get_citizen_petition
from services.petitions.service import UploadStore, change_state, validate_answers
from services.petitions.uploads import ReceivedFile, attach_upload, check_upload

MESSAGE_MAX_LENGTH = 2000
DOCUMENT_LABEL_MAX_LENGTH = 100
MAX_DOCUMENTS = 10


def flaggable_fields(service: ServiceDefinition) -> list[FormFieldSpec]:
    """Form fields an officer may ask again (see the module doc for the ones left out)."""
    fixed = {ref for item in service.evidence for ref in item.form_refs()}
    if service.approval is not None:
        fixed.add(service.approval.citizen_field)
    return [f for f in service.form if f.name not in fixed]


def document_key(index: int) -> str:
    """The form name of the n-th requested document's file input (labels may be free text)."""
    return f"doc{index}"


def request_supplement(
    db: Session,
    *,
    officer: Officer,
    petition_id: str,
    fields: list[str],
    documents: list[str],
    message: str,
) -> SupplementRequest:
    """Asks the citizen for the flagged fields and documents; pauses the legal clock."""
    petition = load_for_action(db, officer, petition_id)
    if petition.state != PetitionState.IN_REVIEW:
        raise PetitionNotInReviewError(state=str(petition.state))
    require_still_held_in(db, petition, officer)
    service = definition_of(petition)
    allowed = {f.name for f in flaggable_fields(service)}
    fields = list(dict.fromkeys(f.strip() for f in fields if f.strip()))
    documents = list(dict.fromkeys(" ".join(d.split()) for d in documents if d.strip()))
    message = message.strip()
    unknown = [f for f in fields if f not in allowed]
    if (
        unknown
        or not (fields or documents)
        or not message
        or len(message) > MESSAGE_MAX_LENGTH
        or len(documents) > MAX_DOCUMENTS
        or any(len(d) > DOCUMENT_LABEL_MAX_LENGTH for d in documents)
    ):
        raise SupplementInvalidError(unknown_fields=unknown)
    request = SupplementRequest(
        petition_id=petition.id,
        officer_id=officer.id,  # type: ignore[arg-type]
        fields=fields,
        documents=documents,
        message=message,
    )
    db.add(request)
    first = pending_first_approval(db, petition.id)
    if first is not None:
        # The answers a first approval saw are about to change: it no longer counts.
        db.add(
            PetitionDecision(
                petition_id=petition.id,
                officer_id=officer.id,  # type: ignore[arg-type]
                kind=DecisionKind.CLEARED,
                reason="supplement requested",
            )
        )
    now = utcnow()
    change_state(
        db,
        petition,
        PetitionState.SUPPLEMENT_REQUESTED,
        actor=actor_of(officer),
        note=message,
    )
    deadlines.pause_clock(db, petition, at=now)
    petition.claim_active_at = now
    record_event(
        db,
        actor=actor_of(officer),
        action="petition.supplement_request",
        object_type="petition",
        object_id=petition.id,
        details={"fields": fields, "documents": documents},
    )
    db.flush()
    return request


def open_supplement_request(db: Session, petition_id: str) -> SupplementRequest | None:
    """The latest request of a petition, answered or not (None if none was ever made)."""
    return db.exec(
        select(SupplementRequest)
        .where(SupplementRequest.petition_id == petition_id)
        .order_by(col(SupplementRequest.requested_at).desc(), col(SupplementRequest.id))
    ).first()


def list_supplement_requests(db: Session, petition_id: str) -> list[SupplementRequest]:
    return list(db.exec(_SUPPLEMENT_REQUESTS, params={"petition_id": petition_id}))


_SUPPLEMENT_REQUESTS = (
    select(SupplementRequest)
    .where(SupplementRequest.petition_id == bindparam("petition_id"))
    .order_by(col(SupplementRequest.requested_at))
)


def get_citizen_supplement(
    db: Session, *, citizen_id: int, petition_id: str
) -> tuple[Petition, SupplementRequest]:
    """The petition (404 unless the citizen may see it) and the request waiting for them.

    409 when the latest request was already answered, or nothing is asked at all.
    """
    petition = get_citizen_petition(db, citizen_id=citizen_id, petition_id=petition_id)
    request = open_supplement_request(db, petition.id)
    if request is not None and request.answered_at is not None:
        raise SupplementAlreadyAnsweredError()
    if request is None or petition.state != PetitionState.SUPPLEMENT_REQUESTED:
        raise NoSupplementRequestedError()
    return petition, request


def asked_fields(petition: Petition, request: SupplementRequest) -> list[FormFieldSpec]:
    """The flagged form fields, each required now that an officer asked for it."""
    service = definition_of(petition)
    return [
        f.model_copy(update={"required": True}) for f in service.form if f.name in request.fields
    ]


def answer_supplement(
    db: Session,
    *,
    citizen: Citizen,
    petition_id: str,
    answers: Mapping[str, str],
    uploads: Mapping[str, ReceivedFile],
    upload_store: UploadStore | None,
) -> Petition:
    """Records the citizen's answer and hands the petition back to the same officer.

    Uploads are keyed by `document_key(i)` for the i-th requested document. Raises
    InvalidAnswersError (problem codes per field), UploadRequiredError or
    UploadRejectedError (400) before anything is stored.
    """
    petition, request = get_citizen_supplement(
        db,
        citizen_id=citizen.id,  # type: ignore[arg-type]
        petition_id=petition_id,
    )
    service = definition_of(petition)
    asked = tuple(asked_fields(petition, request))
    clean = validate_answers(
        service.model_copy(update={"form": asked}), {k: str(v) for k, v in answers.items()}
    )
    files: list[tuple[str, ReceivedFile, str]] = []
    missing = [label for i, label in enumerate(request.documents) if document_key(i) not in uploads]
    if missing:
        raise UploadRequiredError(items=missing)
    if request.documents and upload_store is None:
        raise UploadRejectedError(item=request.documents[0], reason="channel")
    known_uploads = {u.name for u in service.uploads}
    for i, label in enumerate(request.documents):
        received = uploads[document_key(i)]
        assert upload_store is not None
        content_type = check_upload(label, received, limit=upload_store.limit_bytes)
        item = label if label in known_uploads else f"supplement:{label}"[:64]
        files.append((item, received, content_type))
    for item, received, content_type in files:
        assert upload_store is not None
        attach_upload(
            db,
            upload_store.data_dir,
            petition_id=petition.id,
            item=item,
            received=received,
            content_type=content_type,
        )
    now = utcnow()
    # One answer per request even if two arrive at once: the first to mark it answered wins
    # (the row stays locked until commit); the other finds it answered and nothing is kept.
    marked = db.execute(
        update(SupplementRequest)
        .where(
            col(SupplementRequest.id) == request.id,
            col(SupplementRequest.answered_at).is_(None),
        )
        .values(answered_at=now)
        .execution_options(synchronize_session=False)
    )
    if marked.rowcount != 1:  # type: ignore[attr-defined]
        raise SupplementAlreadyAnsweredError()
    # Reassigned, not mutated: JSON columns only notice a new value.
    petition.answers = {**petition.answers, **clean}
    request.answers = dict(clean)
    request.answered_at = now
    db.add(request)
    actor = "citizen" if petition.citizen_id == citizen.id else "delegate"
    change_state(db, petition, PetitionState.IN_REVIEW, actor=actor, note="supplement answered")
    deadlines.resume_clock(db, petition, at=now)
    # Back to the officer who asked: the claim stays theirs and counts as active again.
    if petition.assigned_officer_id is not None:
        petition.claim_active_at = now
    record_event(
        db,
        actor=f"citizen:{citizen.id}",
        action="petition.supplement_answer",
        object_type="petition",
        object_id=petition.id,
        details={"fields": sorted(clean), "documents": len(files)},
    )
    db.flush()
    return petition
