"""The audit chain's tables: events, one head per day, and the single tail row writers lock."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Column, Index, Integer
from sqlmodel import Field, SQLModel

from portal.db import AwareDateTime, utcnow

GENESIS_HASH = "0" * 64  # what the very first event links to
TAIL_ID = 1  # the one row of `audit_chain_tail`
PENDING_ID_TYPE = BigInteger().with_variant(Integer(), "sqlite")


class AuditEvent(SQLModel, table=True):
    """One thing that happened, linked to the event before it by that event's hash.

    `seq` numbers the whole chain from 1 without gaps; `day` is the Bangkok calendar day the
    event belongs to (never earlier than the day of the event before it). Rows are never
    updated or deleted: triggers refuse it (see migration 0010).
    """

    __tablename__ = "audit_event"
    __table_args__ = (Index("ix_audit_event_object", "object_type", "object_id", "seq"),)

    id: int | None = Field(default=None, primary_key=True)
    seq: int = Field(sa_type=BigInteger, unique=True, index=True)
    day: date = Field(index=True)
    at: datetime = Field(default_factory=utcnow, sa_type=AwareDateTime)
    actor: str = Field(max_length=64)
    action: str = Field(max_length=64)
    object_type: str = Field(max_length=32)
    object_id: str = Field(max_length=64)
    details: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    prev_hash: str = Field(max_length=64)
    hash: str = Field(max_length=64)
    # The `audit_pending` row this event seals (unique: no pending row is sealed twice). Not a
    # foreign key, since sealed pending rows are pruned; not hashed (a storage detail, like id).
    # Empty on events recorded before sealing became asynchronous (migration 0018).
    pending_id: int | None = Field(default=None, sa_type=BigInteger, unique=True, index=True)


class AuditPending(SQLModel, table=True):
    """An event recorded in the caller's transaction and not yet linked into the chain.

    Writing one takes no shared lock (ADR 0007, update of issue 8): the sealer numbers and
    hashes committed pending rows into `audit_event` later, in id order. Rows are never
    updated; sealed ones may be deleted by housekeeping after a few days (migration 0018's
    triggers refuse UPDATE, and on PostgreSQL the DELETE of a row not yet sealed).
    """

    __tablename__ = "audit_pending"

    # 64-bit on PostgreSQL (millions of events a day); SQLite autoincrements only INTEGER keys.
    id: int | None = Field(default=None, primary_key=True, sa_type=PENDING_ID_TYPE)
    at: datetime = Field(default_factory=utcnow, sa_type=AwareDateTime, index=True)
    actor: str = Field(max_length=64)
    action: str = Field(max_length=64)
    object_type: str = Field(max_length=32)
    object_id: str = Field(max_length=64)
    details: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))


class AuditChainHead(SQLModel, table=True):
    """Where a day's stretch of the chain starts and ends; the head hash is what gets published."""

    __tablename__ = "audit_chain_head"

    day: date = Field(primary_key=True)
    first_seq: int = Field(sa_type=BigInteger)
    last_seq: int = Field(sa_type=BigInteger)
    event_count: int
    head_hash: str = Field(max_length=64)
    prev_day_head: str = Field(max_length=64)  # the hash this day's first event links to
    updated_at: datetime = Field(default_factory=utcnow, sa_type=AwareDateTime)


class AuditChainTail(SQLModel, table=True):
    """The end of the chain: one row, locked by every writer so no two link to one predecessor."""

    __tablename__ = "audit_chain_tail"

    id: int = Field(default=TAIL_ID, primary_key=True)
    last_seq: int = Field(default=0, sa_type=BigInteger)
    last_hash: str = Field(default=GENESIS_HASH, max_length=64)
    last_day: date | None = None
    updated_at: datetime = Field(default_factory=utcnow, sa_type=AwareDateTime)
