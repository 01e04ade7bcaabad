"""Reissuing a document after a correction (a name change in the register, a moved address).

1. The citizen (or an operator, `portal documents reissue`) asks; `request_reissue` writes a
   `PetitionJob` of kind `reissue:<number>` for the document's original petition, in the
   request's transaction. A reissue already pending for that number is returned instead, so
   two clicks make one job.
2. A worker runs it (`run_reissue`, never the web request): it re-reads the evidence through
   the exchange exactly as the original petition did (same datasets, consented fields, purpose;
   logged to "Who used my data") and commits those reads.
3. In a second transaction it issues a new document (`replaces` = old number, no petition of
   its own: `petition_id` is unique to the first document), marks the old one superseded by
   a conditional UPDATE, posts a mailbox message and records an audit event. If the old
   document was superseded or revoked meanwhile, the new one is rolled back with its PDF.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import bindparam
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from documents.models import Document
from documents.service import get_document_by_number, supersede_document
from documents.wallet import get_citizen_document, origin_petition_id
from documents.wallet_errors import (
    DocumentNotFoundError,
    DocumentRevokedError,
    DocumentSupersededError,
    NotReissuableError,
)
from identity.models import Citizen
from portal.db import session_scope
from services.audit.service import record_event
from services.exchange.errors import (
    ContractViolationError,
    RegistryUnavailableError,
    SubjectNotFoundError,
)
from services.mailbox.models import MessageKind
from services.mailbox.service import post_to_mailbox
from services.payments.service import require_released
from services.petitions.models import JobState, Petition, PetitionJob
from services.petitions.processing import (
    DONE,
    Outcome,
    ProcessingContext,
    ProcessingResult,
    _evidence_request,
    _issue_certificate,
    definition_of,
)

KIND_PREFIX = "reissue:"
_OPEN_STATES = (JobState.PENDING, JobState.RUNNING)


class _SupersededMeanwhile(Exception):
    """Raised inside the issuing transaction to roll back a reissue that lost a race."""


@dataclass(frozen=True)
class ReissueRequest:
    job: PetitionJob
    created: bool  # False: a reissue of this document was already pending


def reissue_kind(number: str) -> str:
    return f"{KIND_PREFIX}{number}"


def latest_reissue_job(db: Session, *, document: Document) -> PetitionJob | None:
    """The most recent reissue job for this document, whatever its state.

    Looked up through the petition (an indexed column) rather than by `kind` alone, which has
    no index: the document page asks on every view.
    """
    petition_id = origin_petition_id(db, document)
    if petition_id is None:
        return None
    params = {"petition_id": petition_id, "kind": reissue_kind(document.number)}
    return db.exec(_LATEST_JOB_OF_KIND, params=params).first()


_LATEST_JOB_OF_KIND = (
    select(PetitionJob)
    .where(
        PetitionJob.petition_id == bindparam("petition_id"),
        PetitionJob.kind == bindparam("kind"),
    )
    .order_by(col(PetitionJob.id).desc())
)


def request_reissue(
    db: Session, *, number: str, citizen_id: int | None, actor: str
) -> ReissueRequest:
    """Queues a reissue of the document, or returns the one already pending.

    `citizen_id` scopes the lookup to the owner (None: an operator on the command line).
    Delegations cover filing petitions, not documents, so only the owner may ask.

    Raises:
        DocumentNotFoundError (also for someone else's), DocumentRevokedError,
        DocumentSupersededError, NotReissuableError, FeeDueError (a citizen's document whose
        fee is unpaid: pay first; a reissue follows the first document's payment).
    """
    if citizen_id is None:
        document = get_document_by_number(db, number)
    else:
        document = get_citizen_document(db, citizen_id=citizen_id, number=number)
    if document is None:
        raise DocumentNotFoundError()
    pending = latest_reissue_job(db, document=document)
    if pending is not None and pending.state in _OPEN_STATES:
        return ReissueRequest(job=pending, created=False)
    _check_reissuable(document)
    if citizen_id is not None:
        require_released(db, document=document)
    petition_id = origin_petition_id(db, document)
    petition = db.get(Petition, petition_id) if petition_id else None
    if petition is None or definition_of(petition).certificate is None:
        raise NotReissuableError()
    job = PetitionJob(petition_id=petition.id, kind=reissue_kind(number))
    db.add(job)
    db.flush()
    record_event(
        db,
        actor=actor,
        action="document.reissue_requested",
        object_type="document",
        object_id=number,
        details={"job_id": job.id, "petition_id": petition.id},
    )
    return ReissueRequest(job=job, created=True)


def _check_reissuable(document: Document) -> None:
    if document.status == "revoked":
        raise DocumentRevokedError(
            "A revoked document cannot be reissued; please file a new petition",
            "เอกสารที่ถูกเพิกถอนแล้วออกใหม่ไม่ได้ กรุณายื่นคำขอใหม่",
        )
    if document.status == "superseded":
        raise DocumentSupersededError(
            f"This document was already replaced by {document.superseded_by}",
            f"เอกสารนี้ถูกแทนที่ด้วยเลขที่ {document.superseded_by} แล้ว",
        )


def run_reissue(engine: Engine, number: str, ctx: ProcessingContext) -> ProcessingResult:
    """The worker's side (see the module doc); safe to repeat: a done reissue is a no-op."""
    with session_scope(engine) as db:
        document = get_document_by_number(db, number)
        if document is None or document.status != "valid":
            return ProcessingResult(Outcome.DONE, "nothing to reissue")
        petition = db.get(Petition, origin_petition_id(db, document))
        if petition is None:
            return ProcessingResult(Outcome.DONE, "no petition behind the document")
        try:
            evidence = _reread_evidence(db, petition, ctx)
        except RegistryUnavailableError as exc:
            return ProcessingResult(Outcome.RETRY, str(exc))
        except (SubjectNotFoundError, ContractViolationError, _NotConfirmedError) as exc:
            _tell_failed(db, document, ctx, reason=str(exc))
            return ProcessingResult(Outcome.DONE, f"reissue refused: {exc}"[:500])
    # The reads and their access-log rows are committed; now render, seal and supersede.
    try:
        with session_scope(engine) as db:
            old = get_document_by_number(db, number)
            petition = db.get(Petition, petition.id)
            if old is None or old.status != "valid" or petition is None:
                return ProcessingResult(Outcome.DONE, "superseded or revoked meanwhile")
            new = _issue_certificate(
                db, petition, definition_of(petition), ctx, evidence=evidence, replaces=number
            )
            if not supersede_document(db, old=old, new_number=new.number):
                raise _SupersededMeanwhile()
            _tell_reissued(db, old, new, ctx)
            record_event(
                db,
                actor="system",
                action="document.reissued",
                object_type="document",
                object_id=number,
                details={"new_number": new.number, "petition_id": petition.id},
            )
    except _SupersededMeanwhile:
        return ProcessingResult(Outcome.DONE, "superseded meanwhile by another reissue")
    return DONE


class _NotConfirmedError(Exception):
    """A match-only check the petition passed is no longer confirmed by the register."""


def _reread_evidence(db: Session, petition: Petition, ctx: ProcessingContext) -> dict[str, Any]:
    """Reads again every dataset the petition read, with its consented fields and purpose.

    Items the citizen uploaded instead are kept as they were: there is no register to ask.
    """
    service = definition_of(petition)
    citizen = db.get(Citizen, petition.citizen_id)
    assert citizen is not None  # the foreign key guarantees it
    evidence = dict(petition.evidence)
    for item in service.evidence:
        if item.dataset not in petition.evidence:
            continue
        request = _evidence_request(db, petition, citizen, service, item)
        if item.mode == "match":
            if not ctx.exchange.match(db, request):
                raise _NotConfirmedError(f"{item.dataset} no longer confirmed")
            evidence[item.dataset] = {"match": True}
        else:
            evidence[item.dataset] = ctx.exchange.fetch(db, request)
    return evidence


def _tell_reissued(db: Session, old: Document, new: Document, ctx: ProcessingContext) -> None:
    post_to_mailbox(
        db,
        citizen_id=new.citizen_id,
        kind=MessageKind.DOCUMENT,
        subject_th=f"ออกเอกสารใหม่แล้ว: {new.title_th}",
        subject_en=f"Your document was reissued: {new.title_en}",
        body_th=(
            f"เอกสารเลขที่ {new.number} ออกใหม่ด้วยข้อมูลปัจจุบันในทะเบียน แทนเอกสารเลขที่ "
            f"{old.number} ซึ่งจะแสดงสถานะ “ถูกแทนที่” เมื่อตรวจสอบ\n"
            f"ดาวน์โหลดได้ที่ /documents/{new.number}"
        ),
        body_en=(
            f"Document {new.number} was issued with the register's current data. It replaces "
            f"{old.number}, which now verifies as superseded.\n"
            f"Download it at /documents/{new.number}"
        ),
        petition_id=new.petition_id,
        document_number=new.number,
        base_url=ctx.base_url,
    )


def _tell_failed(db: Session, old: Document, ctx: ProcessingContext, *, reason: str) -> None:
    post_to_mailbox(
        db,
        citizen_id=old.citizen_id,
        kind=MessageKind.NOTICE,
        subject_th=f"ออกเอกสารใหม่ไม่ได้: {old.title_th}",
        subject_en=f"Your document could not be reissued: {old.title_en}",
        body_th=(
            f"ทะเบียนของหน่วยงานไม่ยืนยันข้อมูลที่ใช้ออกเอกสารเลขที่ {old.number} "
            "เอกสารเดิมยังใช้ได้ กรุณาติดต่อสำนักทะเบียน"
        ),
        body_en=(
            f"The agency's register no longer confirms the data document {old.number} was "
            "issued on. The document you have stays valid; please contact your registration "
            f"office. ({reason[:200]})"
        ),
        document_number=old.number,
        base_url=ctx.base_url,
    )
