"""Claims, assignment and release: one holder per petition, decided by the database."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlmodel import Session

from identity.officers.errors import OtherAgencyError, RoleRequiredError
from identity.officers.models import Officer
from services.petitions import claims
from services.petitions.claims import (
    AlreadyClaimedError,
    AssigneeInvalidError,
    assign_petition,
    claim_next_petition,
    claim_petition,
    release_petition,
    release_stale_claims,
    require_claim,
)
from services.petitions.errors import NotClaimedError, PetitionNotFoundError
from services.petitions.models import Petition, PetitionState
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
    monkeypatch.setattr(claims, "record_event", recorder)
    return recorder


@pytest.fixture
def setup(db):
    citizen = make_citizen(db)
    first = make_officer(db, "dopa")
    second = make_officer(db, "dopa")
    petition = make_petition(db, citizen)
    db.commit()
    return citizen, first, second, petition


class TestClaimPetition:
    def test_the_first_claim_wins_and_the_second_is_told_another_officer_holds_it(
        self, db, setup, recorder
    ):
        _c, first, second, petition = setup
        claimed = claim_petition(db, officer=first, petition_id=petition.id, now=NOW)
        db.commit()
        assert claimed.assigned_officer_id == first.id and claimed.claim_active_at == NOW
        with pytest.raises(AlreadyClaimedError) as err:
            claim_petition(db, officer=second, petition_id=petition.id, now=NOW)
        assert err.value.status_code == 409 and "another officer" in err.value.message_en.lower()
        assert "เจ้าหน้าที่ท่านอื่น" in err.value.message_th
        assert recorder.events[0]["actor"] == f"officer:{first.id}"
        assert recorder.actions() == ["petition.claim"]

    def test_claiming_again_keeps_the_claim_alive(self, db, setup, recorder):
        _c, first, _second, petition = setup
        claim_petition(db, officer=first, petition_id=petition.id, now=NOW)
        later = NOW + timedelta(minutes=30)
        again = claim_petition(db, officer=first, petition_id=petition.id, now=later)
        assert again.claim_active_at == later and again.claimed_at == NOW

    def test_a_stale_claim_can_be_taken_over(self, db, setup, recorder):
        _c, first, second, petition = setup
        claim_petition(db, officer=first, petition_id=petition.id, now=NOW - timedelta(hours=3))
        db.commit()
        taken = claim_petition(db, officer=second, petition_id=petition.id, now=NOW)
        assert taken.assigned_officer_id == second.id

    def test_a_supplement_request_keeps_its_officer_however_long_the_citizen_takes(
        self, db, setup, recorder
    ):
        _c, first, second, petition = setup
        claim_petition(db, officer=first, petition_id=petition.id, now=NOW - timedelta(days=3))
        petition.state = PetitionState.SUPPLEMENT_REQUESTED
        db.add(petition)
        db.commit()
        with pytest.raises(AlreadyClaimedError):
            claim_petition(db, officer=second, petition_id=petition.id, now=NOW)

    def test_other_agencies_and_unknown_petitions_are_refused(self, db, setup, recorder):
        _c, _first, _second, petition = setup
        stranger = make_officer(db, "dol")
        with pytest.raises(OtherAgencyError):
            claim_petition(db, officer=stranger, petition_id=petition.id, now=NOW)
        with pytest.raises(PetitionNotFoundError):
            claim_petition(db, officer=stranger, petition_id="nope", now=NOW)

    def test_require_claim_refuses_an_officer_without_the_claim_and_touches_the_holder(
        self, db, setup, recorder
    ):
        _c, first, second, petition = setup
        with pytest.raises(NotClaimedError):
            require_claim(db, first, petition)
        claim_petition(db, officer=first, petition_id=petition.id, now=NOW - timedelta(hours=1))
        with pytest.raises(NotClaimedError):
            require_claim(db, second, petition)
        require_claim(db, first, petition)
        assert petition.claim_active_at > NOW - timedelta(hours=1)


class TestAssignAndRelease:
    def test_a_supervisor_assigns_to_an_active_officer_of_the_agency(self, db, setup, recorder):
        _c, first, second, petition = setup
        boss = make_officer(db, "dopa", roles=["supervisor"])
        claim_petition(db, officer=first, petition_id=petition.id, now=NOW)
        assign_petition(db, by=boss, petition_id=petition.id, officer_id=second.id, now=NOW)
        assert petition.assigned_officer_id == second.id
        assert recorder.events[-1]["details"] == {
            "officer_id": second.id,
            "previous_officer_id": first.id,
        }
        stranger = make_officer(db, "dol")
        with pytest.raises(AssigneeInvalidError):
            assign_petition(db, by=boss, petition_id=petition.id, officer_id=stranger.id, now=NOW)
        second.active = False
        db.add(second)
        with pytest.raises(AssigneeInvalidError):
            assign_petition(db, by=boss, petition_id=petition.id, officer_id=second.id, now=NOW)

    def test_a_plain_officer_cannot_assign(self, db, setup, recorder):
        _c, first, second, petition = setup
        with pytest.raises(RoleRequiredError):
            assign_petition(db, by=first, petition_id=petition.id, officer_id=second.id, now=NOW)

    def test_the_holder_or_a_supervisor_releases_others_cannot(self, db, setup, recorder):
        _c, first, second, petition = setup
        claim_petition(db, officer=first, petition_id=petition.id, now=NOW)
        with pytest.raises(NotClaimedError):
            release_petition(db, officer=second, petition_id=petition.id, now=NOW)
        release_petition(db, officer=first, petition_id=petition.id, now=NOW)
        assert petition.assigned_officer_id is None
        claim_petition(db, officer=second, petition_id=petition.id, now=NOW)
        boss = make_officer(db, "dopa", roles=["agency_admin"])
        release_petition(db, officer=boss, petition_id=petition.id, now=NOW)
        assert petition.assigned_officer_id is None
        assert recorder.actions() == [
            "petition.claim",
            "petition.release",
            "petition.claim",
            "petition.release",
        ]


class TestStaleRelease:
    def test_idle_claims_go_back_to_the_pool_with_an_audit_event(
        self, db, clean_engine, setup, recorder
    ):
        citizen, first, second, petition = setup
        fresh = make_petition(db, citizen)
        waiting = make_petition(db, citizen, state=PetitionState.SUPPLEMENT_REQUESTED)
        db.commit()
        old = NOW - timedelta(hours=2, minutes=1)
        claim_petition(db, officer=first, petition_id=petition.id, now=old)
        claim_petition(db, officer=second, petition_id=fresh.id, now=NOW - timedelta(hours=1))
        claim_petition(db, officer=first, petition_id=waiting.id, now=old)
        db.commit()
        recorder.events.clear()
        assert release_stale_claims(clean_engine, None, now=NOW) == 1
        assert release_stale_claims(clean_engine, None, now=NOW) == 0
        with Session(clean_engine) as fresh_db:
            assert fresh_db.get(Petition, petition.id).assigned_officer_id is None
            assert fresh_db.get(Petition, fresh.id).assigned_officer_id == second.id
            assert fresh_db.get(Petition, waiting.id).assigned_officer_id == first.id
        assert recorder.events == [
            {
                "actor": "system",
                "action": "petition.release",
                "object_type": "petition",
                "object_id": petition.id,
                "details": {"previous_officer_id": first.id, "reason": "inactive"},
            }
        ]

    def test_the_housekeeping_runs_it(self):
        from services.petitions.housekeeping import _tasks

        assert release_stale_claims in _tasks()


class TestNextPetition:
    def test_next_claims_the_earliest_due_free_petition(self, db, setup, recorder):
        citizen, first, second, petition = setup  # due in 5 days
        soon = make_petition(db, citizen, due_in=1)
        sooner_but_held = make_petition(db, citizen, due_in=0)
        undated = make_petition(db, citizen, due_in=None)
        make_petition(db, citizen, due_in=-1, state=PetitionState.SUPPLEMENT_REQUESTED)
        db.commit()
        claim_petition(db, officer=second, petition_id=sooner_but_held.id, now=NOW)
        db.commit()
        got = [claim_next_petition(db, officer=first, now=NOW) for _ in range(4)]
        assert [p.id if p else None for p in got] == [soon.id, petition.id, undated.id, None]
        assert all(p.assigned_officer_id == first.id for p in got if p)


def test_twenty_parallel_claims_have_exactly_one_winner(clean_engine, setup):
    """The issue's proof: 20 officers press "Claim" on one petition at the same moment."""
    _c, _first, _second, petition = setup
    with Session(clean_engine) as db:
        officer_ids = [make_officer(db, "dopa").id for _ in range(20)]
        db.commit()
    barrier = threading.Barrier(20)
    outcomes: list[str] = []
    lock = threading.Lock()

    def press(officer_id: int) -> None:
        with Session(clean_engine, expire_on_commit=False) as db:
            officer = db.get(Officer, officer_id)
            db.commit()  # the officer is loaded; the claim starts from a fresh transaction
            barrier.wait()
            try:
                claim_petition(db, officer=officer, petition_id=petition.id, now=NOW)
                db.commit()
                result = "won"
            except AlreadyClaimedError:
                db.rollback()
                result = "lost"
            except Exception as exc:  # pragma: no cover - shown in the assertion
                db.rollback()
                result = repr(exc)
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=press, args=(i,)) for i in officer_ids]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert sorted(outcomes) == ["lost"] * 19 + ["won"]
    with Session(clean_engine) as db:
        assert db.get(Petition, petition.id).assigned_officer_id in officer_ids
