"""Timeouts, one quick retry for refused connections, and a circuit breaker per registry."""

from __future__ import annotations

import httpx
import pytest
from sqlmodel import Session

from services.exchange.circuit import CircuitBreakers
from services.exchange.errors import RegistryUnavailableError
from tests.services.exchange.test_client import request_for
from tests.services.petitions.factories import (
    create_citizen,
    population_answer,
    registry_answering,
)


class Registry:
    """A mock registry that fails until told to recover, counting the requests it sees."""

    def __init__(self, people, failure: Exception | int = 503) -> None:  # type: ignore[no-untyped-def]
        self.calls: list[httpx.Request] = []
        self.failure = failure
        self.healthy = False
        self.answer = population_answer(people[0])

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.calls.append(request)
        if self.healthy:
            return self.answer(request)
        if isinstance(self.failure, Exception):
            raise self.failure
        return httpx.Response(self.failure, json={"error": "down"})


@pytest.fixture
def clock() -> list[float]:
    return [1000.0]


def exchange_for(registry: Registry, clock: list[float], **options):  # type: ignore[no-untyped-def]
    breakers = CircuitBreakers(clock=lambda: clock[0])
    return registry_answering(registry, breakers=breakers, **options)


class TestCircuitBreaker:
    def test_opens_after_five_failures_and_then_fails_fast_without_http(
        self, db: Session, people, clock
    ):
        citizen = create_citizen(db, people[0])
        registry = Registry(people)
        exchange = exchange_for(registry, clock)
        for _ in range(5):
            with pytest.raises(RegistryUnavailableError, match="HTTP 503"):
                exchange.fetch(db, request_for(citizen))
        with pytest.raises(RegistryUnavailableError, match="circuit open"):
            exchange.fetch(db, request_for(citizen))
        assert len(registry.calls) == 5

    @pytest.mark.parametrize(
        "failure", [408, 429, 500, httpx.ReadTimeout("slow"), httpx.ConnectError("refused")]
    )
    def test_counts_every_kind_of_transient_failure(self, db: Session, people, clock, failure):
        citizen = create_citizen(db, people[0])
        exchange = exchange_for(Registry(people, failure), clock)
        for _ in range(5):
            with pytest.raises(RegistryUnavailableError):
                exchange.fetch(db, request_for(citizen))
        assert exchange.breakers.is_open("dopa")

    def test_half_opens_after_the_cooldown_and_closes_on_success(self, db: Session, people, clock):
        citizen = create_citizen(db, people[0])
        registry = Registry(people)
        exchange = exchange_for(registry, clock)
        for _ in range(5):
            with pytest.raises(RegistryUnavailableError):
                exchange.fetch(db, request_for(citizen))
        clock[0] += 29
        with pytest.raises(RegistryUnavailableError, match="circuit open"):
            exchange.fetch(db, request_for(citizen))
        clock[0] += 1
        registry.healthy = True
        assert exchange.fetch(db, request_for(citizen))  # the trial call
        assert not exchange.breakers.is_open("dopa")
        exchange.fetch(db, request_for(citizen))
        assert len(registry.calls) == 7

    def test_a_failed_trial_reopens_at_once(self, db: Session, people, clock):
        citizen = create_citizen(db, people[0])
        registry = Registry(people)
        exchange = exchange_for(registry, clock)
        for _ in range(5):
            with pytest.raises(RegistryUnavailableError):
                exchange.fetch(db, request_for(citizen))
        clock[0] += 30
        with pytest.raises(RegistryUnavailableError, match="HTTP 503"):
            exchange.fetch(db, request_for(citizen))
        with pytest.raises(RegistryUnavailableError, match="circuit open"):
            exchange.fetch(db, request_for(citizen))
        assert len(registry.calls) == 6

    def test_only_one_trial_goes_out_while_half_open(self, clock):
        breakers = CircuitBreakers(clock=lambda: clock[0])
        for _ in range(5):
            breakers.record_failure("dopa")
        clock[0] += 30
        assert breakers.allow("dopa") is True
        assert breakers.allow("dopa") is False
        breakers.record_success("dopa")
        assert breakers.allow("dopa") is True

    def test_a_success_resets_the_count(self, db: Session, people, clock):
        citizen = create_citizen(db, people[0])
        registry = Registry(people)
        exchange = exchange_for(registry, clock)
        for _ in range(4):
            with pytest.raises(RegistryUnavailableError):
                exchange.fetch(db, request_for(citizen))
        registry.healthy = True
        exchange.fetch(db, request_for(citizen))
        registry.healthy = False
        for _ in range(4):
            with pytest.raises(RegistryUnavailableError, match="HTTP 503"):
                exchange.fetch(db, request_for(citizen))


class TestRetryAndTimeout:
    def test_a_refused_connection_is_retried_once_after_a_short_pause(
        self, db: Session, people, clock
    ):
        citizen = create_citizen(db, people[0])
        registry = Registry(people, httpx.ConnectError("refused"))
        pauses: list[float] = []

        def sleep(seconds: float) -> None:
            pauses.append(seconds)
            registry.healthy = True  # the registry came back while we waited

        exchange = exchange_for(registry, clock, sleep=sleep)
        assert exchange.fetch(db, request_for(citizen))
        assert len(registry.calls) == 2
        assert 0 < pauses[0] <= 0.2
        assert (
            registry.calls[0].headers["X-Request-Id"] == registry.calls[1].headers["X-Request-Id"]
        )

    def test_a_timeout_is_not_retried_here(self, db: Session, people, clock):
        citizen = create_citizen(db, people[0])
        registry = Registry(people, httpx.ReadTimeout("slow"))
        with pytest.raises(RegistryUnavailableError, match="ReadTimeout"):
            exchange_for(registry, clock).fetch(db, request_for(citizen))
        assert len(registry.calls) == 1

    def test_a_registry_timeout_overrides_the_default(self, db: Session, people, clock):
        citizen = create_citizen(db, people[0])
        registry = Registry(people)
        registry.healthy = True
        exchange = exchange_for(registry, clock, timeout_seconds=5.0, timeouts={"dopa": 1.5})
        exchange.fetch(db, request_for(citizen))
        assert registry.calls[0].extensions["timeout"]["read"] == 1.5
