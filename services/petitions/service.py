"""Filing a petition: one transaction records it, the consents, its history and its job."""

from __future__ import annotations

from sqlalchemy import and_, or_
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from identity.delegation.errors import NoActiveDelegationError
from identity.delegation.service import find_active_delegation
from identity.models import Citizen
from portal.db import utcnow
from services.catalogue.definitions import ServiceDefinition
from services.petitions.errors import (
    AssuranceTooLowError,
    ChannelNotOfferedError,
    ConsentRequiredError,
    IdempotencyConflictError,
    InvalidAnswersError,
)
from services.petitions.models import (
    Consent,
    Petition,
    PetitionEvent,
    PetitionJob,
    PetitionState,
)


def validate_answers(service: ServiceDefinition, answers: dict[str, str]) -> dict[str, str]:
    """Keeps only the form's fields, checks required ones and allowed choices."""
    clean: dict[str, str] = {}
    problems: dict[str, str] = {}
    for field in service.form:
        value = str(answers.get(field.name, "")).strip()
        if not value:
            if field.required:
                problems[field.name] = "required"
            continue
        if len(value) > field.max_length:
            problems[field.name] = "too_long"
        elif field.kind == "choice" and value not in {c[0] for c in field.choices}:
            problems[field.name] = "not_a_choice"
        clean[field.name] = value
    if problems:
        raise InvalidAnswersError(fields=problems)
    return clean


def submit_petition(
    db: Session,
    *,
    citizen: Citizen,
    service: ServiceDefinition,
    consented_datasets: list[str],
    answers: dict[str, str],
    channel: str,
    idempotency_key: str | None = None,
    filed_by: Citizen | None = None,
    delegation_id: str | None = None,
) -> Petition:
    """Files a petition, or returns the one already filed with the same idempotency key.

    Consent must cover every item whose definition requires it (uploading a copy instead is
    the fallback a later release adds); the work to fetch and decide is queued as a job.

    Acting for someone: `citizen` is the person the petition is for (the grantor; evidence is
    fetched about them) and `filed_by` the signed-in grantee, who must hold an active
    delegation for this service, checked here whatever the caller checked before.
    """
    if filed_by is not None and filed_by.id == citizen.id:
        filed_by = None
    filer = filed_by or citizen
    if idempotency_key:
        # Keyed on the filer: the key belongs to the form they were shown. A key already used
        # by this filer for another person or service is a conflict, never someone's petition.
        existing = _by_idempotency_key(db, filer_id=filer.id, key=idempotency_key)
        if existing is not None:
            if existing.service_code != service.code or existing.citizen_id != citizen.id:
                raise IdempotencyConflictError()
            return existing
    if filed_by is not None:
        delegation = find_active_delegation(
            db,
            grantee_national_id=filed_by.national_id,
            grantor_id=citizen.id,  # type: ignore[arg-type]
            service_code=service.code,
        )
        if delegation is None or (delegation_id and delegation.id != delegation_id):
            raise NoActiveDelegationError()
        delegation_id = delegation.id
    else:
        delegation_id = None
    if channel not in service.channels:
        raise ChannelNotOfferedError(channel=channel)
    # The assurance that counts is that of the person signed in: the filer.
    if filer.ial < service.min_ial:
        raise AssuranceTooLowError(required=service.min_ial, current=filer.ial)
    clean_answers = validate_answers(service, answers)
    missing = [
        e.dataset
        for e in service.evidence
        if e.consent_required and e.dataset not in set(consented_datasets)
    ]
    if missing:
        raise ConsentRequiredError(datasets=missing)

    petition = Petition(
        citizen_id=citizen.id,  # type: ignore[arg-type]
        filed_by_id=filed_by.id if filed_by else None,
        delegation_id=delegation_id,
        service_code=service.code,
        service_version=service.version,
        state=PetitionState.SUBMITTED,
        channel=channel,
        answers=clean_answers,
        idempotency_key=idempotency_key,
    )
    db.add(petition)
    try:
        db.flush()
    except IntegrityError:
        # A concurrent request with the same key won the race: answer with its petition. (No
        # savepoint: on SQLite a savepoint outside a transaction commits when released.)
        db.rollback()
        existing = _by_idempotency_key(db, filer_id=filer.id, key=idempotency_key or "")
        if existing is None:
            raise
        if existing.service_code != service.code or existing.citizen_id != citizen.id:
            raise IdempotencyConflictError() from None
        return existing
    for item in service.evidence:
        if item.dataset not in consented_datasets:
            continue  # a public register needs no consent; none is recorded that was not given
        db.add(
            Consent(
                petition_id=petition.id,
                citizen_id=citizen.id,  # type: ignore[arg-type]
                dataset=item.dataset,
                fields=list(item.fields),
                purpose_en=item.purpose.en,
            )
        )
    actor = "delegate" if filed_by is not None else "citizen"
    db.add(PetitionEvent(petition_id=petition.id, to_state=petition.state, actor=actor))
    db.add(PetitionJob(petition_id=petition.id, kind="process"))
    db.flush()
    return petition


def change_state(
    db: Session, petition: Petition, to_state: PetitionState, *, actor: str, note: str = ""
) -> None:
    """The one place a petition's state changes, so every change is in its history."""
    db.add(
        PetitionEvent(
            petition_id=petition.id,
            from_state=petition.state,
            to_state=to_state,
            actor=actor,
            note=note,
        )
    )
    petition.state = to_state
    petition.updated_at = utcnow()
    db.add(petition)


def _by_idempotency_key(db: Session, *, filer_id: int | None, key: str) -> Petition | None:
    """The petition this filer already sent with this key: their own, or one for someone else."""
    return db.exec(
        select(Petition).where(
            Petition.idempotency_key == key,
            or_(
                and_(Petition.citizen_id == filer_id, col(Petition.filed_by_id).is_(None)),
                Petition.filed_by_id == filer_id,
            ),
        )
    ).first()
