"""NHSO's reference registry: the health-coverage register behind the generic registry
interface (`services.exchange.registry`), over DOPA's synthetic people."""

from __future__ import annotations

from collections.abc import Sequence

from services.dopa.people import Person
from services.exchange.registry import ReceivedQuery, RegistryDataset
from services.nhso.contract import COVERAGE
from services.nhso.records import coverage_record

__all__ = ["ReceivedQuery", "registry_datasets"]


def registry_datasets(people: Sequence[Person]) -> tuple[RegistryDataset, ...]:
    """NHSO's dataset over `people`, built once at startup. Raises ValueError for two people
    with one citizen ID."""
    coverage: dict[str, dict[str, object]] = {}
    for person in people:
        if person.national_id in coverage:
            raise ValueError(f"duplicate citizen ID {person.national_id}")
        if (record := coverage_record(person)) is not None:
            coverage[person.national_id] = record
    return (RegistryDataset(COVERAGE, coverage.get, size=len(coverage)),)
