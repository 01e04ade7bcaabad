"""Filing a petition: one transaction records it, the consents, its history and its job."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path

from sqlalchemy import and_, bindparam, or_
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from identity.citizen_ids import is_valid_citizen_id, is_valid_juristic_id
from identity.delegation.errors import NoActiveDelegationError
from identity.delegation.service import find_active_delegation
from identity.models import Citizen
from identity.sessions import get_citizen_by_national_id
from portal.db import utcnow
from services.agencies import get_agency
from services.audit.service import record_event
from services.catalogue.definitions import FormFieldSpec, ServiceDefinition
from services.petitions.deadlines import start_clock
from services.petitions.errors import (
    ApproverInvalidError,
    AssuranceTooLowError,
    ChannelNotOfferedError,
    ConsentRequiredError,
    IdempotencyConflictError,
    InvalidAnswersError,
    PersonNotYoursError,
    UploadRejectedError,
    UploadRequiredError,
)
from services.petitions.models import (
    FINAL_STATES,
    Consent,
    Petition,
    PetitionApproval,
    PetitionEvent,
    PetitionJob,
    PetitionState,
)
from services.petitions.notices import on_state_change
from services.petitions.uploads import ReceivedFile, attach_upload, check_upload

ANSWER_PROBLEMS: dict[str, tuple[str, str]] = {
    "required": ("กรุณากรอกข้อมูลนี้", "Please fill this in"),
    "too_long": ("ข้อความยาวเกินกำหนด", "This is too long"),
    "not_a_choice": ("กรุณาเลือกจากรายการ", "Please choose from the list"),
    "invalid_date": ("กรุณากรอกวันที่ให้ถูกต้อง (ปปปป-ดด-วว)", "Please enter a valid date (YYYY-MM-DD)"),
    "invalid_number": ("กรุณากรอกเป็นตัวเลข", "Please enter a number"),
    "too_small": ("ตัวเลขน้อยกว่าที่กำหนด", "The number is below the allowed range"),
    "too_big": ("ตัวเลขมากกว่าที่กำหนด", "The number is above the allowed range"),
    "invalid_citizen_id": (
        "เลขประจำตัวประชาชนไม่ถูกต้อง (13 หลัก ตรวจสอบหลักสุดท้ายไม่ผ่าน)",
        "This is not a valid 13-digit citizen ID (the check digit does not match)",
    ),
    "invalid_juristic_id": (
        "เลขทะเบียนนิติบุคคลไม่ถูกต้อง (13 หลัก)",
        "This is not a valid 13-digit juristic person ID",
    ),
    "invalid_phone": (
        "กรุณากรอกหมายเลขโทรศัพท์ 9–10 หลัก",
        "Please enter a 9 or 10-digit phone number",
    ),
    "invalid_email": ("กรุณากรอกอีเมลให้ถูกต้อง", "Please enter a valid email address"),
    "invalid_format": ("รูปแบบข้อมูลไม่ถูกต้อง", "This is not in the expected format"),
}
"""What went wrong with an answer, in Thai and English, by problem code."""

_PHONE = re.compile(r"^0\d{8,9}$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def _normalise(field: FormFieldSpec, value: str) -> str:
    if field.kind in ("citizen_id", "juristic_id", "phone"):
        return re.sub(r"[\s-]", "", value)
    return value


def _problem(field: FormFieldSpec, value: str) -> str | None:
    """The problem code of one non-empty answer, or None when it is acceptable."""
    if len(value) > field.max_length:
        return "too_long"
    kind = field.kind
    if kind == "choice":
        return None if value in {c[0] for c in field.choices} else "not_a_choice"
    if kind == "date":
        try:
            date.fromisoformat(value)
        except ValueError:
            return "invalid_date"
    elif kind == "number":
        try:
            number = Decimal(value)
        except InvalidOperation:
            return "invalid_number"
        if not number.is_finite():
            return "invalid_number"
        if field.minimum is not None and number < field.minimum:
            return "too_small"
        if field.maximum is not None and number > field.maximum:
            return "too_big"
    elif kind == "citizen_id" and not is_valid_citizen_id(value):
        return "invalid_citizen_id"
    elif kind == "juristic_id" and not is_valid_juristic_id(value):
        return "invalid_juristic_id"
    elif kind == "phone" and not _PHONE.match(value):
        return "invalid_phone"
    elif kind == "email" and not _EMAIL.match(value):
        return "invalid_email"
    if field.pattern is not None and re.fullmatch(field.pattern, value) is None:
        return "invalid_format"
    return None


def validate_answers(service: ServiceDefinition, answers: dict[str, str]) -> dict[str, str]:
    """Keeps only the form's fields and checks each by its kind (dates, numbers in range,
    mod-11 citizen IDs, phone numbers, patterns, allowed choices); InvalidAnswersError lists
    the problem code of each bad field (see ANSWER_PROBLEMS)."""
    clean: dict[str, str] = {}
    problems: dict[str, str] = {}
    for field in service.form:
        value = _normalise(field, str(answers.get(field.name, "")).strip())
        if not value:
            if field.required:
                problems[field.name] = "required"
            continue
        problem = _problem(field, value)
        if problem:
            problems[field.name] = problem
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
    uploads: Mapping[str, ReceivedFile] | None = None,
    upload_store: UploadStore | None = None,
    bundle: tuple[str, str] | None = None,
) -> Petition:
    """Files a petition, or returns the one already filed with the same idempotency key.

    Every evidence item needing consent is either consented to or, where the definition
    allows it, replaced by an uploaded copy (`uploads` keyed by "agency.dataset"); required
    uploads of the definition come keyed by their name. Files are checked by content and
    stored only once everything else is valid (and removed if the transaction rolls back).
    A service with a third-party approval waits for it; otherwise the work to fetch and
    decide is queued as a job. `bundle` is (bundle id, bundle code) for a bundle's parts.

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
    _check_people_named(db, service, clean_answers, subject=citizen)
    files = _checked_uploads(service, set(consented_datasets), uploads or {}, upload_store)
    approver = _approver(service, clean_answers, citizen)

    petition = Petition(
        citizen_id=citizen.id,  # type: ignore[arg-type]
        filed_by_id=filed_by.id if filed_by else None,
        delegation_id=delegation_id,
        service_code=service.code,
        service_version=service.version,
        channel=channel,
        answers=clean_answers,
        idempotency_key=idempotency_key,
        definition=service.model_dump(mode="json", by_alias=True),
        bundle_id=bundle[0] if bundle else None,
        bundle_code=bundle[1] if bundle else None,
        state=PetitionState.AWAITING_APPROVAL if approver else PetitionState.SUBMITTED,
    )
    start_clock(db, petition, service)  # before the insert: the due date goes in with the row
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
        if item.dataset not in consented_datasets or not item.consent_required:
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
    for item, (received, content_type) in files.items():
        assert upload_store is not None  # _checked_uploads refuses files without a store
        attach_upload(
            db,
            upload_store.data_dir,
            petition_id=petition.id,
            item=item,
            received=received,
            content_type=content_type,
        )
    actor = "delegate" if filed_by is not None else "citizen"
    db.add(PetitionEvent(petition_id=petition.id, to_state=petition.state, actor=actor))
    _record_state_change(db, petition, from_state=None, actor=actor, note="")
    if approver is not None and service.approval is not None:
        db.add(
            PetitionApproval(
                petition_id=petition.id,
                approver_national_id=approver,
                role_th=service.approval.role.th,
                role_en=service.approval.role.en,
            )
        )
    else:
        db.add(PetitionJob(petition_id=petition.id, kind="process"))
    db.flush()
    return petition


@dataclass(frozen=True)
class UploadStore:
    """Where uploaded copies go and how large one may be."""

    data_dir: Path
    limit_bytes: int


def _checked_uploads(
    service: ServiceDefinition,
    consented: set[str],
    uploads: Mapping[str, ReceivedFile],
    store: UploadStore | None,
) -> dict[str, tuple[ReceivedFile, str]]:
    """The files to keep, by item, with their sniffed types; refuses what is missing or bad.

    A copy is kept only where it replaces a declined fetch or answers an upload the definition
    asks for: anything else sent along is ignored, never stored.
    """
    wanted: dict[str, ReceivedFile] = {}
    needs_consent: list[str] = []
    needs_upload: list[str] = []
    for item in service.evidence:
        if not item.consent_required or item.dataset in consented:
            continue
        if item.upload_instead is not None and item.dataset in uploads:
            wanted[item.dataset] = uploads[item.dataset]
        elif item.upload_instead is not None:
            needs_upload.append(item.dataset)
        else:
            needs_consent.append(item.dataset)
    if needs_consent:
        raise ConsentRequiredError(datasets=needs_consent)
    for spec in service.uploads:
        if spec.name in uploads:
            wanted[spec.name] = uploads[spec.name]
        elif spec.required:
            needs_upload.append(spec.name)
    if needs_upload:
        raise UploadRequiredError(items=needs_upload)
    if wanted and store is None:
        raise UploadRejectedError(item=next(iter(wanted)), reason="channel")
    limit = store.limit_bytes if store else 0
    return {item: (f, check_upload(item, f, limit=limit)) for item, f in wanted.items()}


def _check_people_named(
    db: Session, service: ServiceDefinition, answers: dict[str, str], *, subject: Citizen
) -> None:
    """Another person whose records the petition reads (a child, for the child allowance)
    must be someone the petition's subject may act for: a child the population register shows
    as theirs (a derived delegation) or someone who gave them a delegation for this service.
    Otherwise anyone could read a stranger's records by typing a citizen ID."""
    for item in service.evidence:
        if not item.subject.startswith("form:"):
            continue
        agency = get_agency(item.agency)
        contract = agency.dataset(item.dataset_name) if agency else None
        if contract is None or contract.subject_kind != "citizen_id":
            continue  # a deed or a company, not a person
        named = answers.get(item.subject.removeprefix("form:"), "")
        if named == subject.national_id:
            continue
        person = get_citizen_by_national_id(db, national_id=named)
        delegation = (
            find_active_delegation(
                db,
                grantee_national_id=subject.national_id,
                grantor_id=person.id,  # type: ignore[arg-type]
                service_code=service.code,
            )
            if person is not None
            else None
        )
        if delegation is None:
            raise PersonNotYoursError(field=item.subject.removeprefix("form:"))


def _approver(service: ServiceDefinition, answers: dict[str, str], citizen: Citizen) -> str | None:
    """The citizen ID of whoever must approve, or None when nobody else need (the petitioner
    is the house owner themselves)."""
    if service.approval is None:
        return None
    approver = answers.get(service.approval.citizen_field, "")
    if not is_valid_citizen_id(approver):
        raise ApproverInvalidError()
    return None if approver == citizen.national_id else approver


def change_state(
    db: Session, petition: Petition, to_state: PetitionState, *, actor: str, note: str = ""
) -> None:
    """The one place a petition's state changes, so every change is in its history."""
    from_state = petition.state
    db.add(
        PetitionEvent(
            petition_id=petition.id,
            from_state=from_state,
            to_state=to_state,
            actor=actor,
            note=note,
        )
    )
    petition.state = to_state
    petition.updated_at = utcnow()
    db.add(petition)
    _record_state_change(db, petition, from_state=from_state, actor=actor, note=note)
    if to_state in FINAL_STATES and petition.bundle_id:
        # Parts of the same bundle may be waiting for this one (see processing).
        waiting = db.exec(
            select(Petition.id).where(
                Petition.bundle_id == petition.bundle_id,
                Petition.id != petition.id,
                Petition.state == PetitionState.EVIDENCE_PENDING,
            )
        ).all()
        for petition_id in waiting:
            db.add(PetitionJob(petition_id=petition_id, kind="process"))


def _record_state_change(
    db: Session, petition: Petition, *, from_state: str | None, actor: str, note: str
) -> None:
    """Every state change goes into the audit chain and tells the citizen what it means."""
    record_event(
        db,
        actor=actor,
        action="petition.state",
        object_type="petition",
        object_id=petition.id,
        details={"from": from_state, "to": str(petition.state), "note": note[:500]},
    )
    on_state_change(db, petition, from_state=from_state, to_state=petition.state, note=note)


def _by_idempotency_key(db: Session, *, filer_id: int | None, key: str) -> Petition | None:
    """The petition this filer already sent with this key: their own, or one for someone else."""
    return db.exec(_BY_IDEMPOTENCY_KEY, params={"key": key, "filer_id": filer_id}).first()


_BY_IDEMPOTENCY_KEY = select(Petition).where(
    Petition.idempotency_key == bindparam("key"),
    or_(
        and_(Petition.citizen_id == bindparam("filer_id"), col(Petition.filed_by_id).is_(None)),
        Petition.filed_by_id == bindparam("filer_id"),
    ),
)
