"""Twenty writers at once: they never wait on each other (recording takes no lock), and sealing
links every event to a different predecessor (no fork)."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy.engine import Engine
from sqlmodel import Session, func, select

from services.audit import verify as verify_module
from services.audit.models import AuditChainHead, AuditEvent
from services.audit.service import record_event, seal_all
from services.audit.verify import verify_chain

WRITERS = 20
EVENTS_EACH = 5


def test_twenty_parallel_writers_make_one_unforked_chain(db: Session, clean_engine: Engine):
    record_event(db, actor="system", action="test.start", object_type="t", object_id=0)
    db.commit()
    barrier = threading.Barrier(WRITERS)

    def writer(number: int) -> None:
        # Released together; the pool (fewer connections than writers) then hands them out.
        barrier.wait(timeout=30)
        with Session(clean_engine, expire_on_commit=False) as session:
            # A read first, as request handlers do: it must not pin an old view of the tail.
            session.exec(select(func.count()).select_from(AuditEvent)).one()
            for index in range(EVENTS_EACH):
                record_event(
                    session,
                    actor=f"officer:{number}",
                    action="petition.view",
                    object_type="petition",
                    object_id=f"{number}-{index}",
                )
            session.commit()

    with ThreadPoolExecutor(WRITERS) as pool:
        for future in [pool.submit(writer, n) for n in range(WRITERS)]:
            future.result(timeout=120)
    # Sealing after commit skips when another sealer holds the tail: a last pass seals the
    # rows such a sealer had not seen yet (a worker does this every second).
    seal_all(clean_engine)

    total = 1 + WRITERS * EVENTS_EACH
    events = db.exec(select(AuditEvent).order_by(AuditEvent.seq)).all()
    assert [e.seq for e in events] == list(range(1, total + 1))
    assert len({e.prev_hash for e in events}) == total  # no two events share a predecessor
    head = db.exec(select(AuditChainHead)).one()
    assert head.event_count == total and head.head_hash == events[-1].hash
    report = verify_chain(db)
    assert report.ok, report.summary()
    assert report.events == total


def test_events_appended_during_a_walk_do_not_look_like_tampering(
    db: Session, clean_engine: Engine, monkeypatch
):
    for index in range(5):
        record_event(db, actor="system", action="a", object_type="t", object_id=index)
    db.commit()
    db.close()  # a fresh session, as `portal audit verify` uses
    original = verify_module.event_hash
    appended = []

    def hash_while_someone_appends(**fields):  # type: ignore[no-untyped-def]
        if not appended:
            with Session(clean_engine) as other:
                appended.append(
                    record_event(other, actor="system", action="b", object_type="t", object_id=9)
                )
                other.commit()
        return original(**fields)

    monkeypatch.setattr(verify_module, "event_hash", hash_while_someone_appends)
    report = verify_chain(db, batch_size=2)
    assert appended and report.ok, report.summary()
    assert report.events == 5  # the walk saw the chain as it was when it started
