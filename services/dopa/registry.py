"""DOPA's reference registry: the civil register behind the generic registry interface.

docs/agencies/dopa.md shows how to run it alone with uvicorn.
"""

from __future__ import annotations

from collections.abc import Sequence

from fastapi import FastAPI

from services.dopa.contract import POPULATION
from services.dopa.people import Person, person_to_record
from services.exchange.registry import ReceivedQuery, RegistryDataset
from services.exchange.registry import create_registry_app as _create_app

__all__ = ["ReceivedQuery", "create_registry_app", "registry_datasets"]


def registry_datasets(people: Sequence[Person]) -> tuple[RegistryDataset, ...]:
    """DOPA's datasets over `people`. Raises ValueError for two people with one citizen ID, as
    a real register would never hold them."""
    by_id: dict[str, Person] = {}
    for person in people:
        if person.national_id in by_id:
            raise ValueError(f"duplicate citizen ID {person.national_id}")
        by_id[person.national_id] = person

    def population(subject: str) -> dict[str, object] | None:
        person = by_id.get(subject)
        return person_to_record(person) if person else None

    return (RegistryDataset(POPULATION, population, size=len(by_id)),)


def create_registry_app(*, people: Sequence[Person], api_key: str) -> FastAPI:
    """The DOPA registry app holding `people`, answering callers that present `api_key`."""
    return _create_app(
        agency="dopa",
        title="DOPA reference registry",
        datasets=registry_datasets(people),
        api_key=api_key,
    )
