"""Workers: exactly one wins a claim, leases expire, failures end with an officer, and every
step's logs survive what happens after it."""

from __future__ import annotations

import threading
from datetime import timedelta

from sqlalchemy import update
from sqlmodel import Session, select

from portal.db import utcnow
from services.exchange.models import DataAccess, ExchangeMessage
from services.petitions import worker
from services.petitions.models import JobState, Petition, PetitionJob, PetitionState
from services.petitions.worker import claim_next_job, run_next_job, run_until_idle
from tests.services.petitions.factories import (
    context_for,
    create_citizen,
    create_petition,
    population_answer,
    registry_answering,
)


class TestClaim:
    def test_exactly_one_of_eight_concurrent_workers_wins(self, db: Session, clean_engine, people):
        create_petition(db, create_citizen(db, people[0]))
        barrier = threading.Barrier(8)
        won = []

        def claim() -> None:
            barrier.wait()
            job = claim_next_job(clean_engine)
            if job is not None:
                won.append(job)

        threads = [threading.Thread(target=claim) for _ in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert len(won) == 1

    def test_a_job_whose_lease_ran_out_is_claimed_again(self, db: Session, clean_engine, people):
        create_petition(db, create_citizen(db, people[0]))
        first = claim_next_job(clean_engine)
        assert first is not None and claim_next_job(clean_engine) is None
        db.exec(update(PetitionJob).values(locked_until=utcnow() - timedelta(seconds=1)))
        db.commit()
        second = claim_next_job(clean_engine)
        assert second is not None and second.id == first.id and second.attempts == 2

    def test_a_worker_that_lost_its_lease_cannot_finish_the_job(
        self, db: Session, clean_engine, people
    ):
        create_petition(db, create_citizen(db, people[0]))
        stale = claim_next_job(clean_engine)
        db.exec(update(PetitionJob).values(locked_until=utcnow() - timedelta(seconds=1)))
        db.commit()
        assert claim_next_job(clean_engine) is not None  # another worker took over
        worker._finish(clean_engine, stale, done=True)
        db.expire_all()
        assert db.exec(select(PetitionJob)).one().state == JobState.RUNNING


def test_a_job_that_keeps_failing_goes_to_an_officer(
    db: Session, clean_engine, people, data_dir, monkeypatch
):
    petition = create_petition(db, create_citizen(db, people[0]))
    monkeypatch.setattr(worker, "MAX_ATTEMPTS", 2)

    def broken(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise RuntimeError("bug")

    monkeypatch.setattr(worker, "advance_petition", broken)
    ctx = context_for(registry_answering(population_answer(people[0])), data_dir)
    for _ in range(2):
        assert run_next_job(clean_engine, ctx)
        db.exec(update(PetitionJob).values(run_after=utcnow() - timedelta(seconds=1)))
        db.commit()
    assert not run_next_job(clean_engine, ctx)  # never claimed again
    db.expire_all()
    job = db.exec(select(PetitionJob)).one()
    assert job.state == JobState.FAILED and "RuntimeError: bug" in job.last_error
    assert db.get(Petition, petition.id).state == PetitionState.IN_REVIEW


def test_a_garbage_answer_sends_the_petition_to_review_and_keeps_the_logs(
    db: Session, clean_engine, people, data_dir
):
    petition = create_petition(db, create_citizen(db, people[0]))
    exchange = registry_answering(population_answer(people[0], moved_in_on="31/12/2560"))
    run_until_idle(clean_engine, context_for(exchange, data_dir))
    db.expire_all()
    assert db.get(Petition, petition.id).state == PetitionState.IN_REVIEW
    assert db.exec(select(PetitionJob)).one().state == JobState.DONE
    assert len(db.exec(select(ExchangeMessage)).all()) == 1
    assert len(db.exec(select(DataAccess)).all()) == 1


def test_a_good_answer_is_issued_once_even_if_the_job_runs_again(
    db: Session, clean_engine, people, data_dir
):
    petition = create_petition(db, create_citizen(db, people[0]))
    ctx = context_for(registry_answering(population_answer(people[0])), data_dir)
    run_until_idle(clean_engine, ctx)
    db.expire_all()
    number = db.get(Petition, petition.id).document_number
    assert number is not None
    db.exec(update(PetitionJob).values(state=JobState.PENDING, attempts=0))
    db.commit()
    run_until_idle(clean_engine, ctx)
    db.expire_all()
    assert db.get(Petition, petition.id).document_number == number
    assert len(db.exec(select(ExchangeMessage)).all()) == 1  # the registry was read once
