"""Officers' decisions: approve (one or two officers), reject with how to appeal, bulk approve,
and transfer to another office.

1. Every action loads the petition through `get_officer_petition` (404 unknown, 403 another
   agency's) and, except bulk approve, checks that the officer holds its claim (409).
2. States change only through `change_state` (history, audit chain, the citizen's mailbox);
   every decision is also a `PetitionDecision` row and an audit event of its own.
3. An approval queues a `process` job: the worker issues the certificate.
4. Two-officer services: the first approval is recorded and the claim released so that a
   colleague can claim it; the second must come from a different officer.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import bindparam, or_, update
from sqlmodel import Session, col, select

from identity.officers.authz import has_role, require_role
from identity.officers.models import Office, Officer, OfficerRole
from portal.db import utcnow
from services.audit.service import record_event
from services.petitions.casework_models import DecisionKind, PetitionDecision, PetitionNote
from services.petitions.claims import clear_claim, require_claim
from services.petitions.errors import (
    PetitionNotInReviewError,
    ReasonRequiredError,
    SecondApprovalSameOfficerError,
    UnknownOfficeError,
)
from services.petitions.models import Petition, PetitionJob, PetitionState
from services.petitions.processing import definition_of
from services.petitions.queries import get_officer_petition
from services.petitions.service import change_state

REASON_MIN_LENGTH = 10
REASON_MAX_LENGTH = 2000

APPROVED_BY_OFFICER = ("อนุมัติโดยเจ้าหน้าที่", "Approved by an officer")
APPROVED_BY_TWO_OFFICERS = ("อนุมัติโดยเจ้าหน้าที่สองคน", "Approved by two officers")

# Administrative Procedure Act B.E. 2539 (1996), section 44: an administrative order may be
# appealed to the official who made it, within 15 days of being notified of it.
APPEAL_TH = (
    "หากท่านไม่เห็นด้วยกับคำสั่งนี้ ท่านมีสิทธิอุทธรณ์โดยยื่นต่อเจ้าหน้าที่ผู้ทำคำสั่ง "
    "ภายใน 15 วันนับแต่วันที่ท่านได้รับแจ้งคำสั่ง ทางข้อความในคำขอนี้หรือเป็นหนังสือถึงหน่วยงาน "
    "(พระราชบัญญัติวิธีปฏิบัติราชการทางปกครอง พ.ศ. 2539 มาตรา 44)"
)
APPEAL_EN = (
    "If you disagree with this decision, you may appeal to the official who made it within "
    "15 days of being notified of it, by a message on this petition or in writing to the "
    "agency (Administrative Procedure Act B.E. 2539, section 44)."
)


def actor_of(officer: Officer) -> str:
    return f"officer:{officer.id}"


def load_for_action(db: Session, officer: Officer, petition_id: str) -> Petition:
    """The petition an officer acts on: visible to them (404/403) and held by them (409).

    `require_claim` also keeps the claim alive (it touches it)."""
    petition = get_officer_petition(db, officer, petition_id)
    require_claim(db, officer, petition)
    return petition


def _require_in_review(petition: Petition) -> None:
    if petition.state != PetitionState.IN_REVIEW:
        raise PetitionNotInReviewError(state=str(petition.state))


def still_held_in(
    db: Session,
    petition: Petition,
    officer: Officer,
    states: tuple[PetitionState, ...] = (PetitionState.IN_REVIEW,),
    *,
    unheld_ok: bool = False,
) -> bool:
    """Re-checks in one conditional UPDATE that the petition is still in `states` and held by
    this officer (or by nobody, with `unheld_ok`), which also locks its row until commit.

    The checks before it read a snapshot: of two decisions sent at once (a double click, two
    tabs, a bulk approval while a colleague claims) exactly one passes here, the other waits
    for the first to commit and then finds the petition changed.
    """
    held = Petition.assigned_officer_id == officer.id
    if unheld_ok:
        held = or_(held, col(Petition.assigned_officer_id).is_(None))
    db.flush()
    result = db.execute(
        update(Petition)
        .where(col(Petition.id) == petition.id, col(Petition.state).in_(states), held)
        .values(updated_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    if result.rowcount == 1:  # type: ignore[attr-defined]
        return True
    db.refresh(petition)
    return False


def require_still_held_in(
    db: Session,
    petition: Petition,
    officer: Officer,
    states: tuple[PetitionState, ...] = (PetitionState.IN_REVIEW,),
) -> None:
    """`still_held_in`, or 409 when another decision got there first."""
    if not still_held_in(db, petition, officer, states):
        raise PetitionNotInReviewError(state=str(petition.state))


_LATEST_DECISION = (
    select(PetitionDecision)
    .where(PetitionDecision.petition_id == bindparam("petition_id"))
    .order_by(col(PetitionDecision.id).desc())
    .limit(1)
)
_DECISIONS = (
    select(PetitionDecision)
    .where(PetitionDecision.petition_id == bindparam("petition_id"))
    .order_by(col(PetitionDecision.id))
)


def pending_first_approval(db: Session, petition_id: str) -> PetitionDecision | None:
    """The first approval of a two-officer petition still waiting for its second, if any."""
    latest = db.exec(_LATEST_DECISION, params={"petition_id": petition_id}).first()
    return first_approval_waiting([latest] if latest is not None else [])


def first_approval_waiting(decisions: list[PetitionDecision]) -> PetitionDecision | None:
    """`pending_first_approval` from the petition's decisions in order (`list_decisions`)."""
    if decisions and decisions[-1].kind == DecisionKind.FIRST_APPROVAL:
        return decisions[-1]
    return None


def list_decisions(db: Session, petition_id: str) -> list[PetitionDecision]:
    return list(db.exec(_DECISIONS, params={"petition_id": petition_id}))


def _approve(
    db: Session, petition: Petition, officer: Officer, *, reason: tuple[str, str], note: str
) -> None:
    petition.decision_reason_th, petition.decision_reason_en = reason
    petition.decided_at = utcnow()
    db.add(
        PetitionDecision(
            petition_id=petition.id,
            officer_id=officer.id,  # type: ignore[arg-type]
            kind=DecisionKind.APPROVE,
            reason=note,
        )
    )
    change_state(db, petition, PetitionState.APPROVED, actor=actor_of(officer), note=note)
    db.add(PetitionJob(petition_id=petition.id, kind="process"))


def approve_petition(db: Session, *, officer: Officer, petition_id: str, note: str = "") -> str:
    """Approves a petition in review; returns "approved" or "first_approval".

    A two-officer service needs a second approval by a different officer: the first is
    recorded, the petition stays in review and its claim is released for a colleague.
    """
    petition = load_for_action(db, officer, petition_id)
    _require_in_review(petition)
    require_still_held_in(db, petition, officer)
    note = note.strip()[:REASON_MAX_LENGTH]
    decision = definition_of(petition).decision
    if decision == "two_officers":
        first = pending_first_approval(db, petition.id)
        if first is None:
            db.add(
                PetitionDecision(
                    petition_id=petition.id,
                    officer_id=officer.id,  # type: ignore[arg-type]
                    kind=DecisionKind.FIRST_APPROVAL,
                    reason=note,
                )
            )
            clear_claim(petition)
            db.add(petition)
            record_event(
                db,
                actor=actor_of(officer),
                action="petition.first_approval",
                object_type="petition",
                object_id=petition.id,
                details={"note": note[:500]},
            )
            db.flush()
            return "first_approval"
        if first.officer_id == officer.id:
            raise SecondApprovalSameOfficerError()
        _approve(db, petition, officer, reason=APPROVED_BY_TWO_OFFICERS, note=note)
        details = {"note": note[:500], "first_officer_id": first.officer_id}
    else:  # one officer, or an automatic service that fell to manual review
        _approve(db, petition, officer, reason=APPROVED_BY_OFFICER, note=note)
        details = {"note": note[:500]}
    record_event(
        db,
        actor=actor_of(officer),
        action="petition.approve",
        object_type="petition",
        object_id=petition.id,
        details=details,
    )
    db.flush()
    return "approved"


def clean_reason(reason: str) -> str:
    reason = " ".join(reason.split())
    if len(reason) < REASON_MIN_LENGTH or len(reason) > REASON_MAX_LENGTH:
        raise ReasonRequiredError()
    return reason


def reject_petition(db: Session, *, officer: Officer, petition_id: str, reason: str) -> Petition:
    """Rejects a petition in review; the citizen sees the reason and how to appeal."""
    petition = load_for_action(db, officer, petition_id)
    _require_in_review(petition)
    reason = clean_reason(reason)
    require_still_held_in(db, petition, officer)
    petition.decision_reason_th = f"{reason}\n\n{APPEAL_TH}"
    petition.decision_reason_en = f"{reason}\n\n{APPEAL_EN}"
    petition.decided_at = utcnow()
    db.add(
        PetitionDecision(
            petition_id=petition.id,
            officer_id=officer.id,  # type: ignore[arg-type]
            kind=DecisionKind.REJECT,
            reason=reason,
        )
    )
    change_state(db, petition, PetitionState.REJECTED, actor=actor_of(officer), note=reason)
    record_event(
        db,
        actor=actor_of(officer),
        action="petition.reject",
        object_type="petition",
        object_id=petition.id,
        details={"reason": reason[:500]},
    )
    db.flush()
    return petition


def transfer_petition(
    db: Session, *, officer: Officer, petition_id: str, office_code: str, reason: str
) -> Petition:
    """Moves a petition to another active office of its agency and frees its claim there."""
    petition = load_for_action(db, officer, petition_id)
    if petition.state not in (PetitionState.IN_REVIEW, PetitionState.SUPPLEMENT_REQUESTED):
        raise PetitionNotInReviewError(state=str(petition.state))
    require_still_held_in(
        db, petition, officer, (PetitionState.IN_REVIEW, PetitionState.SUPPLEMENT_REQUESTED)
    )
    office = db.get(Office, office_code) if office_code else None
    if (
        office is None
        or not office.active
        or office.agency != petition.agency
        or office.code == petition.office_code
    ):
        raise UnknownOfficeError(office_code=office_code[:32])
    reason = clean_reason(reason)
    from_office = petition.office_code
    petition.office_code = office.code
    clear_claim(petition)
    petition.updated_at = utcnow()
    db.add(petition)
    # The receiving office sees why it got the petition; the audit chain proves who moved it.
    db.add(
        PetitionNote(
            petition_id=petition.id,
            officer_id=officer.id,  # type: ignore[arg-type]
            text=f"→ {office.code}: {reason}"[:2000],
        )
    )
    record_event(
        db,
        actor=actor_of(officer),
        action="petition.transfer",
        object_type="petition",
        object_id=petition.id,
        details={"from": from_office, "to": office.code, "reason": reason[:500]},
    )
    db.flush()
    return petition


def list_transfer_offices(db: Session, petition: Petition) -> list[Office]:
    """Active offices of the petition's agency other than the one holding it."""
    offices = db.exec(_ACTIVE_OFFICES, params={"agency": petition.agency})
    return [o for o in offices if o.code != petition.office_code]


_ACTIVE_OFFICES = (
    select(Office)
    .where(Office.agency == bindparam("agency"), col(Office.active).is_(True))
    .order_by(col(Office.code))
)


# -- bulk approve -------------------------------------------------------------------------------

BULK_LIMIT = 200


@dataclass
class BulkResult:
    approved: list[str] = field(default_factory=list)
    skipped: dict[str, str] = field(default_factory=dict)  # petition id -> reason code


def _is_automatic(petition: Petition) -> bool:
    decision = petition.definition.get("decision") if petition.definition else None
    if decision is None:
        decision = definition_of(petition).decision
    return decision == "automatic"


def list_bulk_candidates(db: Session, officer: Officer, limit: int = BULK_LIMIT) -> list[Petition]:
    """Petitions of automatic services that fell to manual review, held by nobody else."""
    query = select(Petition).where(Petition.state == PetitionState.IN_REVIEW)
    if OfficerRole.PORTAL_ADMIN.value not in officer.roles:
        query = query.where(Petition.agency == officer.agency)
    query = query.order_by(col(Petition.created_at), col(Petition.id)).limit(limit * 5)
    found = [
        p
        for p in db.exec(query)
        if _is_automatic(p) and p.assigned_officer_id in (None, officer.id)
    ]
    return found[:limit]


def bulk_approve(db: Session, *, officer: Officer, petition_ids: list[str]) -> BulkResult:
    """Approves many petitions of automatic services that fell to manual review at once.

    Supervisors only (portal admins too): approving without opening each petition is a
    supervisor's call. No claim is needed, but a petition another officer holds is skipped,
    as is anything not in review, not of an automatic service or of another agency.
    """
    require_role(officer, OfficerRole.SUPERVISOR.value)
    result = BulkResult()
    for petition_id in dict.fromkeys(petition_ids[:BULK_LIMIT]):
        petition = db.get(Petition, petition_id) if petition_id else None
        if petition is None:
            result.skipped[petition_id] = "not_found"
        elif not (has_role(officer, "portal_admin") or petition.agency == officer.agency):
            result.skipped[petition_id] = "other_agency"
        elif petition.state != PetitionState.IN_REVIEW:
            result.skipped[petition_id] = "not_in_review"
        elif not _is_automatic(petition):
            result.skipped[petition_id] = "not_automatic"
        elif petition.assigned_officer_id not in (None, officer.id) or not still_held_in(
            db, petition, officer, unheld_ok=True
        ):
            result.skipped[petition_id] = "held_by_another_officer"
        else:
            _approve(db, petition, officer, reason=APPROVED_BY_OFFICER, note="bulk approval")
            record_event(
                db,
                actor=actor_of(officer),
                action="petition.approve",
                object_type="petition",
                object_id=petition.id,
                details={"bulk": True},
            )
            result.approved.append(petition.id)
    db.flush()
    return result
