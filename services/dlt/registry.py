"""DLT's reference registry: the vehicle and driving-licence registers behind the generic
registry interface (`services.exchange.registry`), over DOPA's synthetic people."""

from __future__ import annotations

from collections.abc import Sequence

from services.dlt.contract import DRIVING_LICENCE, VEHICLES
from services.dlt.records import licence_record, vehicle_record
from services.dopa.people import Person
from services.exchange.registry import ReceivedQuery, RegistryDataset

__all__ = ["ReceivedQuery", "registry_datasets"]


def registry_datasets(people: Sequence[Person]) -> tuple[RegistryDataset, ...]:
    """DLT's datasets over `people`: records are built once, at startup, for those who own a
    vehicle or hold a licence. Raises ValueError for two people with one citizen ID."""
    vehicles: dict[str, dict[str, object]] = {}
    licences: dict[str, dict[str, object]] = {}
    seen: set[str] = set()
    for person in people:
        if person.national_id in seen:
            raise ValueError(f"duplicate citizen ID {person.national_id}")
        seen.add(person.national_id)
        if (record := vehicle_record(person)) is not None:
            vehicles[person.national_id] = record
        if (record := licence_record(person)) is not None:
            licences[person.national_id] = record
    return (
        RegistryDataset(VEHICLES, vehicles.get, size=len(vehicles)),
        RegistryDataset(DRIVING_LICENCE, licences.get, size=len(licences)),
    )
