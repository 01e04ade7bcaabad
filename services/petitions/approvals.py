"""Third-party approvals: another citizen agrees, in their own account, before a petition goes on.

A move-in needs the house owner's consent (Civil Registration Act B.E. 2534, section 30). The
approval is addressed by citizen ID, so the owner sees it whenever they sign in; approving
queues the petition's processing, declining rejects it with the reason shown to the petitioner.
"""

from __future__ import annotations

from sqlalchemy import bindparam, update
from sqlmodel import Session, select

from identity.models import Citizen
from portal.db import utcnow
from services.petitions.errors import ApprovalNotFoundError
from services.petitions.models import (
    ApprovalState,
    Petition,
    PetitionApproval,
    PetitionJob,
    PetitionState,
)
from services.petitions.service import change_state

_DECLINED = (
    "ผู้ที่ต้องให้ความยินยอม ({role_th}) ไม่ยินยอม",
    "The person who had to agree ({role_en}) declined",
)


def pending_approvals(db: Session, *, approver: Citizen) -> list[tuple[PetitionApproval, Petition]]:
    """Approvals waiting for this citizen, oldest first, with their petitions."""
    rows = db.exec(
        select(PetitionApproval, Petition)
        .join(Petition, Petition.id == PetitionApproval.petition_id)  # type: ignore[arg-type]
        .where(
            PetitionApproval.approver_national_id == approver.national_id,
            PetitionApproval.state == ApprovalState.PENDING,
            Petition.state == PetitionState.AWAITING_APPROVAL,
        )
        .order_by(PetitionApproval.requested_at)  # type: ignore[arg-type]
    )
    return list(rows.all())


_APPROVAL_OF_PETITION = select(PetitionApproval).where(
    PetitionApproval.petition_id == bindparam("petition_id")
)


def approval_for(db: Session, *, petition_id: str) -> PetitionApproval | None:
    return db.exec(_APPROVAL_OF_PETITION, params={"petition_id": petition_id}).first()


def decide_approval(db: Session, *, approval_id: str, approver: Citizen, approve: bool) -> Petition:
    """Records the approver's decision. Only the addressed citizen may decide, once (404
    otherwise: nobody learns that someone else's approval exists)."""
    approval = db.get(PetitionApproval, approval_id)
    if (
        approval is None
        or approval.approver_national_id != approver.national_id
        or approval.state != ApprovalState.PENDING
    ):
        raise ApprovalNotFoundError()
    petition = db.get(Petition, approval.petition_id)
    if petition is None or petition.state != PetitionState.AWAITING_APPROVAL:
        raise ApprovalNotFoundError()
    # Conditional, so two decisions sent at once (two tabs, a double tap) count once.
    claimed = db.exec(  # type: ignore[call-overload]
        update(PetitionApproval)
        .where(
            PetitionApproval.id == approval.id,  # type: ignore[arg-type]
            PetitionApproval.state == ApprovalState.PENDING,  # type: ignore[arg-type]
        )
        .values(
            state=ApprovalState.APPROVED if approve else ApprovalState.DECLINED,
            decided_at=utcnow(),
            decided_by_id=approver.id,
        )
    )
    if claimed.rowcount != 1:
        raise ApprovalNotFoundError()
    db.refresh(approval)
    actor = f"approver:{approver.id}"
    if approve:
        change_state(db, petition, PetitionState.SUBMITTED, actor=actor, note=approval.role_en)
        db.add(PetitionJob(petition_id=petition.id, kind="process"))
    else:
        petition.decision_reason_th = _DECLINED[0].format(role_th=approval.role_th)
        petition.decision_reason_en = _DECLINED[1].format(role_en=approval.role_en)
        petition.decided_at = utcnow()
        change_state(db, petition, PetitionState.REJECTED, actor=actor, note=approval.role_en)
    db.flush()
    return petition
