"""The audit chain: links, day heads, and what `verify_chain` reports when a row is touched."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DatabaseError
from sqlmodel import Session, select

from services.audit.models import GENESIS_HASH, AuditChainHead, AuditEvent
from services.audit.service import (
    chain_day,
    event_hash,
    hash_of,
    list_events_for,
    record_event,
)
from services.audit.verify import verify_chain
from tests.services.audit.support import record_many, sealed, tampering


def test_an_empty_chain_verifies(db: Session):
    report = verify_chain(db)
    assert report.ok and report.events == 0 and report.days == 0


def test_a_chain_of_events_verifies(db: Session):
    record_many(db, 25)
    report = verify_chain(db)
    assert report.ok, report.summary()
    assert (report.events, report.days) == (25, 1)
    assert "25 events over 1 day," in report.summary()


def test_each_event_links_to_the_hash_of_the_one_before(db: Session):
    events = record_many(db, 3)
    assert events[0].prev_hash == GENESIS_HASH and events[0].seq == 1
    assert [e.prev_hash for e in events[1:]] == [e.hash for e in events[:-1]]
    assert [e.seq for e in events] == [1, 2, 3]
    assert all(len(e.hash) == 64 and hash_of(e) == e.hash for e in events)


def test_the_hash_covers_every_field():
    fields = {
        "seq": 1,
        "day": date(2026, 11, 21),
        "at": datetime(2026, 11, 21, 3, 0, tzinfo=UTC),
        "actor": "officer:1",
        "action": "petition.claim",
        "object_type": "petition",
        "object_id": "p",
        "details": {"a": 1},
        "prev_hash": GENESIS_HASH,
    }
    base = event_hash(**fields)  # type: ignore[arg-type]
    changed = {
        "seq": 2,
        "day": date(2026, 11, 22),
        "at": datetime(2026, 11, 21, 3, 0, 1, tzinfo=UTC),
        "actor": "officer:2",
        "action": "petition.view",
        "object_type": "officer",
        "object_id": "q",
        "details": {"a": 2},
        "prev_hash": "1" * 64,
    }
    for name, value in changed.items():
        assert event_hash(**(fields | {name: value})) != base, name  # type: ignore[arg-type]


def test_details_are_stored_as_the_json_that_was_hashed(db: Session):
    [event] = sealed(
        db,
        record_event(
            db,
            actor="system",
            action="test.event",
            object_type="petition",
            object_id=42,
            details={"when": date(2026, 11, 21), "state": "approved", "ids": (1, 2)},
        ),
    )
    assert event.object_id == "42"
    assert event.details == {"when": "2026-11-21", "state": "approved", "ids": [1, 2]}
    assert verify_chain(db).ok


def test_a_day_starts_from_the_previous_days_head(db: Session):
    # Bangkok midnight is 17:00 UTC: these two events fall on two chain days.
    before = datetime(2026, 11, 21, 16, 59, 59, 999999, tzinfo=UTC)
    first = record_event(db, actor="system", action="a", object_type="t", object_id=1, at=before)
    second = record_event(
        db, actor="system", action="a", object_type="t", object_id=2, at=before + timedelta(6e-6)
    )
    first, second = sealed(db, first, second)
    assert (first.day, second.day) == (date(2026, 11, 21), date(2026, 11, 22))
    heads = db.exec(select(AuditChainHead).order_by(AuditChainHead.day)).all()
    assert [(h.day, h.event_count, h.first_seq, h.last_seq) for h in heads] == [
        (date(2026, 11, 21), 1, 1, 1),
        (date(2026, 11, 22), 1, 2, 2),
    ]
    assert heads[0].prev_day_head == GENESIS_HASH and heads[0].head_hash == first.hash
    assert heads[1].prev_day_head == first.hash == second.prev_hash
    report = verify_chain(db)
    assert report.ok and (report.events, report.days) == (2, 2)


def test_a_late_clock_never_moves_the_day_back(db: Session):
    late = datetime(2026, 11, 22, 1, 0, tzinfo=UTC)
    record_event(db, actor="s", action="a", object_type="t", object_id=1, at=late)
    behind = record_event(
        db, actor="s", action="a", object_type="t", object_id=2, at=late - timedelta(days=1)
    )
    [behind] = sealed(db, behind)
    assert behind.day == chain_day(late)
    assert verify_chain(db).ok


def test_verify_streams_in_small_batches(db: Session):
    record_many(db, 11)
    report = verify_chain(db, batch_size=3)
    assert report.ok and report.events == 11


def test_list_events_for_gives_one_objects_trail_in_order(db: Session):
    record_event(
        db, actor="officer:1", action="petition.claim", object_type="petition", object_id="x"
    )
    record_event(
        db, actor="officer:2", action="petition.view", object_type="petition", object_id="y"
    )
    record_event(
        db, actor="officer:1", action="petition.view", object_type="petition", object_id="x"
    )
    sealed(db)
    trail = list_events_for(db, object_type="petition", object_id="x")
    assert [e.action for e in trail] == ["petition.claim", "petition.view"]


def test_a_rolled_back_transaction_leaves_no_link(db: Session, clean_engine):
    record_many(db, 2)
    record_event(db, actor="s", action="gone", object_type="t", object_id=1)
    db.rollback()
    record_event(db, actor="s", action="kept", object_type="t", object_id=1)
    sealed(db)
    assert [e.seq for e in db.exec(select(AuditEvent).order_by(AuditEvent.seq))] == [1, 2, 3]
    assert verify_chain(db).ok


class TestTampering:
    def test_editing_one_rows_details_is_reported_at_that_event(self, db: Session, clean_engine):
        events = record_many(db, 10)
        target = events[4]
        with tampering(clean_engine) as conn:
            conn.execute(
                text("UPDATE audit_event SET details = :d WHERE id = :id"),
                {"d": '{"n": 4, "note": "altered"}', "id": target.id},
            )
        report = verify_chain(db)
        assert not report.ok
        broken = report.first_break
        assert broken is not None
        assert (broken.event_id, broken.seq, broken.day) == (target.id, 5, target.day)
        assert "hash does not match its contents" in broken.problem
        assert f"event {target.id}" in report.summary() and "seq 5" in report.summary()
        assert report.events == 4

    def test_editing_a_row_and_rehashing_it_is_reported_at_the_next_event(
        self, db: Session, clean_engine
    ):
        events = record_many(db, 6)
        target = events[2]
        forged = event_hash(
            seq=target.seq,
            day=target.day,
            at=target.at,
            actor="officer:666",
            action=target.action,
            object_type=target.object_type,
            object_id=target.object_id,
            details=target.details,
            prev_hash=target.prev_hash,
        )
        with tampering(clean_engine) as conn:
            conn.execute(
                text("UPDATE audit_event SET actor = 'officer:666', hash = :h WHERE id = :id"),
                {"h": forged, "id": target.id},
            )
        broken = verify_chain(db).first_break
        assert broken is not None
        assert broken.event_id == events[3].id
        assert "does not link" in broken.problem

    def test_deleting_a_middle_row_is_reported(self, db: Session, clean_engine):
        events = record_many(db, 8)
        with tampering(clean_engine) as conn:
            conn.execute(text("DELETE FROM audit_event WHERE id = :id"), {"id": events[3].id})
        broken = verify_chain(db).first_break
        assert broken is not None
        assert (broken.event_id, broken.seq) == (events[4].id, 5)
        assert "seq 4 missing" in broken.problem

    def test_deleting_the_last_row_is_reported(self, db: Session, clean_engine):
        events = record_many(db, 4)
        with tampering(clean_engine) as conn:
            conn.execute(text("DELETE FROM audit_event WHERE id = :id"), {"id": events[-1].id})
        broken = verify_chain(db).first_break
        assert broken is not None and broken.event_id == events[-2].id
        assert "day head" in broken.problem

    def test_deleting_a_whole_day_is_reported(self, db: Session, clean_engine):
        first_day = datetime(2026, 11, 20, 3, 0, tzinfo=UTC)
        record_event(db, actor="s", action="a", object_type="t", object_id=1, at=first_day)
        last = record_event(
            db, actor="s", action="a", object_type="t", object_id=2, at=first_day + timedelta(1)
        )
        [last] = sealed(db, last)
        with tampering(clean_engine) as conn:
            conn.execute(text("DELETE FROM audit_event WHERE id = :id"), {"id": last.id})
        broken = verify_chain(db).first_break
        assert broken is not None and broken.day == last.day and broken.seq == 2
        assert "no events" in broken.problem

    def test_tampering_a_day_head_is_reported(self, db: Session, clean_engine):
        events = record_many(db, 3)
        with tampering(clean_engine) as conn:
            conn.execute(text("UPDATE audit_chain_head SET head_hash = :h"), {"h": "f" * 64})
        broken = verify_chain(db).first_break
        assert broken is not None
        assert (broken.event_id, broken.day) == (events[-1].id, events[-1].day)
        assert "head hash does not match" in broken.problem

    def test_the_database_refuses_to_update_an_event(self, db: Session, clean_engine):
        events = record_many(db, 1)
        with pytest.raises(DatabaseError, match="append-only"):
            with clean_engine.begin() as conn:
                conn.execute(
                    text("UPDATE audit_event SET actor = 'x' WHERE id = :id"), {"id": events[0].id}
                )

    def test_postgresql_refuses_to_delete_an_event(self, db: Session, clean_engine):
        if clean_engine.dialect.name != "postgresql":
            pytest.skip("SQLite keeps DELETE (the suite empties tables with it); verify finds it")
        events = record_many(db, 1)
        with pytest.raises(DatabaseError, match="append-only"):
            with clean_engine.begin() as conn:
                conn.execute(text("DELETE FROM audit_event WHERE id = :id"), {"id": events[0].id})
