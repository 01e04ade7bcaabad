"""DOPA's reference registry: the civil register behind the generic registry interface.

docs/agencies/dopa.md shows how to run it alone with uvicorn.
"""

from __future__ import annotations

from collections.abc import Sequence

from services.dopa.contract import BIRTH_RECORD, FAMILY, MARITAL_STATUS, NAME_HISTORY, POPULATION
from services.dopa.people import Person, person_to_record
from services.dopa.records import (
    birth_record,
    family_record,
    index_children,
    marital_status_record,
    name_history_record,
)
from services.exchange.registry import ReceivedQuery, RegistryDataset

__all__ = ["ReceivedQuery", "registry_datasets"]


def registry_datasets(people: Sequence[Person]) -> tuple[RegistryDataset, ...]:
    """DOPA's datasets over `people`. Raises ValueError for two people with one citizen ID, as
    a real register would never hold them."""
    by_id: dict[str, Person] = {}
    for person in people:
        if person.national_id in by_id:
            raise ValueError(f"duplicate citizen ID {person.national_id}")
        by_id[person.national_id] = person

    children = index_children(by_id.values())

    def population(subject: str) -> dict[str, object] | None:
        person = by_id.get(subject)
        return person_to_record(person) if person else None

    def family(subject: str) -> dict[str, object] | None:
        return family_record(children.get(subject, ())) if subject in by_id else None

    def birth(subject: str) -> dict[str, object] | None:
        person = by_id.get(subject)
        return birth_record(person, by_id) if person else None

    def marital(subject: str) -> dict[str, object] | None:
        person = by_id.get(subject)
        return marital_status_record(person, by_id) if person else None

    def names(subject: str) -> dict[str, object] | None:
        person = by_id.get(subject)
        return name_history_record(person) if person else None

    size = len(by_id)
    return (
        RegistryDataset(POPULATION, population, size=size),
        RegistryDataset(FAMILY, family, size=size),
        RegistryDataset(BIRTH_RECORD, birth, size=size),
        RegistryDataset(MARITAL_STATUS, marital, size=size),
        RegistryDataset(NAME_HISTORY, names, size=size),
    )
