"""Walking the audit chain: recompute every hash, follow every link, check every day's head.

The walk streams events in `seq` order (a server-side cursor on PostgreSQL), keeping only the
previous event and the current day's figures in memory, and stops at the first broken link.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import func, text
from sqlmodel import Session, col, select

from services.audit.models import (
    GENESIS_HASH,
    TAIL_ID,
    AuditChainHead,
    AuditChainTail,
    AuditEvent,
    AuditPending,
)
from services.audit.service import event_hash

BATCH_SIZE = 2000
# A pending event older than this means no sealer is running (workers seal every second or two).
STALE_PENDING = timedelta(minutes=5)
_COMPARED = ("at", "actor", "action", "object_type", "object_id", "details")


@dataclass(frozen=True)
class Break:
    """The first place where the chain does not hold, and what is wrong there."""

    problem: str
    event_id: int | None = None
    day: date | None = None
    seq: int | None = None

    def describe(self) -> str:
        where = []
        if self.event_id is not None:
            where.append(f"event {self.event_id}")
        if self.day is not None:
            where.append(f"day {self.day.isoformat()}")
        if self.seq is not None:
            where.append(f"seq {self.seq}")
        return f"{', '.join(where) or 'chain'}: {self.problem}"


@dataclass(frozen=True)
class VerifyReport:
    events: int  # events checked (up to the break, when there is one)
    days: int
    head_hash: str  # the last good hash
    first_break: Break | None = None

    @property
    def ok(self) -> bool:
        return self.first_break is None

    def summary(self) -> str:
        if self.first_break is None:
            return (
                f"audit chain intact: {_count(self.events, 'event')} over "
                f"{_count(self.days, 'day')}, "
                f"head {self.head_hash}"
            )
        return f"audit chain BROKEN at {self.first_break.describe()}"


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"


@dataclass
class _Day:
    day: date
    first_seq: int
    first_prev_hash: str
    last_seq: int
    last_hash: str
    count: int
    last_event_id: int


def _head_problem(day: _Day, head: AuditChainHead | None, previous_head: str) -> str | None:
    if head is None:
        return "the day has events but no stored chain head"
    if head.prev_day_head != previous_head or day.first_prev_hash != previous_head:
        return "the day does not start from the previous day's head"
    if (head.first_seq, head.last_seq, head.event_count) != (
        day.first_seq,
        day.last_seq,
        day.count,
    ):
        return (
            f"the stored day head says seq {head.first_seq}–{head.last_seq} "
            f"({head.event_count} events) but the day holds seq {day.first_seq}–{day.last_seq} "
            f"({day.count} events)"
        )
    if head.head_hash != day.last_hash:
        return "the stored day head hash does not match the day's last event"
    return None


def _read_one_snapshot(db: Session) -> None:
    """Makes every read of the walk see the same committed state.

    Writers keep appending while a long walk runs; heads, events and tail read at different
    moments would disagree and look like tampering. PostgreSQL: REPEATABLE READ (one snapshot
    per transaction). SQLite: an explicit BEGIN, since our driver only opens a transaction at
    the first write and each read would otherwise see the latest commit.
    """
    if db.in_transaction():
        return  # the caller's transaction decides (tests verify right after their commits)
    if db.get_bind().dialect.name == "postgresql":
        db.connection(execution_options={"isolation_level": "REPEATABLE READ"})
    else:
        db.execute(text("BEGIN"))


def verify_chain(db: Session, *, batch_size: int = BATCH_SIZE) -> VerifyReport:
    """Walks the whole chain in order and reports the first broken link (or none).

    Run it in a session with no transaction open, so the walk reads one snapshot.
    """
    _read_one_snapshot(db)
    heads = {h.day: h for h in db.exec(select(AuditChainHead)).all()}
    table: Any = AuditEvent.__table__
    rows = db.execute(select(table).order_by(table.c.seq).execution_options(yield_per=batch_size))

    events = 0
    days = 0
    expected_prev = GENESIS_HASH
    expected_seq = 1
    current: _Day | None = None
    previous_head = GENESIS_HASH

    def fail(
        problem: str, *, event_id: int | None, day: date | None, seq: int | None
    ) -> VerifyReport:
        rows.close()
        return VerifyReport(
            events=events,
            days=days,
            head_hash=expected_prev,
            first_break=Break(problem, event_id=event_id, day=day, seq=seq),
        )

    for row in rows:
        where = {"event_id": row.id, "day": row.day, "seq": row.seq}
        if row.seq != expected_seq:
            missing = (
                f"seq {expected_seq}"
                if row.seq == expected_seq + 1
                else f"seq {expected_seq}–{row.seq - 1}"
            )
            return fail(
                f"sequence jumps from {expected_seq - 1} to {row.seq}: {missing} missing (deleted)"
                if row.seq > expected_seq
                else "sequence goes backwards",
                **where,
            )
        recomputed = event_hash(
            seq=row.seq,
            day=row.day,
            at=row.at,
            actor=row.actor,
            action=row.action,
            object_type=row.object_type,
            object_id=row.object_id,
            details=row.details,
            prev_hash=row.prev_hash,
        )
        if recomputed != row.hash:
            return fail("its hash does not match its contents (the row was changed)", **where)
        if row.prev_hash != expected_prev:
            return fail("it does not link to the hash of the event before it", **where)
        if current is not None and row.day < current.day:
            return fail(f"its day goes back from {current.day.isoformat()}", **where)
        if current is None or row.day != current.day:
            if current is not None:
                problem = _head_problem(current, heads.pop(current.day, None), previous_head)
                if problem:
                    return fail(
                        problem,
                        event_id=current.last_event_id,
                        day=current.day,
                        seq=current.last_seq,
                    )
                previous_head = current.last_hash
                days += 1
            current = _Day(row.day, row.seq, row.prev_hash, row.seq, row.hash, 0, row.id)
        current.last_seq, current.last_hash, current.last_event_id = row.seq, row.hash, row.id
        current.count += 1
        events += 1
        expected_prev = row.hash
        expected_seq = row.seq + 1

    if current is not None:
        problem = _head_problem(current, heads.pop(current.day, None), previous_head)
        if problem:
            return fail(
                problem, event_id=current.last_event_id, day=current.day, seq=current.last_seq
            )
        days += 1
    if heads:
        orphan = min(heads)
        return fail(
            f"a chain head is stored for a day with no events (seq {heads[orphan].first_seq}–"
            f"{heads[orphan].last_seq} deleted)",
            event_id=None,
            day=orphan,
            seq=heads[orphan].first_seq,
        )
    mismatch = _first_pending_mismatch(db, batch_size)
    if mismatch is not None:
        return fail(mismatch[2], event_id=mismatch[0], day=None, seq=mismatch[1])
    tail = db.get(AuditChainTail, TAIL_ID, populate_existing=True)
    if (
        tail is not None
        and tail.last_seq != 0
        and (tail.last_seq != expected_seq - 1 or tail.last_hash != expected_prev)
    ):
        return fail(
            f"the chain ends at seq {expected_seq - 1} but its tail records seq {tail.last_seq} "
            "(events at the end were deleted)",
            event_id=None,
            day=tail.last_day,
            seq=tail.last_seq,
        )
    return VerifyReport(events=events, days=days, head_hash=expected_prev)


def _first_pending_mismatch(db: Session, batch_size: int) -> tuple[int, int, str] | None:
    """The first sealed event that differs from the pending row it sealed (still kept).

    The chain proves events were not changed after sealing; this shows a pending row changed
    after sealing (someone working on the tables), while both are still there.
    """
    event_table: Any = AuditEvent.__table__
    pending_table: Any = AuditPending.__table__
    rows = db.execute(
        select(event_table, *[pending_table.c[name].label(f"p_{name}") for name in _COMPARED])
        .join(pending_table, pending_table.c.id == event_table.c.pending_id)
        .order_by(event_table.c.seq)
        .execution_options(yield_per=batch_size)
    )
    try:
        for row in rows:
            fields = row._mapping
            changed = [name for name in _COMPARED if fields[name] != fields[f"p_{name}"]]
            if changed:
                return (
                    row.id,
                    row.seq,
                    f"it differs from the pending row {row.pending_id} it sealed "
                    f"({', '.join(changed)}): a pending row was changed",
                )
    finally:
        rows.close()
    return None


@dataclass(frozen=True)
class PendingBacklog:
    """Events recorded but not yet linked into the chain: normally few and seconds old."""

    waiting: int
    stale: int  # older than the threshold: no sealer is running
    oldest_at: datetime | None

    def summary(self, older_than: timedelta) -> str:
        if not self.waiting:
            return "no events waiting to be sealed"
        text = f"{_count(self.waiting, 'event')} waiting to be sealed"
        if self.stale:
            minutes = int(older_than.total_seconds() // 60)
            oldest = f"{self.oldest_at:%Y-%m-%d %H:%M:%S} UTC"
            text += f"; {self.stale} older than {minutes} min (oldest {oldest})"
            text += ": is a worker running?"
        return text


def pending_backlog(
    db: Session, *, now: datetime, older_than: timedelta = STALE_PENDING
) -> PendingBacklog:
    """How many committed events wait for the sealer, and how many for too long."""
    sealed = select(AuditEvent.pending_id).where(AuditEvent.pending_id == AuditPending.id)
    unsealed = ~sealed.exists()
    waiting, oldest = db.exec(
        select(func.count(), func.min(col(AuditPending.at))).where(unsealed)
    ).one()
    stale = db.exec(
        select(func.count())
        .select_from(AuditPending)
        .where(unsealed, col(AuditPending.at) < now - older_than)
    ).one()
    return PendingBacklog(waiting=int(waiting), stale=int(stale), oldest_at=oldest)
