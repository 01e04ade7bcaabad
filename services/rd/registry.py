"""The Revenue Department's reference registry: the taxpayer register behind the generic
registry interface."""

from __future__ import annotations

from collections.abc import Sequence

from fastapi import FastAPI

from services.dopa.people import Person
from services.exchange.registry import RegistryDataset
from services.exchange.registry import create_registry_app as _create_app
from services.rd.contract import TAXPAYER
from services.rd.records import synthetic_taxpayers, taxpayer_to_record

__all__ = ["create_registry_app", "registry_datasets"]


def registry_datasets(people: Sequence[Person]) -> tuple[RegistryDataset, ...]:
    """RD's datasets over the taxpayers among `people`."""
    records = {k: taxpayer_to_record(v) for k, v in synthetic_taxpayers(list(people)).items()}
    return (RegistryDataset(TAXPAYER, records.get, size=len(records)),)


def create_registry_app(*, people: Sequence[Person], api_key: str) -> FastAPI:
    """The RD registry app over `people`, answering callers that present `api_key`."""
    return _create_app(
        agency="rd",
        title="RD reference registry",
        datasets=registry_datasets(people),
        api_key=api_key,
    )
