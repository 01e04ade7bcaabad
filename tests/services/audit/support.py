"""Helpers for audit tests: record events, and tamper with rows as an attacker would."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Connection, text
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from services.audit.models import AuditEvent, AuditPending
from services.audit.service import record_event, seal_all

# The trigger of migration 0010 on SQLite (SQLite cannot disable a trigger, only drop it).
SQLITE_TRIGGER = """
CREATE TRIGGER audit_event_append_only BEFORE UPDATE ON audit_event
BEGIN
    SELECT RAISE(ABORT, 'audit_event is append-only: UPDATE refused');
END
"""


def sealed(db: Session, *pending: AuditPending) -> list[AuditEvent]:
    """Commits, seals everything pending, and returns the events that sealed these rows."""
    db.commit()
    seal_all(db.get_bind())  # type: ignore[arg-type]
    ids = [row.id for row in pending]
    events = db.exec(
        select(AuditEvent)
        .where(col(AuditEvent.pending_id).in_(ids))
        .execution_options(populate_existing=True)
    ).all()
    by_pending = {event.pending_id: event for event in events}
    return [by_pending[i] for i in ids]


def record_many(db: Session, count: int, **overrides: object) -> list[AuditEvent]:
    """Records `count` events, commits and seals them; returns the sealed events in order."""
    pending = [
        record_event(
            db,
            **{  # type: ignore[arg-type]
                "actor": "system",
                "action": "test.event",
                "object_type": "petition",
                "object_id": f"p-{index}",
                "details": {"n": index, "note": "ทดสอบ"},
                **overrides,
            },
        )
        for index in range(count)
    ]
    return sealed(db, *pending)


@contextmanager
def tampering(engine: Engine) -> Iterator[Connection]:
    """A connection with the append-only trigger out of the way, as a table owner could do."""
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(text("ALTER TABLE audit_event DISABLE TRIGGER audit_event_append_only"))
            yield conn
            conn.execute(text("ALTER TABLE audit_event ENABLE TRIGGER audit_event_append_only"))
        else:
            conn.execute(text("DROP TRIGGER audit_event_append_only"))
            yield conn
            conn.execute(text(SQLITE_TRIGGER))
