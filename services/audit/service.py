"""Recording audit events: append one link to the hash chain in the caller's transaction."""

from __future__ import annotations

import hashlib
import json
import logging
from datetime import UTC, date, datetime, timedelta
from enum import Enum
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session as OrmSession
from sqlalchemy.orm import SessionTransaction
from sqlmodel import Session, col, select

from portal.db import utcnow
from services.audit.models import (
    GENESIS_HASH,
    TAIL_ID,
    AuditChainHead,
    AuditChainTail,
    AuditEvent,
    AuditPending,
)

log = logging.getLogger(__name__)

# A day of the chain is a Bangkok calendar day: the day an officer, an auditor and the citizen
# call "today", so a day's head can be published at local midnight.
CHAIN_TIMEZONE = ZoneInfo("Asia/Bangkok")
HASH_VERSION = 1
SEAL_BATCH = 1000  # events linked per sealing transaction (the tail lock is held that long)
# Sealed pending rows are kept this long so `verify` can compare them with their events.
PENDING_RETENTION = timedelta(days=2)
_UNSEALED = "audit_unsealed"  # Session.info flag: this transaction recorded events
_SEAL_NOW = "audit_seal_now"  # …and committed them: seal once its connection is released
_seal_after_commit_enabled = True


def chain_day(at: datetime) -> date:
    """The chain day an instant belongs to (its date in Bangkok)."""
    return at.astimezone(CHAIN_TIMEZONE).date()


def _json_default(value: Any) -> Any:
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, set | frozenset):
        return sorted(value, key=str)
    return str(value)


def canonical_details(details: dict[str, Any] | None) -> dict[str, Any]:
    """Details as plain JSON, exactly as they will read back from the database.

    Hashing what is stored (not the caller's objects) is what lets `verify` recompute the hash.
    """
    text = json.dumps(details or {}, default=_json_default, allow_nan=False, ensure_ascii=False)
    result: dict[str, Any] = json.loads(text)
    return result


def _timestamp(at: datetime) -> str:
    # Always with microseconds ("YYYY-MM-DDTHH:MM:SS.ffffffZ"); isoformat is far faster than
    # strftime, which matters when verify rehashes a million events.
    return at.astimezone(UTC).replace(tzinfo=None).isoformat(timespec="microseconds") + "Z"


def event_hash(
    *,
    seq: int,
    day: date,
    at: datetime,
    actor: str,
    action: str,
    object_type: str,
    object_id: str,
    details: dict[str, Any],
    prev_hash: str,
) -> str:
    """SHA-256 (hex) of the event's canonical encoding: sorted-key compact JSON in UTF-8."""
    payload = {
        "v": HASH_VERSION,
        "seq": seq,
        "day": day.isoformat(),
        "at": _timestamp(at),
        "actor": actor,
        "action": action,
        "object_type": object_type,
        "object_id": object_id,
        "details": details,
        "prev_hash": prev_hash,
    }
    encoded = json.dumps(
        payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    ).encode("utf-8")
    return hashlib.sha256(encoded).hexdigest()


def hash_of(event: AuditEvent) -> str:
    """The hash an event's stored fields imply (what `verify` compares with `event.hash`)."""
    return event_hash(
        seq=event.seq,
        day=event.day,
        at=event.at,
        actor=event.actor,
        action=event.action,
        object_type=event.object_type,
        object_id=event.object_id,
        details=event.details,
        prev_hash=event.prev_hash,
    )


def _lock_tail(db: Session, *, skip_if_busy: bool = False) -> AuditChainTail | None:
    """Takes the chain's write lock (only sealers do) and returns the tail as last committed.

    PostgreSQL: the insert makes sure the row exists (a fresh or emptied database), then
    `SELECT … FOR UPDATE` holds it until the transaction ends, so a second sealer waits and
    then reads the tail this one leaves — or, with `skip_if_busy`, gets None at once (SKIP
    LOCKED). SQLite: the insert is a write, so it takes the database's single write lock before
    the tail is read (our driver begins the transaction at the first write; a read first would
    see a snapshot another writer may already have moved); SQLite cannot skip, it waits.
    """
    dialect = db.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    db.execute(
        insert(AuditChainTail.__table__)  # type: ignore[arg-type]
        .values(id=TAIL_ID, last_seq=0, last_hash=GENESIS_HASH, updated_at=utcnow())
        .on_conflict_do_nothing(index_elements=["id"])
    )
    tail = db.exec(
        select(AuditChainTail)
        .where(AuditChainTail.id == TAIL_ID)
        .with_for_update(skip_locked=skip_if_busy and dialect == "postgresql")
        .execution_options(populate_existing=True)
    ).first()
    if tail is None:
        return None
    if tail.last_seq == 0:
        # The tail row was missing while events exist (restored from a dump without it):
        # continue from the last event rather than start a second chain.
        last = db.exec(select(AuditEvent).order_by(col(AuditEvent.seq).desc()).limit(1)).first()
        if last is not None:
            tail.last_seq, tail.last_hash, tail.last_day = last.seq, last.hash, last.day
    return tail


def record_event(
    db: Session,
    *,
    actor: str,
    action: str,
    object_type: str,
    object_id: str | int,
    details: dict[str, Any] | None = None,
    at: datetime | None = None,
) -> AuditPending:
    """Records one event in the caller's transaction; no lock taken. The row goes in with the
    transaction's next flush (at the latest its commit), batched with the change it describes.

    The event exists exactly when the change it describes commits: it is one `audit_pending`
    row, which `seal_pending` links into the chain after the commit (right after it when
    sealing after commit is on, otherwise within a worker's sealing interval).
    `at` is for tests and imports; normal callers let it default to now.
    """
    pending = AuditPending(
        at=at or utcnow(),
        actor=actor,
        action=action,
        object_type=object_type,
        object_id=str(object_id),
        details=canonical_details(details),
    )
    db.add(pending)
    db.info[_UNSEALED] = True
    return pending


def _unsealed(db: Session, limit: int) -> list[AuditPending]:
    """Committed pending rows with no event yet, oldest id first.

    An anti-join on the unique `audit_event.pending_id` index: a row committed late with a
    lower id than rows already sealed is found by the next batch.
    """
    sealed = select(AuditEvent.pending_id).where(AuditEvent.pending_id == AuditPending.id)
    return list(
        db.exec(
            select(AuditPending)
            .where(~sealed.exists())
            .order_by(col(AuditPending.id))
            .limit(limit)
            .execution_options(populate_existing=True)
        ).all()
    )


def _append(
    db: Session, tail: AuditChainTail, pending: AuditPending, heads: dict[date, AuditChainHead]
) -> AuditEvent:
    """Links one pending event to the tail: next seq, previous hash, the day's head moved."""
    # Days never go backwards along the chain, even if two servers' clocks disagree at midnight
    # or a transaction that recorded yesterday commits today.
    day = chain_day(pending.at)
    if tail.last_day is not None and day < tail.last_day:
        day = tail.last_day
    seq = tail.last_seq + 1
    event = AuditEvent(
        seq=seq,
        day=day,
        at=pending.at,
        actor=pending.actor,
        action=pending.action,
        object_type=pending.object_type,
        object_id=pending.object_id,
        details=pending.details,
        prev_hash=tail.last_hash,
        hash="",
        pending_id=pending.id,
    )
    event.hash = hash_of(event)
    head = heads.get(day) or db.get(AuditChainHead, day, populate_existing=True)
    if head is None:
        head = AuditChainHead(
            day=day,
            first_seq=seq,
            last_seq=seq,
            event_count=0,
            head_hash=tail.last_hash,
            prev_day_head=tail.last_hash,
        )
    heads[day] = head
    head.last_seq = seq
    head.event_count += 1
    head.head_hash = event.hash
    head.updated_at = utcnow()
    tail.last_seq, tail.last_hash, tail.last_day = seq, event.hash, day
    tail.updated_at = head.updated_at
    db.add(event)
    return event


def seal_pending(
    target: Engine | Session, *, limit: int = SEAL_BATCH, skip_if_busy: bool = False
) -> int:
    """Links committed pending events into the chain, in id order, and commits; returns how many.

    Takes the tail lock for one short transaction: sealers serialise on it, and the unique
    `pending_id` makes sure no pending row is ever sealed twice. With `skip_if_busy` a sealer
    that finds the lock taken returns 0 at once (PostgreSQL) — the one holding it, or the next
    round, seals the rest. Given a session, it uses and commits that session.
    """
    if isinstance(target, Session):
        return _seal_in(target, limit=limit, skip_if_busy=skip_if_busy)
    with Session(target, expire_on_commit=False) as db:
        return _seal_in(db, limit=limit, skip_if_busy=skip_if_busy)


def _seal_in(db: Session, *, limit: int, skip_if_busy: bool) -> int:
    try:
        tail = _lock_tail(db, skip_if_busy=skip_if_busy)
        if tail is None:
            db.rollback()
            return 0
        batch = _unsealed(db, limit)
        heads: dict[date, AuditChainHead] = {}
        for pending in batch:
            _append(db, tail, pending, heads)
        if batch:
            db.add(tail)
            for head in heads.values():
                db.add(head)
        db.info.pop(_UNSEALED, None)
        db.commit()
    except BaseException:
        db.rollback()
        raise
    db.info.pop(_UNSEALED, None)
    return len(batch)


def seal_all(target: Engine | Session, *, limit: int = SEAL_BATCH) -> int:
    """Seals until nothing committed is left pending (the CLI and tests: a complete chain)."""
    total = 0
    while sealed := seal_pending(target, limit=limit):
        total += sealed
    return total


def seal_audit_events(engine: Engine, *_: object, **__: object) -> int:
    """The worker's sealing task (housekeeping signature); logs and swallows nothing itself."""
    return seal_all(engine)


def prune_sealed_pending(
    engine: Engine, *_: object, now: datetime | None = None, **__: object
) -> int:
    """Deletes pending rows sealed more than `PENDING_RETENTION` ago (housekeeping).

    A sealed event is protected by the chain itself; its pending row is kept a few days only
    so `verify` can compare the two (a row changed after sealing shows up).
    """
    cutoff = (now or utcnow()) - PENDING_RETENTION
    sealed = select(AuditEvent.pending_id).where(AuditEvent.pending_id == AuditPending.id)
    table: Any = AuditPending.__table__
    with engine.begin() as conn:
        result = conn.execute(table.delete().where(table.c.at < cutoff, sealed.exists()))
    return int(result.rowcount or 0)


def seal_after_commit(enabled: bool) -> None:
    """Turns sealing right after each recording commit on or off (setting
    `audit_seal_after_commit`). On: events are in the chain milliseconds after their commit,
    at the cost of one short extra transaction that never waits on PostgreSQL (SKIP LOCKED).
    Off: only the workers' sealer runs (every second or two)."""
    global _seal_after_commit_enabled
    _seal_after_commit_enabled = enabled


@event.listens_for(OrmSession, "after_commit")
def _note_committed_events(db: OrmSession) -> None:
    if db.info.pop(_UNSEALED, False) and _seal_after_commit_enabled:
        db.info[_SEAL_NOW] = True


@event.listens_for(OrmSession, "after_rollback")
def _forget_rolled_back_events(db: OrmSession) -> None:
    db.info.pop(_UNSEALED, None)


@event.listens_for(OrmSession, "after_transaction_end")
def _seal_what_this_commit_recorded(db: OrmSession, transaction: SessionTransaction) -> None:
    # After the transaction's connection went back to the pool (not in after_commit, where it
    # is still held: a second connection per request would exhaust the pool under load).
    if transaction.parent is not None or not db.info.pop(_SEAL_NOW, False):
        return
    bind = db.get_bind()
    if not isinstance(bind, Engine):
        return  # bound to an outer connection: the sealer would not see these rows yet
    try:
        seal_pending(bind, skip_if_busy=True)
    except Exception:  # the events are committed; a worker's sealer links them later
        log.warning("sealing after commit failed; the worker's sealer will retry", exc_info=True)


def list_events_for(db: Session, *, object_type: str, object_id: str | int) -> list[AuditEvent]:
    """An object's audit trail, oldest first (for a petition's history page and the CLI).

    No authorisation here: callers show it only to whoever may see the object.
    """
    return list(
        db.exec(
            select(AuditEvent)
            .where(AuditEvent.object_type == object_type, AuditEvent.object_id == str(object_id))
            .order_by(col(AuditEvent.seq))
        ).all()
    )


def format_event(event: AuditEvent) -> str:
    """One line per event for the CLI: when, who, what, and the link hashes (abbreviated)."""
    details = json.dumps(event.details, sort_keys=True, ensure_ascii=False)
    return (
        f"#{event.seq} {event.at.isoformat(timespec='seconds')} {event.actor} {event.action} "
        f"{event.object_type}:{event.object_id} {details} "
        f"[{event.prev_hash[:12]}→{event.hash[:12]}]"
    )


def list_day_heads(db: Session, *, limit: int = 7) -> list[AuditChainHead]:
    """The latest days' chain heads, newest first: the hashes to publish outside the database.

    A head copied elsewhere (a signed daily digest, the auditor's inbox) pins every event up to
    it; a later rewrite of the chain then no longer matches (ADR 0007).
    """
    return list(
        db.exec(select(AuditChainHead).order_by(col(AuditChainHead.day).desc()).limit(limit)).all()
    )
