"""Who holds a petition in the back office: claims from the shared pool and assignments.

1. `claim_petition` takes a free petition with one conditional UPDATE (free = nobody holds it,
   or the claim went stale); the database decides between concurrent claims, so exactly one
   officer wins and the others get `AlreadyClaimedError` (409), on SQLite and PostgreSQL.
2. `claim_next_petition` is the "Next petition" button: the first free petition in the
   officer's default queue order, claimed the same way (on PostgreSQL its candidates are read
   `FOR UPDATE SKIP LOCKED`, so two officers pressing it at once get different petitions).
3. `assign_petition` (supervisors, agency administrators) hands a petition to an officer;
   `release_petition` gives it back to the pool; `touch_claim` (and `require_claim`, which
   every decision calls) keeps the holder's claim alive.
4. `release_stale_claims` is a housekeeping task: claims idle for `RELEASE_AFTER` go back to
   the pool. Every claim, assignment and release is an audit event.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import or_, update
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from identity.officers.authz import has_role, require_petition_access
from identity.officers.errors import RoleRequiredError
from identity.officers.models import Officer, OfficerRole
from portal.db import session_scope, utcnow
from portal.errors import BadRequestError, ConflictError
from services.audit.service import record_event
from services.petitions.errors import NotClaimedError, PetitionNotFoundError
from services.petitions.models import FINAL_STATES, Petition, PetitionState
from services.petitions.queue import (
    ACTIVE_STATES,
    RELEASE_AFTER,
    free_clause,
    local_today,
    stale_claim_clause,
)

log = logging.getLogger(__name__)

NEXT_CANDIDATES = 20  # free petitions read per round by "Next petition"
# A petition waiting for the citizen is not work to pick up. Usually one state: an equality on
# the queue index (agency, state, due_on, id) reads the rows already in queue order and stops at
# NEXT_CANDIDATES, where IN over two states sorted the agency's whole queue (6 ms at 4,000).
PICKABLE_STATES = tuple(s for s in ACTIVE_STATES if s != PetitionState.SUPPLEMENT_REQUESTED)
STALE_BATCH = 500  # claims released per housekeeping round
UNCLAIMABLE_STATES = frozenset(
    {*FINAL_STATES, PetitionState.DRAFT, PetitionState.AWAITING_APPROVAL}
)


class AlreadyClaimedError(ConflictError):
    code = "already_claimed"
    default_th = "เจ้าหน้าที่ท่านอื่นรับเรื่องนี้ไปดำเนินการแล้ว"
    default_en = "Another officer has already claimed this petition"


class NotClaimableError(ConflictError):
    code = "not_claimable"
    default_th = "คำขอนี้ไม่อยู่ในสถานะที่รับไปดำเนินการได้"
    default_en = "This petition is not in a state an officer can claim"


class AssigneeInvalidError(BadRequestError):
    code = "assignee_invalid"
    default_th = "มอบหมายได้เฉพาะเจ้าหน้าที่ที่ยังปฏิบัติงานอยู่ในหน่วยงานเจ้าของคำขอ"
    default_en = "A petition can be assigned only to an active officer of its agency"


def actor_of(officer: Officer) -> str:
    return f"officer:{officer.id}"


def is_supervisor(officer: Officer) -> bool:
    return has_role(officer, OfficerRole.SUPERVISOR) or has_role(officer, OfficerRole.AGENCY_ADMIN)


def get_visible_petition(db: Session, officer: Officer, petition_id: str) -> Petition:
    """404 for an unknown petition, 403 for another agency's."""
    petition = db.get(Petition, petition_id) if petition_id else None
    if petition is None:
        raise PetitionNotFoundError()
    require_petition_access(officer, petition.service_code)
    return petition


def require_claim(db: Session, officer: Officer, petition: Petition) -> None:
    """An officer acts only on a petition they hold: no two officers decide one petition.

    Acting on it counts as activity: the claim is kept alive (see `touch_claim`).
    """
    if petition.assigned_officer_id is None or petition.assigned_officer_id != officer.id:
        raise NotClaimedError()
    touch_claim(db, officer=officer, petition=petition, now=utcnow())


def touch_claim(db: Session, *, officer: Officer, petition: Petition, now: datetime) -> None:
    """Any action by the holder keeps the claim from being released as idle."""
    if petition.assigned_officer_id == officer.id:
        petition.claim_active_at = now
        db.add(petition)


def claim_petition(
    db: Session,
    *,
    officer: Officer,
    petition_id: str,
    now: datetime,
    release_after: timedelta = RELEASE_AFTER,
) -> Petition:
    """Takes a free petition of the officer's agency; 409 if another officer holds it.

    One conditional UPDATE decides: concurrent claims are serialised by the row (PostgreSQL
    re-checks the WHERE after the winner commits) or the database write lock (SQLite).
    """
    petition = get_visible_petition(db, officer, petition_id)
    if petition.state in UNCLAIMABLE_STATES:
        raise NotClaimableError()
    if petition.assigned_officer_id == officer.id:
        touch_claim(db, officer=officer, petition=petition, now=now)
        db.flush()
        return petition
    db.flush()  # nothing of ours pending on the row before the conditional write
    if not _claim_if_free(
        db, officer=officer, petition_id=petition_id, now=now, after=release_after
    ):
        db.refresh(petition)
        raise AlreadyClaimedError()
    db.refresh(petition)
    record_event(
        db,
        actor=actor_of(officer),
        action="petition.claim",
        object_type="petition",
        object_id=petition.id,
        details={"officer_id": officer.id},
    )
    return petition


def _claim_if_free(
    db: Session, *, officer: Officer, petition_id: str, now: datetime, after: timedelta
) -> bool:
    statement: Any = (
        update(Petition)
        .where(
            col(Petition.id) == petition_id,
            free_clause(now, after),
            col(Petition.state).not_in(list(UNCLAIMABLE_STATES)),
        )
        .values(assigned_officer_id=officer.id, claimed_at=now, claim_active_at=now)
        .execution_options(synchronize_session=False)
    )
    if OfficerRole.PORTAL_ADMIN.value not in officer.roles:
        statement = statement.where(col(Petition.agency) == officer.agency)
    return db.execute(statement).rowcount == 1  # type: ignore[attr-defined]


def claim_next_petition(
    db: Session, *, officer: Officer, now: datetime, release_after: timedelta = RELEASE_AFTER
) -> Petition | None:
    """The "Next petition" button: claims the first free petition in the officer's default
    queue order (due date first, undated last); None when nothing is waiting."""
    tried: set[str] = set()
    for _round in range(5):
        candidates = _next_candidates(db, officer=officer, now=now, exclude=tried)
        if not candidates:
            return None
        for petition_id in candidates:
            tried.add(petition_id)
            if _claim_if_free(
                db, officer=officer, petition_id=petition_id, now=now, after=release_after
            ):
                # One read, refreshing a copy already in the session (the UPDATE bypassed it).
                petition = db.get(Petition, petition_id, populate_existing=True)
                assert petition is not None
                record_event(
                    db,
                    actor=actor_of(officer),
                    action="petition.claim",
                    object_type="petition",
                    object_id=petition.id,
                    details={"officer_id": officer.id, "next": True},
                )
                return petition
    return None


def _next_candidates(
    db: Session, *, officer: Officer, now: datetime, exclude: set[str]
) -> list[str]:
    query: Any = select(Petition.id).where(
        col(Petition.state).in_(PICKABLE_STATES),
        free_clause(now),
    )
    if OfficerRole.PORTAL_ADMIN.value not in officer.roles:
        query = query.where(col(Petition.agency) == officer.agency)
    if officer.office_code:
        query = query.where(
            or_(
                col(Petition.office_code) == officer.office_code,
                col(Petition.office_code).is_(None),
            )
        )
    if exclude:
        query = query.where(col(Petition.id).not_in(exclude))
    query = query.order_by(col(Petition.due_on).asc().nulls_last(), col(Petition.id)).limit(
        NEXT_CANDIDATES
    )
    if db.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    return list(db.exec(query))


def assign_petition(
    db: Session, *, by: Officer, petition_id: str, officer_id: int, now: datetime
) -> Petition:
    """A supervisor (or agency administrator) hands a petition to an active officer of its
    agency, whoever held it before."""
    if not by.active or not is_supervisor(by):
        raise RoleRequiredError()
    petition = get_visible_petition(db, by, petition_id)
    if petition.state in UNCLAIMABLE_STATES:
        raise NotClaimableError()
    assignee = db.get(Officer, officer_id)
    if assignee is None or not assignee.active or assignee.agency != petition.agency:
        raise AssigneeInvalidError()
    previous = petition.assigned_officer_id
    petition.assigned_officer_id = assignee.id
    petition.claimed_at = now
    petition.claim_active_at = now
    db.add(petition)
    db.flush()
    record_event(
        db,
        actor=actor_of(by),
        action="petition.assign",
        object_type="petition",
        object_id=petition.id,
        details={"officer_id": assignee.id, "previous_officer_id": previous},
    )
    return petition


def release_petition(db: Session, *, officer: Officer, petition_id: str, now: datetime) -> Petition:
    """Gives a petition back to the pool: its holder may, and a supervisor of its agency."""
    petition = get_visible_petition(db, officer, petition_id)
    if petition.assigned_officer_id is None:
        return petition
    if petition.assigned_officer_id != officer.id and not is_supervisor(officer):
        raise NotClaimedError()
    previous = petition.assigned_officer_id
    clear_claim(petition)
    db.add(petition)
    db.flush()
    record_event(
        db,
        actor=actor_of(officer),
        action="petition.release",
        object_type="petition",
        object_id=petition.id,
        details={"previous_officer_id": previous},
    )
    return petition


def clear_claim(petition: Petition) -> None:
    """Frees the petition for any officer of its office (or the agency's pool) to claim."""
    petition.assigned_officer_id = None
    petition.claimed_at = None
    petition.claim_active_at = None


def list_assignable_officers(db: Session, *, agency: str) -> list[Officer]:
    """Active officers of an agency, for a supervisor's "assign to" list."""
    return list(
        db.exec(
            select(Officer)
            .where(Officer.agency == agency, col(Officer.active).is_(True))
            .order_by(col(Officer.name_th), col(Officer.id))
        )
    )


def release_stale_claims(
    engine: Engine, ctx: Any, *, now: datetime, release_after: timedelta = RELEASE_AFTER
) -> int:
    """Housekeeping: claims idle for `release_after` go back to the pool; returns how many.

    Each release is a conditional UPDATE on the row as it was read, so two workers (or an
    officer touching the claim meanwhile) never release one claim twice or wrongly.
    """
    released = 0
    with session_scope(engine) as db:
        rows = db.exec(
            select(Petition.id, Petition.assigned_officer_id)
            .where(
                col(Petition.assigned_officer_id).is_not(None),
                stale_claim_clause(now, release_after),
            )
            .limit(STALE_BATCH)
        ).all()
        for petition_id, holder in rows:
            result: Any = db.execute(
                update(Petition)
                .where(
                    col(Petition.id) == petition_id,
                    col(Petition.assigned_officer_id) == holder,
                    stale_claim_clause(now, release_after),
                )
                .values(assigned_officer_id=None, claimed_at=None, claim_active_at=None)
                .execution_options(synchronize_session=False)
            )
            if result.rowcount == 1:
                released += 1
                record_event(
                    db,
                    actor="system",
                    action="petition.release",
                    object_type="petition",
                    object_id=petition_id,
                    details={"previous_officer_id": holder, "reason": "inactive"},
                )
    if released:
        log.info("released %d idle claims", released)
    return released


__all__ = [
    "AlreadyClaimedError",
    "AssigneeInvalidError",
    "NotClaimableError",
    "assign_petition",
    "claim_next_petition",
    "claim_petition",
    "list_assignable_officers",
    "local_today",
    "release_petition",
    "release_stale_claims",
    "require_claim",
    "touch_claim",
]
