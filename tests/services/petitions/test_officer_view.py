"""The officer's one-screen view: only the task's fields, each look logged for the citizen."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import select

from identity.officers.errors import OtherAgencyError
from services.exchange.models import DataAccess
from services.petitions import officer_view
from services.petitions.errors import PetitionNotFoundError
from services.petitions.officer_view import open_petition_for_officer
from tests.services.petitions.queue_helpers import (
    NOW,
    Recorder,
    make_citizen,
    make_officer,
    make_petition,
)


@pytest.fixture
def recorder(monkeypatch):
    recorder = Recorder()
    monkeypatch.setattr(officer_view, "record_event", recorder)
    return recorder


@pytest.fixture
def petition(db):
    citizen = make_citizen(db)
    petition = make_petition(
        db,
        citizen,
        answers={"house_id": "10100000001", "new_address": "1 Thanon Silom", "moved_on": "x"},
        evidence={
            "dopa.population": {"address": "old home", "house_id": "1", "given_name_th": "secret"}
        },
        due_in=0,
    )
    db.commit()
    return petition


def test_it_shows_only_the_fields_the_definition_asks_for(db, petition, recorder):
    officer = make_officer(db, "dopa")
    view = open_petition_for_officer(db, officer=officer, petition_id=petition.id, now=NOW)
    assert [a.name for a in view.answers] == ["house_id", "new_address", "moved_on"]
    assert view.answers[0].label.en == "House code of the new home"
    shown = {v.name: v.value for e in view.evidence for v in e.values}
    assert shown == {"dopa.population.address": "old home", "dopa.population.house_id": "1"}
    assert "secret" not in str(view.fields_shown)
    assert view.deadline == "near" and view.holder is None


def test_opening_is_logged_once_an_hour_for_the_citizen_and_every_time_in_the_audit(
    db, petition, recorder
):
    officer = make_officer(db, "dopa")
    for minutes in (0, 10, 59, 61):
        open_petition_for_officer(
            db, officer=officer, petition_id=petition.id, now=NOW + timedelta(minutes=minutes)
        )
    db.commit()
    rows = db.exec(select(DataAccess).where(DataAccess.petition_id == petition.id)).all()
    assert len(rows) == 2
    row = rows[0]
    assert row.citizen_id == petition.citizen_id and row.agency == "dopa"
    assert row.dataset == "portal.petition" and row.accessed_by == f"officer:{officer.id}"
    assert row.purpose_en == "Officer review of your petition" and row.purpose_th
    assert "dopa.population.address" in row.fields and "house_id" in row.fields
    assert recorder.actions() == ["petition.view"] * 4
    other = make_officer(db, "dopa")
    open_petition_for_officer(db, officer=other, petition_id=petition.id, now=NOW)
    assert len(db.exec(select(DataAccess)).all()) == 3  # another officer's look is its own


def test_another_agency_gets_403_and_an_unknown_petition_404(db, petition, recorder):
    with pytest.raises(OtherAgencyError):
        open_petition_for_officer(
            db, officer=make_officer(db, "dol"), petition_id=petition.id, now=NOW
        )
    with pytest.raises(PetitionNotFoundError):
        open_petition_for_officer(
            db, officer=make_officer(db, "dopa"), petition_id="missing", now=NOW
        )
    assert db.exec(select(DataAccess)).all() == [] and recorder.events == []
