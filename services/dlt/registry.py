"""DLT's reference registry: the vehicle and driving-licence registers behind the generic
registry interface (`services.exchange.registry`), over DOPA's synthetic people."""

from __future__ import annotations

from collections.abc import Sequence

from fastapi import FastAPI

from services.dlt.contract import DRIVING_LICENCE, VEHICLES
from services.dlt.records import licence_record, vehicle_record
from services.dopa.people import Person
from services.exchange.registry import ReceivedQuery, RegistryDataset
from services.exchange.registry import create_registry_app as _create_app

__all__ = ["ReceivedQuery", "create_registry_app", "registry_datasets"]


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


def create_registry_app(*, people: Sequence[Person], api_key: str) -> FastAPI:
    """The DLT registry app over `people`, answering callers that present `api_key`."""
    return _create_app(
        agency="dlt",
        title="DLT reference registry",
        datasets=registry_datasets(people),
        api_key=api_key,
    )
