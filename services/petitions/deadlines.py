"""Legal processing times in business days: the due date, its pause while the citizen is asked
for a supplement, and escalation to supervisors when it comes near or passes.

1. `start_clock` (on submission): `due_on` is the service's `processing_days`-th business day
   after the Bangkok date the petition was filed; None for a service with no legal time (0).
2. `pause_clock` (a supplement is requested) records when the clock stopped.
3. `resume_clock` (the citizen answers) moves `due_on` on by the business days the clock stood
   still: those from the pause date up to, but not including, the answer date (Bangkok dates).
   A same-day answer costs nothing; a pause on Friday answered on Monday costs one day.
4. `deadline_status` / `days_left` tell a page or a queue row where a petition stands, from a
   holiday set loaded once (`deadline_holidays`), so a page of rows costs one query.
5. `escalate_deadlines` (housekeeping) raises `escalation` 0 → 1 (near: one business day or
   less left) → 2 (overdue) with a conditional UPDATE, so supervisors hear of each level once
   even when several workers run it at the same moment.
"""

from __future__ import annotations

import logging
from collections.abc import Set
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Literal

from sqlalchemy import or_, update
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from identity.officers.models import Officer, OfficerRole
from portal.db import session_scope
from services.audit.service import record_event
from services.calendar.business_days import (
    add_business_days,
    bangkok_date,
    business_days_between,
)
from services.calendar.service import (
    add_business_days_on_calendar,
    business_days_in_on_calendar,
    holidays_between,
)
from services.catalogue.definitions import ServiceDefinition
from services.notifications.service import queue_officer_notification
from services.petitions.models import FINAL_STATES, Petition, PetitionState

if TYPE_CHECKING:
    from services.petitions.processing import ProcessingContext

log = logging.getLogger(__name__)

DeadlineStatus = Literal["ok", "near", "overdue", "paused"]

# The states in which the agency's clock runs and escalation applies. A petition waiting for a
# third party's approval or for the citizen's supplement is not the agency's delay.
CLOCK_STATES = (
    PetitionState.SUBMITTED,
    PetitionState.EVIDENCE_PENDING,
    PetitionState.IN_REVIEW,
    PetitionState.APPROVED,
)
NEAR, OVERDUE = 1, 2
_DAY = timedelta(days=1)
# At most this many escalations per pass (about 7 ms each on PostgreSQL), so a backlog is
# worked off over a few passes without holding the worker from its jobs; earliest due first.
ESCALATION_BATCH = 200
SUPERVISOR_ROLES = frozenset({OfficerRole.SUPERVISOR.value, OfficerRole.AGENCY_ADMIN.value})


# -- the clock ---------------------------------------------------------------------------------


def start_clock(db: Session, petition: Petition, service: ServiceDefinition) -> None:
    """Sets the petition's due date from the service's legal processing time (and adds the
    petition to the session). Reading the calendar flushes nothing: a new petition is inserted
    with its due date, in one statement."""
    days = getattr(service, "processing_days", 0) or 0
    petition.clock_paused_at = None
    petition.escalation = 0
    with db.no_autoflush:
        petition.due_on = (
            add_business_days_on_calendar(db, bangkok_date(petition.created_at), days)
            if days > 0
            else None
        )
    db.add(petition)


def pause_clock(db: Session, petition: Petition, *, at: datetime) -> None:
    """Stops the clock (a supplement was requested); a second pause keeps the first time."""
    if petition.clock_paused_at is not None:
        return
    petition.clock_paused_at = at
    db.add(petition)
    db.flush()


def resume_clock(db: Session, petition: Petition, *, at: datetime) -> int:
    """Starts the clock again (the citizen answered); returns the business days added.

    The days added are the business days in [pause date, answer date) in Bangkok, so the day
    the supplement was asked counts as lost and the answer day does not. An escalation already
    sent stays sent unless the new due date takes the petition out of that level.
    """
    paused_at = petition.clock_paused_at
    if paused_at is None:
        return 0
    added = 0
    if petition.due_on is not None:
        added = business_days_in_on_calendar(db, bangkok_date(paused_at), bangkok_date(at))
        petition.due_on = add_business_days_on_calendar(db, petition.due_on, added)
        today = bangkok_date(at)
        level = _level(petition.due_on, today, _near_limit(db, today))
        petition.escalation = min(petition.escalation, level)
    petition.clock_paused_at = None
    db.add(petition)
    db.flush()
    return added


# -- where a petition stands --------------------------------------------------------------------


def deadline_holidays(db: Session, *, today: date, days: int = 400) -> set[date]:
    """The holidays a page of `days_left`/`deadline_status` calls needs, in one query: a bit
    more than a year either side of today (an older due date only shifts an overdue count)."""
    return holidays_between(db, today - timedelta(days=days), today + timedelta(days=days))


def days_left(petition: Petition, *, today: date, holidays: Set[date]) -> int | None:
    """Business days after today up to and including the due date (0 on the due date itself,
    negative once past it); None without a due date."""
    if petition.due_on is None:
        return None
    return business_days_between(today, petition.due_on, holidays)


def deadline_status(
    petition: Petition, today: date, holidays: Set[date] = frozenset()
) -> DeadlineStatus | None:
    """ "ok", "near" (one business day or less left), "overdue" (past the due date) or "paused"
    (waiting for the citizen); None for a decided petition or one without a legal time.

    Pure: pass the holidays from `deadline_holidays` once per page.
    """
    if petition.due_on is None or petition.state in FINAL_STATES:
        return None
    if petition.clock_paused_at is not None:
        return "paused"
    level = _level(petition.due_on, today, add_business_days(today, 2, holidays) - _DAY)
    return ("ok", "near", "overdue")[level]


def _near_limit(db: Session, today: date) -> date:
    """The last due date that counts as near: one business day or less left."""
    return add_business_days_on_calendar(db, today, 2) - _DAY


def _level(due_on: date, today: date, near_limit: date) -> int:
    if due_on < today:
        return OVERDUE
    if due_on <= near_limit:
        return NEAR
    return 0


# -- escalation ---------------------------------------------------------------------------------


def escalate_deadlines(engine: Engine, ctx: ProcessingContext | None, *, now: datetime) -> int:
    """Housekeeping: flags petitions whose deadline came near or passed and tells the agency's
    supervisors once per level. Returns how many petitions it escalated.

    One query per agency on `ix_petition_queue` (agency, state, due_on); each escalation commits
    on its own, after a conditional UPDATE that only one worker can win.
    """
    today = bangkok_date(now)
    with session_scope(engine) as db:
        near_limit = _near_limit(db, today)
        agencies = sorted(
            {a for a in db.exec(select(Officer.agency).where(col(Officer.active)).distinct()) if a}
            | _catalogue_agencies()
        )
        due: list[tuple[date, str, int]] = []
        for agency in agencies:
            rows = db.exec(
                select(Petition.id, Petition.due_on, Petition.escalation)
                .where(
                    Petition.agency == agency,
                    col(Petition.state).in_(CLOCK_STATES),
                    col(Petition.due_on).is_not(None),
                    col(Petition.due_on) <= near_limit,
                    col(Petition.clock_paused_at).is_(None),
                    col(Petition.escalation) < OVERDUE,
                    # only rows whose level rises, so rows already flagged never fill the batch
                    or_(col(Petition.escalation) == 0, col(Petition.due_on) < today),
                )
                .order_by(col(Petition.due_on), col(Petition.id))
                .limit(ESCALATION_BATCH)
            ).all()
            for petition_id, due_on, escalation in rows:
                level = _level(due_on, today, near_limit)  # type: ignore[arg-type]
                if level > escalation:
                    due.append((due_on, petition_id, level))  # type: ignore[arg-type]
    escalated = 0
    supervisors: dict[tuple[str, str | None], list[int]] = {}
    for _due_on, petition_id, level in sorted(due)[:ESCALATION_BATCH]:
        with session_scope(engine) as db:
            if _escalate(db, petition_id, level, supervisors):
                escalated += 1
    return escalated


def _escalate(
    db: Session, petition_id: str, level: int, supervisors: dict[tuple[str, str | None], list[int]]
) -> bool:
    won = db.execute(
        update(Petition)
        .where(
            col(Petition.id) == petition_id,
            col(Petition.escalation) < level,
            col(Petition.clock_paused_at).is_(None),
            col(Petition.state).in_(CLOCK_STATES),
        )
        .values(escalation=level)
        .execution_options(synchronize_session=False)
    ).rowcount
    if won != 1:
        return False  # another worker did it, or the petition moved on meanwhile
    petition = db.get(Petition, petition_id)
    assert petition is not None
    db.refresh(petition)
    record_event(
        db,
        actor="system",
        action="petition.escalate",
        object_type="petition",
        object_id=petition.id,
        details={"level": level, "due_on": str(petition.due_on)},
    )
    key = (petition.agency, petition.office_code)
    if key not in supervisors:  # one read per agency and office in a pass
        supervisors[key] = _supervisors(db, agency=petition.agency, office=petition.office_code)
    for officer_id in supervisors[key]:
        queue_officer_notification(db, officer_id=officer_id, **_message(petition, level))
    return True


def _supervisors(db: Session, *, agency: str, office: str | None) -> list[int]:
    """Active supervisors and agency admins of the agency: the whole agency's, and when the
    petition sits in an office's queue, that office's (the shared pool's go to all of them)."""
    officers = db.exec(select(Officer).where(Officer.agency == agency, col(Officer.active))).all()
    return [
        o.id
        for o in officers
        if o.id is not None
        and SUPERVISOR_ROLES & set(o.roles)
        and (o.office_code is None or office in (None, o.office_code))
    ]


def _message(petition: Petition, level: int) -> dict[str, str]:
    due = petition.due_on.isoformat() if petition.due_on else ""
    subject_th, subject_en = (
        ("คำขอเกินกำหนดเวลาตามกฎหมาย", "A petition is past its legal due date")
        if level >= OVERDUE
        else ("คำขอใกล้ครบกำหนดเวลาตามกฎหมาย", "A petition is near its legal due date")
    )
    return {
        "subject_th": subject_th,
        "subject_en": subject_en,
        "body_th": (
            f"คำขอเลขที่ {petition.id} ({petition.service_code}) ครบกำหนดวันที่ {due} "
            f"ดูได้ที่ /backoffice/petitions/{petition.id}"
        ),
        "body_en": (
            f"Petition {petition.id} ({petition.service_code}) is due on {due}. "
            f"Open it at /backoffice/petitions/{petition.id}"
        ),
    }


def _catalogue_agencies() -> set[str]:
    from services.catalogue.service import get_catalogue

    return {s.code.split(".", 1)[0] for s in get_catalogue().services}
