"""Filing a petition: one transaction, all or nothing, once per idempotency key."""

from __future__ import annotations

import pytest
from sqlmodel import Session, select

from identity.models import Citizen
from services.catalogue.service import get_catalogue
from services.petitions.errors import ConsentRequiredError, IdempotencyConflictError
from services.petitions.models import Consent, Petition, PetitionJob
from services.petitions.service import submit_petition

SERVICE = "dopa.residence-certificate"


def create_citizen(db: Session, **overrides) -> Citizen:  # type: ignore[no-untyped-def]
    citizen = Citizen(
        **{"national_id": "3103900123458", "subject": "s", "issuer": "i", "ial": 2.3, **overrides}
    )
    db.add(citizen)
    db.commit()
    return citizen


def submit(db: Session, citizen: Citizen, **overrides) -> Petition:  # type: ignore[no-untyped-def]
    arguments = {
        "citizen": citizen,
        "service": get_catalogue().get(SERVICE),
        "consented_datasets": ["dopa.population"],
        "answers": {"purpose": "bank"},
        "channel": "web",
        "idempotency_key": "k",
    } | overrides
    return submit_petition(db, **arguments)


def test_nothing_is_visible_to_others_before_the_caller_commits(db: Session, clean_engine):
    citizen = create_citizen(db)
    submit(db, citizen)
    with Session(clean_engine) as other:
        assert other.exec(select(Petition)).all() == []
    db.rollback()
    assert db.exec(select(Petition)).all() == [] and db.exec(select(PetitionJob)).all() == []


def test_a_petition_comes_with_its_consent_and_its_job(db: Session):
    petition = submit(db, create_citizen(db))
    db.commit()
    consent = db.exec(select(Consent)).one()
    assert consent.petition_id == petition.id and "address" in consent.fields
    assert db.exec(select(PetitionJob)).one().petition_id == petition.id


def test_same_key_returns_the_same_petition_and_a_different_service_conflicts(db: Session):
    citizen = create_citizen(db)
    first = submit(db, citizen)
    db.commit()
    assert submit(db, citizen).id == first.id
    other_service = get_catalogue().get(SERVICE).model_copy(update={"code": "dopa.other"})
    with pytest.raises(IdempotencyConflictError):
        submit(db, citizen, service=other_service)


def test_missing_consent_writes_nothing(db: Session):
    citizen = create_citizen(db)
    with pytest.raises(ConsentRequiredError):
        submit(db, citizen, consented_datasets=[])
    db.commit()
    assert db.exec(select(Petition)).all() == []


def test_two_concurrent_submissions_with_one_key_file_one_petition(db: Session, clean_engine):
    import threading

    citizen_id = create_citizen(db).id
    barrier = threading.Barrier(2)
    ids: list[str] = []

    def submit_in_own_session() -> None:
        with Session(clean_engine, expire_on_commit=False) as session:
            citizen = session.get(Citizen, citizen_id)
            barrier.wait()
            petition = submit(session, citizen, idempotency_key="race")
            session.commit()
            ids.append(petition.id)

    threads = [threading.Thread(target=submit_in_own_session) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(ids) == 2 and ids[0] == ids[1]
    assert len(db.exec(select(Petition)).all()) == 1
    assert len(db.exec(select(PetitionJob)).all()) == 1
