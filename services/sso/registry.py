"""SSO's reference registry: the register of insured persons behind the generic registry
interface (`services.exchange.registry`), over DOPA's synthetic people."""

from __future__ import annotations

from collections.abc import Sequence

from services.dopa.people import Person
from services.exchange.registry import ReceivedQuery, RegistryDataset
from services.sso.contract import INSURED
from services.sso.records import insured_record

__all__ = ["ReceivedQuery", "registry_datasets"]


def registry_datasets(people: Sequence[Person]) -> tuple[RegistryDataset, ...]:
    """SSO's dataset over `people`, built once at startup for the insured among them. Raises
    ValueError for two people with one citizen ID."""
    insured: dict[str, dict[str, object]] = {}
    seen: set[str] = set()
    for person in people:
        if person.national_id in seen:
            raise ValueError(f"duplicate citizen ID {person.national_id}")
        seen.add(person.national_id)
        if (record := insured_record(person)) is not None:
            insured[person.national_id] = record
    return (RegistryDataset(INSURED, insured.get, size=len(insured)),)
