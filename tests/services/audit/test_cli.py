"""`portal audit verify` and `show`, and the admin commands that write audit events."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlmodel import Session
from typer.testing import CliRunner

from portal.cli import app
from portal.settings import get_settings
from services.audit.service import list_events_for
from tests.services.audit.support import record_many, tampering


@pytest.fixture
def portal(monkeypatch, tmp_path, database_url, clean_engine):  # type: ignore[no-untyped-def]
    """Runs `portal …` against the test database."""
    monkeypatch.setenv("PORTAL_DATA_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("PORTAL_DATABASE_URL", database_url)

    def run(*args: str):  # type: ignore[no-untyped-def]
        get_settings.cache_clear()
        try:
            return CliRunner().invoke(app, list(args))
        finally:
            get_settings.cache_clear()

    return run


def test_verify_an_intact_chain_exits_0_with_the_counts(db: Session, portal):
    record_many(db, 7)
    result = portal("audit", "verify")
    assert result.exit_code == 0, result.output
    assert "audit chain intact: 7 events over 1 day" in result.output


def test_verify_names_the_first_broken_event_and_exits_1(db: Session, portal, clean_engine):
    events = record_many(db, 5)
    with tampering(clean_engine) as conn:
        conn.execute(
            text("UPDATE audit_event SET object_id = 'other' WHERE id = :id"), {"id": events[1].id}
        )
    result = portal("audit", "verify")
    assert result.exit_code == 1
    assert f"event {events[1].id}" in result.output
    assert f"day {events[1].day.isoformat()}" in result.output and "seq 2" in result.output
    assert "hash does not match its contents" in result.output


def test_show_prints_one_objects_trail(db: Session, portal):
    record_many(db, 3)
    result = portal("audit", "show", "--object", "petition:p-1")
    assert result.exit_code == 0, result.output
    assert "test.event petition:p-1" in result.output and "1 events" in result.output


def test_officer_and_kiosk_admin_commands_are_audited(db: Session, portal):
    result = portal("officers", "add", "1509900456789", "dopa", "--role", "supervisor")
    assert result.exit_code == 0, result.output
    officer_id = result.output.split()[1].rstrip(":")
    result = portal("kiosks", "add", "--name", "K1", "--location", "Office", "--agency", "dopa")
    assert result.exit_code == 0, result.output
    assert "activation code" in result.output
    kiosk_id = result.output.split()[1].rstrip(":")
    assert portal("kiosks", "disable", kiosk_id).exit_code == 0

    officer_trail = list_events_for(db, object_type="officer", object_id=officer_id)
    assert [(e.actor, e.action) for e in officer_trail] == [("cli", "officer.add")]
    assert officer_trail[0].details == {"agency": "dopa", "roles": ["supervisor"], "office": None}
    kiosk_trail = list_events_for(db, object_type="kiosk", object_id=kiosk_id)
    assert [e.action for e in kiosk_trail] == ["kiosk.add", "kiosk.disable"]
    assert portal("audit", "verify").exit_code == 0


def test_heads_prints_each_days_head_hash_to_publish(db: Session, portal):
    events = record_many(db, 4)
    result = portal("audit", "heads", "--days", "3")
    assert result.exit_code == 0, result.output
    assert f"{events[0].day.isoformat()}  seq 1-4  4 events  {events[-1].hash}" in result.output


def test_kiosks_add_prints_a_code_that_activates_the_kiosk_and_disable_ends_it(db: Session, portal):
    from identity.kiosks import service as kiosks

    out = portal("kiosks", "add", "--name", "Kiosk 1", "--location", "Office", "--agency", "dopa")
    assert out.exit_code == 0, out.output
    code = out.output.split()[-1]
    credential = kiosks.activate_kiosk(db, activation_code=code)
    device = kiosks.authenticate_device(db, credential)
    db.commit()

    disabled = portal("kiosks", "disable", str(device.id))
    assert disabled.output.strip().endswith("Kiosk 1 · Office")
    db.expire_all()
    assert kiosks.authenticate_device(db, credential) is None


def test_verify_seals_waiting_events_and_exits_3_when_they_waited_too_long(db: Session, portal):
    from datetime import timedelta

    from portal.db import utcnow
    from services.audit import service as audit

    audit.seal_after_commit(False)
    try:
        an_hour_ago = utcnow() - timedelta(hours=1)
        audit.record_event(db, actor="s", action="a", object_type="t", object_id=1, at=an_hour_ago)
        db.commit()
    finally:
        audit.seal_after_commit(True)
    result = portal("audit", "verify", "--no-seal")
    assert result.exit_code == 3, result.output
    assert "audit chain intact: 0 events" in result.output
    assert "1 older than 5 min" in result.output and "is a worker running?" in result.output
    result = portal("audit", "verify")
    assert result.exit_code == 3 and "1 event over 1 day" in result.output  # sealed now
    result = portal("audit", "verify")
    assert result.exit_code == 0 and "no events waiting to be sealed" in result.output
