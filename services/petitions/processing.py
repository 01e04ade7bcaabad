"""Carrying a petition forward: fetch evidence, decide automatic services, issue the certificate.

`advance_petition` takes one step and the worker commits after each. So the message log and the
citizen's access log of a registry read are durable even if a later step fails; no write lock
is held across a registry call or a PDF render (SQLite has one writer); and a worker that dies
resumes at the step it was on. Each step is safe to repeat: evidence already fetched is not
fetched again, and a document is issued at most once per petition.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

from sqlalchemy import bindparam
from sqlmodel import Session, col, select

from documents.models import Document
from documents.render import IssuedBy
from documents.service import issue_document, mask_name
from identity.models import Citizen
from identity.officers.models import Officer
from identity.sessions import get_citizen_by_national_id
from portal.db import utcnow
from services.agencies import CERTIFICATE_CONTEXTS, get_agency
from services.catalogue.definitions import EvidenceSpec, ServiceDefinition
from services.catalogue.service import get_catalogue
from services.exchange.client import EvidenceRequest, Exchange
from services.exchange.errors import (
    ContractViolationError,
    RegistryUnavailableError,
    SubjectNotFoundError,
)
from services.notifications.providers import NotificationProviders
from services.payments.service import create_or_get_payment_for_document
from services.petitions.casework_models import DecisionKind, PetitionDecision
from services.petitions.errors import CertificateDataError
from services.petitions.models import (
    FINAL_STATES,
    Consent,
    EvidenceUpload,
    Petition,
    PetitionState,
)
from services.petitions.service import change_state
from services.petitions.snapshots import snapshot_definition


class Outcome(StrEnum):
    CONTINUE = "continue"  # a step was taken: commit, then call again
    DONE = "done"  # nothing more for a worker to do now
    RETRY = "retry"  # a registry was unavailable: run again later


@dataclass(frozen=True)
class ProcessingContext:
    """What processing needs from outside the database."""

    exchange: Exchange
    data_dir: Path
    base_url: str
    # Where queued e-mails and SMS go (services.notifications.delivery); None: files under
    # data_dir/outbox.
    notifications: NotificationProviders | None = None
    # How long a worker holds a claimed job before another may take it over (settings).
    job_lease_seconds: float = 300.0


@dataclass(frozen=True)
class ProcessingResult:
    outcome: Outcome
    reason: str = ""


CONTINUE = ProcessingResult(Outcome.CONTINUE)
DONE = ProcessingResult(Outcome.DONE)

_AUTO_APPROVED = ("อนุมัติโดยระบบอัตโนมัติ", "Approved automatically")
_NO_RECORD = (
    "ไม่พบข้อมูลของท่านในทะเบียนของหน่วยงาน กรุณาติดต่อสำนักทะเบียน",
    "The agency's register holds no record for you; please contact your registration office",
)


def advance_petition(db: Session, *, petition_id: str, ctx: ProcessingContext) -> ProcessingResult:
    """Takes the next step a petition can take without a person (see the module doc)."""
    petition = db.get(Petition, petition_id)
    if petition is None or petition.state in FINAL_STATES:
        return DONE
    service = definition_of(petition)

    if petition.state == PetitionState.SUBMITTED:
        change_state(db, petition, PetitionState.EVIDENCE_PENDING, actor="system")
        return CONTINUE
    if petition.state == PetitionState.EVIDENCE_PENDING:
        uploaded = uploaded_items(db, petition.id)
        missing = [e for e in service.evidence if e.dataset not in {*petition.evidence, *uploaded}]
        if missing:
            producer = _sibling_producing(db, petition, missing[0].dataset)
            if producer is not None and producer.state not in FINAL_STATES:
                # A bundle part reads what another part changes (the new address after the
                # move-in): it waits; the producer's final state wakes it (change_state).
                return ProcessingResult(Outcome.DONE, f"waiting for {producer.service_code}")
            if producer is not None and producer.state != PetitionState.ISSUED:
                _decide(db, petition, PetitionState.REJECTED, reason=_producer_failed(producer))
                return DONE
            return _obtain_evidence(db, petition, service, missing[0], ctx)
        if service.decision == "automatic" and not uploaded:
            _decide(db, petition, PetitionState.APPROVED, reason=_AUTO_APPROVED)
            return CONTINUE
        # An officer decides: the service says so, or a copy was uploaded that someone must read.
        change_state(db, petition, PetitionState.IN_REVIEW, actor="system")
        return DONE
    if petition.state == PetitionState.APPROVED:
        if service.outcome == "certificate" and service.certificate is not None:
            _lock_for_issuing(db, petition)
            if petition.state != PetitionState.APPROVED:
                return CONTINUE  # issued by a worker we waited for
            try:
                _issue_certificate(db, petition, service, ctx)
            except CertificateDataError as exc:
                # Retrying cannot help (the register holds what it holds): an officer decides.
                note = f"The register's data cannot make this certificate: {exc}"
                send_to_review(db, petition_id=petition.id, note=note)
                return ProcessingResult(Outcome.DONE, note)
        change_state(db, petition, PetitionState.ISSUED, actor="system")
        return DONE
    return DONE  # in review, or waiting for the citizen or an approver: a person acts next


def definition_of(petition: Petition) -> ServiceDefinition:
    """The definition the petition was filed under (its snapshot), not today's."""
    if not petition.definition:
        return get_catalogue().get(petition.service_code)  # filed before snapshots were kept
    return snapshot_definition(petition)


def uploaded_items(db: Session, petition_id: str) -> dict[str, EvidenceUpload]:
    """The petition's uploaded files by item ("agency.dataset" declined, or an upload name)."""
    rows = db.exec(_UPLOADS_OF_PETITION, params={"petition_id": petition_id})
    return {u.item: u for u in rows}


_UPLOADS_OF_PETITION = select(EvidenceUpload).where(
    EvidenceUpload.petition_id == bindparam("petition_id")
)


def send_to_review(db: Session, *, petition_id: str, note: str) -> None:
    """Hands a petition that processing cannot carry further to an officer, saying why."""
    petition = db.get(Petition, petition_id)
    if petition is not None and petition.state not in FINAL_STATES | {PetitionState.IN_REVIEW}:
        change_state(db, petition, PetitionState.IN_REVIEW, actor="system", note=note[:500])


def _obtain_evidence(
    db: Session,
    petition: Petition,
    service: ServiceDefinition,
    item: EvidenceSpec,
    ctx: ProcessingContext,
) -> ProcessingResult:
    """Fetches one item's fields, or asks its yes/no match question."""
    citizen = db.get(Citizen, petition.citizen_id)
    assert citizen is not None  # the foreign key guarantees it
    try:
        request = _evidence_request(db, petition, citizen, service, item)
        if item.mode == "match":
            if not ctx.exchange.match(db, request):
                _decide(db, petition, PetitionState.REJECTED, reason=_not_confirmed(item))
                return DONE
            fields: dict[str, object] = {"match": True}
        else:
            fields = ctx.exchange.fetch(db, request)
    except RegistryUnavailableError as exc:
        return ProcessingResult(Outcome.RETRY, str(exc))
    except SubjectNotFoundError:
        _decide(db, petition, PetitionState.REJECTED, reason=_NO_RECORD)
        return DONE
    except ContractViolationError as exc:
        change_state(db, petition, PetitionState.IN_REVIEW, actor="system", note=str(exc)[:500])
        return ProcessingResult(Outcome.DONE, str(exc))
    # Reassigned, not mutated: JSON columns only notice a new value.
    petition.evidence = {**petition.evidence, item.dataset: fields}
    db.add(petition)
    return CONTINUE


def _decide(
    db: Session, petition: Petition, state: PetitionState, *, reason: tuple[str, str]
) -> None:
    petition.decision_reason_th, petition.decision_reason_en = reason
    petition.decided_at = utcnow()
    change_state(db, petition, state, actor="system", note=reason[1])


def _evidence_request(
    db: Session,
    petition: Petition,
    citizen: Citizen,
    service: ServiceDefinition,
    item: EvidenceSpec,
) -> EvidenceRequest:
    agency = get_agency(item.agency)
    contract = agency.dataset(item.dataset_name) if agency else None
    if contract is None:
        raise ContractViolationError(f"unknown dataset {item.dataset}")
    consent = db.exec(
        select(Consent).where(Consent.petition_id == petition.id, Consent.dataset == item.dataset)
    ).first()
    if consent is None and item.consent_required:
        raise ContractViolationError(f"no consent recorded for {item.dataset}")
    subject = _resolve(item.subject, petition, citizen)
    return EvidenceRequest(
        dataset=contract,
        # What the citizen agreed to, even if the definition has changed since.
        fields=tuple(consent.fields) if consent else item.asked_fields,
        subject=subject,
        subject_citizen_id=_reader_log_owner(db, contract.subject_kind, subject, citizen),
        match={k: _resolve(v, petition, citizen) for k, v in item.match.items()} or None,
        purpose_th=item.purpose.th,
        purpose_en=item.purpose.en,
        petition_id=petition.id,
        consent_id=consent.id if consent else None,
        accessed_by=service.code,
        acting_user=f"citizen:{petition.filed_by_id or petition.citizen_id}",
    )


def holder_of(citizen: Citizen) -> dict[str, str]:
    """The petition's subject as the digital ID names them, for certificate contexts."""
    return {
        "national_id": citizen.national_id,
        "title_th": citizen.title_th,
        "given_name_th": citizen.given_name_th,
        "family_name_th": citizen.family_name_th,
        "title_en": citizen.title_en,
        "given_name_en": citizen.given_name_en,
        "family_name_en": citizen.family_name_en,
    }


def _sibling_producing(db: Session, petition: Petition, dataset: str) -> Petition | None:
    """The other part of the petition's bundle whose service produces `dataset`, if any."""
    if not petition.bundle_id:
        return None
    siblings = db.exec(
        select(Petition).where(Petition.bundle_id == petition.bundle_id, Petition.id != petition.id)
    ).all()
    return next((p for p in siblings if dataset in definition_of(p).produces), None)


def _producer_failed(producer: Petition) -> tuple[str, str]:
    name = definition_of(producer).name
    return (
        f"คำขอนี้ยื่นพร้อมกับ “{name.th}” ซึ่งไม่ได้รับอนุมัติ จึงดำเนินการต่อไม่ได้",
        f"This petition was filed together with “{name.en}”, which was not granted, so it "
        "cannot go on",
    )


def _resolve(ref: str, petition: Petition, citizen: Citizen) -> str:
    """`petitioner` is the petition's subject's citizen ID; `form:<name>` an answer."""
    if ref == "petitioner":
        return citizen.national_id
    return str(petition.answers.get(ref.removeprefix("form:"), ""))


def _reader_log_owner(db: Session, kind: str, subject: str, citizen: Citizen) -> int:
    """Whose "Who used my data" a read goes into: the person the record is about.

    Reading another person's record (a child's, for a child allowance) is logged to them. Filing
    admits only people the petitioner may act for, who already have a row (a delegation names
    its grantor's row); should one be missing all the same, a row is made rather than logging
    the read to the wrong person. A record not about a person (a title deed, a company) is
    logged to the petitioner who asked.
    """
    if kind != "citizen_id" or subject == citizen.national_id:
        return citizen.id  # type: ignore[return-value]
    person = get_citizen_by_national_id(db, national_id=subject)
    if person is None:
        person = Citizen(national_id=subject, subject="", issuer="")
        db.add(person)
        db.flush()
    return person.id  # type: ignore[return-value]


def _not_confirmed(item: EvidenceSpec) -> tuple[str, str]:
    return (
        f"ทะเบียนของหน่วยงานไม่ยืนยันข้อมูลที่ระบุ ({item.dataset}) กรุณาตรวจสอบข้อมูลที่กรอก",
        f"The agency's register does not confirm what the petition states ({item.dataset}); "
        "please check what you entered",
    )


def _approving_officer(db: Session, petition: Petition) -> IssuedBy | None:
    """The officer whose approval the document is issued on (the last one), or None when the
    petition was decided automatically; printed on the certificate in place of "issued
    automatically"."""
    decision = db.exec(
        select(PetitionDecision)
        .where(
            PetitionDecision.petition_id == petition.id,
            PetitionDecision.kind == DecisionKind.APPROVE,
        )
        .order_by(col(PetitionDecision.at).desc(), col(PetitionDecision.id).desc())
    ).first()
    if decision is None:
        return None
    officer = db.get(Officer, decision.officer_id)
    if officer is None:
        return None
    return IssuedBy(
        name_th=officer.name_th or officer.name_en,
        name_en=officer.name_en or officer.name_th,
        position_th="เจ้าหน้าที่ผู้อนุมัติ",
        position_en="Approving officer",
    )


def _lock_for_issuing(db: Session, petition: Petition) -> None:
    """Takes the petition's row lock (PostgreSQL) until the step commits, re-reading it.

    Two workers issue for one petition only if one outlived its job lease; the second then
    waits here for the first to commit (it finds the document) or to die (its connection
    drops, and the files it left are removed by documents.service). SQLite has no row locks
    and serialises writers later, at the document's INSERT.
    """
    db.refresh(petition, with_for_update=True)


def _issue_certificate(
    db: Session,
    petition: Petition,
    service: ServiceDefinition,
    ctx: ProcessingContext,
    *,
    evidence: dict[str, Any] | None = None,
    replaces: str | None = None,
) -> Document:
    """Issues the petition's certificate from its evidence.

    A reissue (`replaces` set, services.petitions.reissue) passes freshly read `evidence`; its
    document has no petition of its own (the first document keeps the unique `petition_id`).
    """
    _lock_for_issuing(db, petition)
    certificate = service.certificate
    agency = get_agency(service.agency)
    citizen = db.get(Citizen, petition.citizen_id)
    assert certificate is not None and agency is not None and citizen is not None
    try:
        context = CERTIFICATE_CONTEXTS[certificate.template](
            evidence=petition.evidence if evidence is None else evidence,
            holder=holder_of(citizen),
            answers=petition.answers,
        )
    except ValueError as exc:  # the contexts' contract: the register cannot vouch for this
        raise CertificateDataError(str(exc)) from exc
    context.setdefault("holder", holder_of(citizen))
    context["agency"] = agency.letterhead()
    holder = context["holder"]
    document = issue_document(
        db,
        data_dir=ctx.data_dir,
        base_url=ctx.base_url,
        citizen_id=citizen.id,  # type: ignore[arg-type]
        petition_id=petition.id if replaces is None else None,
        agency_code=agency.code,
        agency_name_th=agency.name_th,
        agency_name_en=agency.name_en,
        template=certificate.template,
        title_th=certificate.title.th,
        title_en=certificate.title.en,
        context=context,
        holder_display_th=mask_name(
            holder["given_name_th"], holder["family_name_th"], holder["title_th"]
        ),
        holder_display_en=mask_name(
            holder["given_name_en"], holder["family_name_en"], holder["title_en"]
        ),
        valid_days=certificate.valid_days,
        thai_digits=certificate.thai_digits,
        # A reissue is the system's, on the register's current data, not an officer's decision.
        issued_by=_approving_officer(db, petition) if replaces is None else None,
        replaces=replaces,
    )
    if replaces is None:
        petition.document_number = document.number
        db.add(petition)
        # A fee is due on the document (or waived) from the moment it exists: same transaction.
        create_or_get_payment_for_document(db, document=document, channel=petition.channel)
    return document
