"""Asynchronous sealing: recording takes no lock, sealers link committed events exactly once."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DatabaseError
from sqlmodel import Session, select

from portal.db import utcnow
from services.audit import service as audit
from services.audit.models import AuditEvent, AuditPending
from services.audit.service import prune_sealed_pending, record_event, seal_all, seal_pending
from services.audit.verify import pending_backlog, verify_chain

# The trigger of migration 0018 on SQLite (SQLite cannot disable a trigger, only drop it).
PENDING_SQLITE_TRIGGER = """
CREATE TRIGGER audit_pending_guard BEFORE UPDATE ON audit_pending
BEGIN
    SELECT RAISE(ABORT, 'audit_pending is append-only: UPDATE refused');
END
"""


@pytest.fixture
def no_seal_after_commit():  # type: ignore[no-untyped-def]
    audit.seal_after_commit(False)
    yield
    audit.seal_after_commit(True)


def _record(db: Session, object_id: object, **extra: object) -> AuditPending:
    return record_event(
        db, actor="system", action="test.event", object_type="t", object_id=str(object_id), **extra
    )  # type: ignore[arg-type]


def test_recording_writes_only_a_pending_row_until_sealed(
    db: Session, clean_engine: Engine, no_seal_after_commit
):
    _record(db, 1)
    db.commit()
    assert db.exec(select(AuditEvent)).all() == []
    assert pending_backlog(db, now=utcnow()).waiting == 1
    assert seal_pending(clean_engine) == 1
    assert seal_pending(clean_engine) == 0  # nothing is sealed twice
    [event] = db.exec(select(AuditEvent)).all()
    assert event.seq == 1 and event.pending_id is not None
    assert verify_chain(db).ok


def test_a_commit_seals_its_events_right_after_when_enabled(db: Session):
    _record(db, 1)
    db.commit()
    assert [e.object_id for e in db.exec(select(AuditEvent))] == ["1"]


def test_a_rolled_back_recording_leaves_nothing_to_seal(db: Session, clean_engine: Engine):
    _record(db, 1)
    db.rollback()
    assert seal_all(clean_engine) == 0 and db.exec(select(AuditPending)).all() == []


def test_a_row_committed_late_with_a_lower_id_is_sealed_in_a_later_batch(
    db: Session, clean_engine: Engine, no_seal_after_commit
):
    if clean_engine.dialect.name != "postgresql":
        pytest.skip("SQLite has one writer: a later id cannot commit before an earlier one")
    with Session(clean_engine) as slow:
        early = _record(slow, "early")  # lower id, committed last
        with Session(clean_engine) as quick:
            _record(quick, "late")
            quick.commit()
        assert seal_pending(clean_engine) == 1
        slow.commit()
        early_id = early.id
    assert seal_pending(clean_engine) == 1
    events = db.exec(select(AuditEvent).order_by(AuditEvent.seq)).all()
    assert [e.object_id for e in events] == ["late", "early"] and events[1].pending_id == early_id
    assert verify_chain(db).ok


def test_four_concurrent_sealers_seal_every_row_exactly_once(
    db: Session, clean_engine: Engine, no_seal_after_commit
):
    for batch in range(10):
        for index in range(30):
            _record(db, f"{batch}-{index}")
        db.commit()
    barrier = threading.Barrier(4)

    def sealer() -> int:
        barrier.wait(timeout=30)
        return seal_all(clean_engine, limit=7)

    with ThreadPoolExecutor(4) as pool:
        counts = [f.result(timeout=120) for f in [pool.submit(sealer) for _ in range(4)]]
    assert sum(counts) == 300
    events = db.exec(select(AuditEvent).order_by(AuditEvent.seq)).all()
    assert [e.seq for e in events] == list(range(1, 301))
    assert len({e.pending_id for e in events}) == 300
    assert verify_chain(db).ok


def test_a_writer_holding_its_transaction_open_does_not_block_another(
    clean_engine: Engine, db: Session
):
    if clean_engine.dialect.name != "postgresql":
        pytest.skip("SQLite has a single write lock for the whole database")
    with Session(clean_engine) as writer_a:
        _record(writer_a, "a")  # A's transaction stays open (as a slow request would)

        def writer_b() -> None:
            with Session(clean_engine) as session:
                session.execute(text("SET lock_timeout = '2s'"))
                _record(session, "b")
                session.commit()

        with ThreadPoolExecutor(1) as pool:
            pool.submit(writer_b).result(timeout=5)  # raises if B waited on A
        assert [e.object_id for e in db.exec(select(AuditEvent))] == ["b"]  # sealed after commit
        writer_a.commit()
    seal_all(clean_engine)
    assert sorted(e.object_id for e in db.exec(select(AuditEvent))) == ["a", "b"]
    assert verify_chain(db).ok


def test_verify_reports_a_pending_row_changed_after_sealing(db: Session, clean_engine: Engine):
    _record(db, 1)
    _record(db, 2)
    db.commit()
    seal_all(clean_engine)
    with clean_engine.begin() as conn:
        if clean_engine.dialect.name == "postgresql":
            conn.execute(text("ALTER TABLE audit_pending DISABLE TRIGGER audit_pending_guard"))
        else:
            conn.execute(text("DROP TRIGGER audit_pending_guard"))
        conn.execute(text("UPDATE audit_pending SET actor = 'officer:666' WHERE object_id = '2'"))
        if clean_engine.dialect.name == "postgresql":
            conn.execute(text("ALTER TABLE audit_pending ENABLE TRIGGER audit_pending_guard"))
        else:
            conn.execute(text(PENDING_SQLITE_TRIGGER))
    report = verify_chain(db)
    assert not report.ok and report.first_break is not None
    assert report.first_break.seq == 2 and "actor" in report.first_break.problem


def test_verify_counts_events_waiting_too_long(
    db: Session, clean_engine: Engine, no_seal_after_commit
):
    _record(db, "old", at=utcnow() - timedelta(minutes=10))
    _record(db, "new")
    db.commit()
    backlog = pending_backlog(db, now=utcnow(), older_than=timedelta(minutes=5))
    assert (backlog.waiting, backlog.stale) == (2, 1)
    assert "is a worker running?" in backlog.summary(timedelta(minutes=5))


def test_the_database_refuses_to_update_a_pending_row(db: Session, clean_engine: Engine):
    _record(db, 1)
    db.commit()
    with pytest.raises(DatabaseError, match="append-only"):
        with clean_engine.begin() as conn:
            conn.execute(text("UPDATE audit_pending SET actor = 'x'"))


def test_postgresql_deletes_only_sealed_pending_rows(
    db: Session, clean_engine: Engine, no_seal_after_commit
):
    if clean_engine.dialect.name != "postgresql":
        pytest.skip("SQLite keeps DELETE (the suite empties tables with it)")
    _record(db, 1)
    db.commit()
    with pytest.raises(DatabaseError, match="only sealed rows"):
        with clean_engine.begin() as conn:
            conn.execute(text("DELETE FROM audit_pending"))
    seal_all(clean_engine)
    with clean_engine.begin() as conn:
        assert conn.execute(text("DELETE FROM audit_pending")).rowcount == 1


def test_housekeeping_prunes_only_old_sealed_rows(
    db: Session, clean_engine: Engine, no_seal_after_commit
):
    _record(db, "sealed-old", at=utcnow() - timedelta(days=3))
    db.commit()
    seal_all(clean_engine)
    _record(db, "unsealed-old", at=utcnow() - timedelta(days=3))
    _record(db, "sealed-new")
    db.commit()
    assert prune_sealed_pending(clean_engine) == 1
    left = sorted(p.object_id for p in db.exec(select(AuditPending)))
    assert left == ["sealed-new", "unsealed-old"]
    assert verify_chain(db).ok


def test_a_running_worker_seals_within_about_a_second(
    db: Session, clean_engine: Engine, no_seal_after_commit
):
    import time

    from services.petitions.housekeeping import _tasks
    from services.petitions.worker import BackgroundWorker

    assert audit.seal_audit_events in _tasks() and prune_sealed_pending in _tasks()
    worker = BackgroundWorker(clean_engine, None, poll_seconds=5)  # type: ignore[arg-type]
    worker.start()
    try:
        time.sleep(0.3)  # past its first round: this event waits for the next one
        _record(db, "w")
        db.commit()
        deadline = time.monotonic() + 5
        while not db.exec(select(AuditEvent)).all() and time.monotonic() < deadline:
            time.sleep(0.1)
        waited = 5 - (deadline - time.monotonic())
    finally:
        worker.stop()
    assert [e.object_id for e in db.exec(select(AuditEvent))] == ["w"]
    assert waited < 2.5  # sealed on the 1 s round, not the 5 s poll
