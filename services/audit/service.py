"""Recording audit events: append one link to the hash chain in the caller's transaction."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, date, datetime
from enum import Enum
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col, select

from portal.db import utcnow
from services.audit.models import (
    GENESIS_HASH,
    TAIL_ID,
    AuditChainHead,
    AuditChainTail,
    AuditEvent,
)

# A day of the chain is a Bangkok calendar day: the day an officer, an auditor and the citizen
# call "today", so a day's head can be published at local midnight.
CHAIN_TIMEZONE = ZoneInfo("Asia/Bangkok")
HASH_VERSION = 1


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


def _lock_tail(db: Session) -> AuditChainTail:
    """Takes the chain's write lock and returns the tail as last committed.

    PostgreSQL: the insert makes sure the row exists (a fresh or emptied database), then
    `SELECT … FOR UPDATE` holds it until the transaction ends, so a second writer waits and
    then reads the tail this one leaves. SQLite: the insert is a write, so it takes the
    database's single write lock before the tail is read (our driver begins the transaction at
    the first write; a read first would see a snapshot another writer may already have moved).
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
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one()
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
) -> AuditEvent:
    """Appends one event to the audit chain in the caller's transaction (flushed, not committed).

    The event links to the chain's tail, which stays locked until the caller's transaction
    ends: record events after the transaction's other row locks where possible (as
    `change_state` does), so that the chain lock is always the last one taken.
    `at` is for tests and imports; normal callers let it default to now.
    """
    tail = _lock_tail(db)
    at = at or utcnow()
    # Days never go backwards along the chain, even if two servers' clocks disagree at midnight.
    day = chain_day(at)
    if tail.last_day is not None and day < tail.last_day:
        day = tail.last_day
    seq = tail.last_seq + 1
    event = AuditEvent(
        seq=seq,
        day=day,
        at=at,
        actor=actor,
        action=action,
        object_type=object_type,
        object_id=str(object_id),
        details=canonical_details(details),
        prev_hash=tail.last_hash,
        hash="",
    )
    event.hash = hash_of(event)

    head = db.get(AuditChainHead, day, populate_existing=True)
    if head is None:
        head = AuditChainHead(
            day=day,
            first_seq=seq,
            last_seq=seq,
            event_count=0,
            head_hash=tail.last_hash,
            prev_day_head=tail.last_hash,
        )
    head.last_seq = seq
    head.event_count += 1
    head.head_hash = event.hash
    head.updated_at = utcnow()
    tail.last_seq, tail.last_hash, tail.last_day = seq, event.hash, day
    tail.updated_at = head.updated_at
    db.add(event)
    db.add(head)
    db.add(tail)
    db.flush()
    return event


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
