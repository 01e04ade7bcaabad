"""A registry that answers slowly or with garbage: the circuit opens, petitions wait, recover.

The DOPA registry is served on its own port behind a switch the test controls: healthy; slow
(it answers 2 s late, the portal waits 0.3 s); garbage (a proxy's HTML page with 200); or
truncated (the registry's real, signed answer cut in half). Six petitions are processed by
the worker code over real sockets: five requests reach the registry and fail, the circuit
opens, the sixth fails fast without a request; every petition waits in `evidence_pending`
with its job backed off and the reason recorded. When the registry is healthy again and the
circuit's cooldown has passed, all six are issued, each read exactly once.
(A registry that stops altogether is tests/e2e/test_registry_outage.py.)
"""

from __future__ import annotations

import asyncio
from collections import Counter
from typing import Any

import pytest
from sqlalchemy import update
from sqlmodel import Session, select

from documents.models import Document
from portal.db import utcnow
from services.exchange.circuit import CircuitBreakers
from services.exchange.models import DataAccess
from services.petitions.models import JobState, Petition, PetitionJob, PetitionState
from services.petitions.worker import run_until_idle
from tests.fixtures.servers import free_port, start_live_server
from tests.services.petitions.factories import create_citizen, create_petition

pytestmark = pytest.mark.e2e

PETITIONS = 6
PORTAL_TIMEOUT_SECONDS = 0.3
SLOW_SECONDS = 2.0
MAINTENANCE_PAGE = b"<html><body><h1>Service temporarily unavailable</h1></body></html>"


class SwitchableRegistry:
    """An ASGI wrapper around a registry app: `mode` decides how dataset requests are met."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.mode = "healthy"
        self.arrived = 0

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":  # the wrapped app's lifespan runs in its own server
            while (await receive())["type"] != "lifespan.shutdown":
                await send({"type": "lifespan.startup.complete"})
            await send({"type": "lifespan.shutdown.complete"})
            return
        if not scope["path"].startswith("/v1/datasets/"):
            await self.app(scope, receive, send)
            return
        self.arrived += 1
        if self.mode == "slow":
            # Read the request first: the portal will have hung up when the answer is ready.
            receive = await _buffered(receive)
            await asyncio.sleep(SLOW_SECONDS)
        elif self.mode == "garbage":
            await send(
                {
                    "type": "http.response.start",
                    "status": 200,
                    "headers": [(b"content-type", b"text/html")],
                }
            )
            await send({"type": "http.response.body", "body": MAINTENANCE_PAGE})
            return
        elif self.mode == "truncated":
            await self.app(scope, receive, _cut_in_half(send))
            return
        await self.app(scope, receive, send)


async def _buffered(receive: Any) -> Any:
    """Reads the whole request body now and replays it to the app later."""
    body = bytearray()
    while True:
        message = await receive()
        body.extend(message.get("body", b""))
        if not message.get("more_body"):
            break
    replayed = False

    async def replay() -> dict[str, Any]:
        nonlocal replayed
        if not replayed:
            replayed = True
            return {"type": "http.request", "body": bytes(body), "more_body": False}
        return await receive()  # then the disconnect, whenever the app asks

    return replay


def _cut_in_half(send: Any) -> Any:
    """Forwards an answer with its body cut in half (headers, signature included, intact)."""
    start: dict[str, Any] = {}
    body = bytearray()

    async def cut(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            start.update(message)
            return
        body.extend(message.get("body", b""))
        if message.get("more_body"):
            return
        half = bytes(body[: len(body) // 2])
        headers = [(k, v) for k, v in start["headers"] if k.lower() != b"content-length"]
        headers.append((b"content-length", str(len(half)).encode()))
        await send({**start, "headers": headers})
        await send({"type": "http.response.body", "body": half})

    return cut


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.mark.parametrize("fault", ["slow", "garbage", "truncated"])
def test_a_misbehaving_registry_opens_the_circuit_and_petitions_wait_then_recover(
    fault, app, client, engine, live_servers, people
):
    """`client` runs the app's lifespan, so its HTTP connections are closed at the end."""
    registry = SwitchableRegistry(live_servers["dopa-registry"].server.config.app)
    server = start_live_server(registry, free_port())
    ctx = app.state.processing
    clock = FakeClock()
    ctx.exchange.breakers = CircuitBreakers(clock=clock)
    ctx.exchange.registry_urls = {**ctx.exchange.registry_urls, "dopa": server.url}
    ctx.exchange.timeouts = {"dopa": PORTAL_TIMEOUT_SECONDS}
    try:
        with Session(engine) as db:
            citizen = create_citizen(db, people[0])
            ids = [
                create_petition(db, citizen, idempotency_key=f"{fault}-{i}").id
                for i in range(PETITIONS)
            ]

        registry.mode = fault
        run_until_idle(engine, ctx)
        threshold = ctx.exchange.breakers.failure_threshold
        assert registry.arrived == threshold  # then the circuit opened: no more requests
        assert ctx.exchange.breakers.is_open("dopa")
        with Session(engine) as db:
            assert {db.get(Petition, i).state for i in ids} == {PetitionState.EVIDENCE_PENDING}
            jobs = db.exec(select(PetitionJob).where(PetitionJob.petition_id.in_(ids))).all()  # type: ignore[attr-defined]
            assert {job.state for job in jobs} == {JobState.PENDING}
            assert all(job.run_after > utcnow() for job in jobs)  # retry scheduled, not spinning
            reasons = Counter(job.last_error.split(": ", 1)[-1] for job in jobs)
            assert reasons["circuit open"] == PETITIONS - threshold, reasons
            assert db.exec(select(DataAccess)).all() == []  # nothing was read from it

        registry.mode = "healthy"
        # The usual timeout again: on a busy machine a healthy answer may take over 0.3 s.
        ctx.exchange.timeouts = {}
        with Session(engine) as db:
            db.exec(update(PetitionJob).values(run_after=utcnow()))  # type: ignore[call-overload]
            db.commit()
        clock.now += ctx.exchange.breakers.cooldown_seconds + 1
        run_until_idle(engine, ctx)
        assert not ctx.exchange.breakers.is_open("dopa")
    finally:
        server.stop()

    with Session(engine) as db:
        assert {db.get(Petition, i).state for i in ids} == {PetitionState.ISSUED}
        documents = db.exec(select(Document).where(Document.petition_id.in_(ids))).all()  # type: ignore[attr-defined]
        assert len(documents) == PETITIONS
        reads = Counter(r.petition_id for r in db.exec(select(DataAccess)).all())
        assert reads == dict.fromkeys(ids, 1)
