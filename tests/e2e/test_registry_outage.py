"""A registry that stops mid-way: petitions wait, nothing is lost, nothing is done twice.

Fifty land-title abstracts are filed; the Department of Lands' registry (a live server on its
own port) stops after twenty; the rest wait in `evidence_pending` with their jobs backed off and
the circuit open; when the registry is back and the circuit half-opens, all fifty are issued,
each exactly once, each fetched exactly once.
"""

from __future__ import annotations

from collections import Counter

import pytest
from sqlalchemy import update
from sqlmodel import Session, select

from documents.models import Document
from portal.db import utcnow
from services.catalogue.service import get_catalogue
from services.exchange.circuit import CircuitBreakers
from services.petitions.models import JobState, Petition, PetitionJob, PetitionState
from services.petitions.service import submit_petition
from services.petitions.worker import run_next_job, run_until_idle
from tests.fixtures.servers import start_live_server
from tests.services.petitions.factories import create_citizen

pytestmark = pytest.mark.e2e

PETITIONS = 50
DEEDS = ("10-12345", "50-45678")


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_land_registry_stops_midway_and_every_petition_finishes_once(
    app, client, engine, live_servers, ports, people
):
    """`client` runs the app's lifespan, so its HTTP connections are closed at the end."""
    ctx = app.state.processing
    clock = FakeClock()
    ctx.exchange.breakers = CircuitBreakers(clock=clock)
    service = get_catalogue().get("dol.land-title-abstract")
    with Session(engine) as db:
        citizen = create_citizen(db, people[0])
        ids = [
            submit_petition(
                db,
                citizen=citizen,
                service=service,
                consented_datasets=[],
                answers={"title_deed": DEEDS[i % 2]},
                channel="web",
                idempotency_key=f"outage-{i}",
            ).id
            for i in range(PETITIONS)
        ]
        db.commit()

    registry = live_servers["dol-registry"]
    received = registry.server.config.app.state.received
    before = len(received)
    for _ in range(20):
        assert run_next_job(engine, ctx)
    registry.stop()
    try:
        run_until_idle(engine, ctx)
        with Session(engine) as db:
            states = Counter(db.get(Petition, i).state for i in ids)
            assert states[PetitionState.ISSUED] == 20
            assert states[PetitionState.EVIDENCE_PENDING] == PETITIONS - 20
            pending = db.exec(select(PetitionJob).where(PetitionJob.state == JobState.PENDING))
            assert all(job.run_after > utcnow() for job in pending)  # backed off, not spinning
        assert ctx.exchange.breakers.is_open("dol")
    finally:
        restarted = start_live_server(registry.server.config.app, ports.registries["dol"])
        live_servers["dol-registry"] = restarted

    # The registry is back; jobs come due and the circuit's cooldown passes.
    with Session(engine) as db:
        db.exec(update(PetitionJob).values(run_after=utcnow()))  # type: ignore[call-overload]
        db.commit()
    clock.now += ctx.exchange.breakers.cooldown_seconds + 1
    run_until_idle(engine, ctx)

    with Session(engine) as db:
        assert all(db.get(Petition, i).state == PetitionState.ISSUED for i in ids)
        documents = db.exec(select(Document).where(Document.petition_id.in_(ids))).all()  # type: ignore[attr-defined]
        assert len(documents) == PETITIONS
        assert len({d.petition_id for d in documents}) == PETITIONS
    answered = Counter(q.petition_id for q in received[before:] if q.status_code == 200)
    assert set(answered) == set(ids) and set(answered.values()) == {1}
