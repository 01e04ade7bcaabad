"""The officers' queue: an agency's petitions to work on, filtered, sorted, a page at a time.

1. `QueueFilter` says what the officer asked for (states, service, office, due date, mine,
   unassigned, escalated) and how to sort (due date by default, nulls last; filed; updated).
2. `list_queue` builds the query and returns one page of `QueueItem`s plus an opaque cursor
   for the next page. Pages are keyset pages (the cursor holds the last row's sort key and id),
   never OFFSET, so page 1,000 costs what page 1 costs.
3. The default order (due date, id) follows index `ix_petition_queue(agency, state, due_on, id)`:
   the query is a UNION ALL of one range scan per state (and one for petitions without a due
   date, which come last), each already in index order and limited to a page, so PostgreSQL
   reads at most (states × 2) pages of index entries and sorts only those few rows.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Select, and_, or_, select, tuple_, union_all
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import Session

from identity.officers.authz import has_role
from identity.officers.models import Officer, OfficerRole
from portal.errors import BadRequestError
from services.petitions.models import Petition, PetitionState

PAGE_SIZE = 50
RELEASE_AFTER = timedelta(hours=2)
"""A claim nobody has worked on for this long is free again (the pool must not get stuck on an
officer who went home)."""

ACTIVE_STATES: tuple[str, ...] = (
    PetitionState.IN_REVIEW.value,
    PetitionState.SUPPLEMENT_REQUESTED.value,
)
"""The states an officer acts on: the queue's default."""

ALL_STATES: tuple[str, ...] = tuple(s.value for s in PetitionState)
BANGKOK = ZoneInfo("Asia/Bangkok")
NEAR_DUE_DAYS = 1  # due today or tomorrow counts as near (part A's escalation flags it too)


class QueueSort(StrEnum):
    DUE = "due"
    FILED = "filed"
    UPDATED = "updated"


ALL_OFFICES = "*"


class InvalidCursorError(BadRequestError):
    code = "invalid_cursor"
    default_th = "ลิงก์หน้าถัดไปไม่ถูกต้องหรือหมดอายุ กรุณากลับไปหน้าแรกของรายการ"
    default_en = "The next-page link is not valid; go back to the first page of the list"


class InvalidQueueFilterError(BadRequestError):
    code = "invalid_queue_filter"
    default_th = "ตัวกรองรายการคำขอไม่ถูกต้อง"
    default_en = "The queue filter is not valid"


@dataclass(frozen=True)
class QueueFilter:
    """What an officer asked the queue for; every field optional."""

    states: tuple[str, ...] = ACTIVE_STATES
    service_code: str | None = None
    # None: the officer's office and the agency's shared pool (or the whole agency for an
    # officer without an office); ALL_OFFICES: every office; a code: that office only.
    office_code: str | None = None
    agency: str | None = None  # portal administrators only: one agency (None: all)
    due_before: date | None = None
    overdue: bool = False
    mine: bool = False
    unassigned: bool = False
    escalated: bool = False
    sort: QueueSort = QueueSort.DUE
    descending: bool = False


@dataclass(frozen=True)
class QueueItem:
    """One row of the queue: only what the list shows, no personal data."""

    id: str
    service_code: str
    state: str
    agency: str
    office_code: str | None
    assigned_officer_id: int | None
    claim_active_at: datetime | None
    updated_at: datetime
    created_at: datetime
    due_on: date | None
    escalation: int
    held: bool  # someone holds it and the claim is not stale


@dataclass
class QueuePage:
    items: list[QueueItem]
    next_cursor: str | None
    filter: QueueFilter
    today: date
    holders: dict[int, Officer] = field(default_factory=dict)


_COLUMNS = (
    Petition.id,
    Petition.service_code,
    Petition.state,
    Petition.agency,
    Petition.office_code,
    Petition.assigned_officer_id,
    Petition.claim_active_at,
    Petition.updated_at,
    Petition.created_at,
    Petition.due_on,
    Petition.escalation,
)
_SORT_COLUMN = {
    QueueSort.DUE: Petition.due_on,
    QueueSort.FILED: Petition.created_at,
    QueueSort.UPDATED: Petition.updated_at,
}


def local_today(now: datetime) -> date:
    """Deadlines are Thai business days: "today" is the date in Bangkok."""
    return now.astimezone(BANGKOK).date()


def stale_claim_clause(now: datetime, release_after: timedelta = RELEASE_AFTER) -> Any:
    """A claim idle for longer than `release_after`, on a petition not waiting for the citizen
    (a supplement comes back to the officer who asked for it)."""
    cutoff = now - release_after
    return and_(
        Petition.claim_active_at < cutoff,  # type: ignore[operator]
        Petition.updated_at < cutoff,  # type: ignore[operator]
        Petition.state != PetitionState.SUPPLEMENT_REQUESTED,
    )


def free_clause(now: datetime, release_after: timedelta = RELEASE_AFTER) -> Any:
    """Nobody holds it, or the claim is stale: anyone of the agency may claim it."""
    return or_(
        Petition.assigned_officer_id.is_(None),  # type: ignore[union-attr]
        stale_claim_clause(now, release_after),
    )


# -- cursors ------------------------------------------------------------------------------------


def encode_cursor(sort: QueueSort, descending: bool, key: date | datetime | None, id_: str) -> str:
    payload = {"s": sort.value, "d": descending, "k": key.isoformat() if key else None, "i": id_}
    raw = json.dumps(payload, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str, *, sort: QueueSort, descending: bool) -> tuple[Any, str]:
    """The (sort key, id) a cursor continues after; 400 for anything else."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        payload = json.loads(raw)
        if payload["s"] != sort.value or bool(payload["d"]) != descending:
            raise InvalidCursorError()
        id_ = payload["i"]
        key = payload["k"]
        if not isinstance(id_, str) or len(id_) > 36:
            raise InvalidCursorError()
        if key is None:
            return None, id_
        value: date | datetime
        if sort is QueueSort.DUE:
            value = date.fromisoformat(key)
        else:
            value = datetime.fromisoformat(key)
            if value.tzinfo is None:
                raise InvalidCursorError()
        return value, id_
    except InvalidCursorError:
        raise
    except (ValueError, KeyError, TypeError, binascii.Error, UnicodeDecodeError):
        raise InvalidCursorError() from None


# -- the query ----------------------------------------------------------------------------------


def _scope_conditions(
    officer: Officer, qf: QueueFilter, *, now: datetime, today: date
) -> list[ColumnElement[bool]]:
    """Conditions every segment shares (besides agency, state and the keyset)."""
    conditions: list[Any] = []
    if qf.service_code:
        conditions.append(Petition.service_code == qf.service_code)
    if qf.office_code == ALL_OFFICES:
        pass
    elif qf.office_code:
        conditions.append(Petition.office_code == qf.office_code)
    elif officer.office_code and not has_role(officer, OfficerRole.PORTAL_ADMIN):
        conditions.append(
            or_(
                Petition.office_code == officer.office_code,
                Petition.office_code.is_(None),  # type: ignore[union-attr]
            )
        )
    if qf.mine:
        conditions.append(Petition.assigned_officer_id == officer.id)
    if qf.unassigned:
        conditions.append(free_clause(now))
    if qf.escalated:
        conditions.append(Petition.escalation > 0)
    return conditions


def _agencies(officer: Officer, qf: QueueFilter) -> list[str] | None:
    """The agencies the officer may list; None means every agency (portal admin, no choice)."""
    if OfficerRole.PORTAL_ADMIN.value in officer.roles:
        return [qf.agency] if qf.agency else None
    return [officer.agency]


def _due_segments(
    agency: str,
    state: str,
    base: list[Any],
    qf: QueueFilter,
    *,
    after: tuple[Any, str] | None,
    today: date,
    limit: int,
) -> list[Select[Any]]:
    """One or two index range scans of `ix_petition_queue` for one (agency, state): the dated
    petitions in due order, then the undated ones by id (nulls last either way)."""
    desc = qf.descending
    scope = [Petition.agency == agency, Petition.state == state, *base]
    dated = [*scope, Petition.due_on.is_not(None)]  # type: ignore[union-attr]
    if qf.overdue:
        dated.append(Petition.due_on < today)  # type: ignore[operator]
    if qf.due_before:
        dated.append(Petition.due_on < qf.due_before)  # type: ignore[operator]
    undated = [*scope, Petition.due_on.is_(None)]  # type: ignore[union-attr]
    want_undated = not (qf.overdue or qf.due_before)
    want_dated = True
    if after is not None:
        key, id_ = after
        if key is None:  # the cursor is already among the undated petitions
            want_dated = False
            undated.append(Petition.id < id_ if desc else Petition.id > id_)
        else:
            row = tuple_(Petition.due_on, Petition.id)
            dated.append(row < tuple_(key, id_) if desc else row > tuple_(key, id_))
    segments = []
    if want_dated:
        order = (
            (Petition.due_on.desc(), Petition.id.desc())  # type: ignore[union-attr]
            if desc
            else (Petition.due_on.asc(), Petition.id.asc())  # type: ignore[union-attr]
        )
        segments.append(select(*_COLUMNS).where(*dated).order_by(*order).limit(limit))
    if want_undated:
        order_id = Petition.id.desc() if desc else Petition.id.asc()  # type: ignore[attr-defined]
        segments.append(select(*_COLUMNS).where(*undated).order_by(order_id).limit(limit))
    return segments


def build_queue_query(
    officer: Officer, qf: QueueFilter, *, now: datetime, cursor: str | None, limit: int
) -> Select[Any]:
    """The SQL for one page (`limit` rows); exposed so the benchmark can EXPLAIN it."""
    today = local_today(now)
    after = decode_cursor(cursor, sort=qf.sort, descending=qf.descending) if cursor else None
    base = _scope_conditions(officer, qf, now=now, today=today)
    states = qf.states or ALL_STATES
    agencies = _agencies(officer, qf)
    if qf.sort is QueueSort.DUE and agencies is not None:
        segments = [
            segment
            for agency in agencies
            for state in states
            for segment in _due_segments(
                agency, state, base, qf, after=after, today=today, limit=limit
            )
        ]
        if len(segments) == 1:
            return segments[0]
        union = union_all(*(s.subquery().select() for s in segments)).subquery("q")
        due, id_ = union.c.due_on, union.c.id
        order = (
            (due.desc().nulls_last(), id_.desc())
            if qf.descending
            else (due.asc().nulls_last(), id_.asc())
        )
        return select(union).order_by(*order).limit(limit)
    return _plain_query(qf, base, agencies, states, after=after, today=today, limit=limit)


def _plain_query(
    qf: QueueFilter,
    base: list[Any],
    agencies: list[str] | None,
    states: tuple[str, ...],
    *,
    after: tuple[Any, str] | None,
    today: date,
    limit: int,
) -> Select[Any]:
    """Sorts without a matching index (filed, last update, or every agency at once)."""
    column: Any = _SORT_COLUMN[qf.sort]
    conditions = [*base, Petition.state.in_(states)]  # type: ignore[attr-defined]
    if agencies is not None:
        conditions.append(Petition.agency.in_(agencies))  # type: ignore[attr-defined]
    if qf.overdue:
        conditions.append(Petition.due_on < today)  # type: ignore[operator]
    if qf.due_before:
        conditions.append(Petition.due_on < qf.due_before)  # type: ignore[operator]
    desc = qf.descending
    if after is not None:
        key, id_ = after
        row = tuple_(column, Petition.id)
        if key is None:  # only due dates are ever null
            conditions.append(column.is_(None))
            conditions.append(Petition.id < id_ if desc else Petition.id > id_)
        elif qf.sort is QueueSort.DUE:
            conditions.append(
                or_(row < tuple_(key, id_) if desc else row > tuple_(key, id_), column.is_(None))
            )
        else:
            conditions.append(row < tuple_(key, id_) if desc else row > tuple_(key, id_))
    order = (
        (column.desc().nulls_last(), Petition.id.desc())  # type: ignore[attr-defined]
        if desc
        else (column.asc().nulls_last(), Petition.id.asc())  # type: ignore[attr-defined]
    )
    return select(*_COLUMNS).where(*conditions).order_by(*order).limit(limit)


def list_queue(
    db: Session,
    *,
    officer: Officer,
    queue_filter: QueueFilter | None = None,
    cursor: str | None = None,
    now: datetime,
    page_size: int = PAGE_SIZE,
) -> QueuePage:
    """One page of the officer's queue, and the cursor of the next page (None on the last)."""
    qf = queue_filter or QueueFilter()
    unknown = set(qf.states) - set(ALL_STATES)
    if unknown:
        raise InvalidQueueFilterError()
    query = build_queue_query(officer, qf, now=now, cursor=cursor, limit=page_size + 1)
    rows = db.execute(query).all()
    cutoff = now - RELEASE_AFTER
    items = [_item(row, cutoff) for row in rows[:page_size]]
    next_cursor = None
    if len(rows) > page_size and items:
        last = items[-1]
        key = {QueueSort.DUE: last.due_on, QueueSort.FILED: last.created_at}.get(
            qf.sort, last.updated_at
        )
        next_cursor = encode_cursor(qf.sort, qf.descending, key, last.id)
    holder_ids = {i.assigned_officer_id for i in items if i.assigned_officer_id is not None}
    holders = (
        {
            o.id: o
            for o in db.execute(select(Officer).where(Officer.id.in_(holder_ids))).scalars()  # type: ignore[union-attr]
            if o.id is not None
        }
        if holder_ids
        else {}
    )
    return QueuePage(
        items=items, next_cursor=next_cursor, filter=qf, today=local_today(now), holders=holders
    )


def _item(row: Any, cutoff: datetime) -> QueueItem:
    m = row._mapping
    claim_active_at = _aware(m["claim_active_at"])
    updated_at = _aware(m["updated_at"])
    held = m["assigned_officer_id"] is not None and not (
        claim_active_at is not None
        and claim_active_at < cutoff
        and updated_at < cutoff
        and m["state"] != PetitionState.SUPPLEMENT_REQUESTED
    )
    return QueueItem(
        id=m["id"],
        service_code=m["service_code"],
        state=str(m["state"].value if hasattr(m["state"], "value") else m["state"]),
        agency=m["agency"],
        office_code=m["office_code"],
        assigned_officer_id=m["assigned_officer_id"],
        claim_active_at=claim_active_at,
        updated_at=updated_at,
        created_at=_aware(m["created_at"]),
        due_on=m["due_on"],
        escalation=m["escalation"],
        held=held,
    )


def _aware(value: Any) -> Any:
    """Through a UNION the column loses its AwareDateTime type on SQLite: mark UTC again."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if isinstance(value, datetime) and value.tzinfo is None:
        from datetime import UTC

        return value.replace(tzinfo=UTC)
    return value


def deadline_status(due_on: date | None, escalation: int, today: date) -> str:
    """ "none", "on_time", "near" or "overdue": shown as a badge with text, not only colour."""
    if due_on is None:
        return "none"
    if due_on < today or escalation >= 2:
        return "overdue"
    if escalation >= 1 or due_on <= today + timedelta(days=NEAR_DUE_DAYS):
        return "near"
    return "on_time"


__all__ = [
    "ACTIVE_STATES",
    "ALL_OFFICES",
    "PAGE_SIZE",
    "RELEASE_AFTER",
    "QueueFilter",
    "QueueItem",
    "QueuePage",
    "QueueSort",
    "build_queue_query",
    "deadline_status",
    "free_clause",
    "list_queue",
]
