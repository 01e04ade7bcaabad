"""The BMA reference registry: empty, as the city keeps no register the portal asks about.

`registry_datasets` still exists so that every agency module has the same shape; the generic
registry accepts an empty dataset list (it answers /healthz and refuses every dataset as
unknown), so `create_registry_app` works too, though nothing needs to run it.
"""

from __future__ import annotations

from collections.abc import Sequence

from fastapi import FastAPI

from services.dopa.people import Person
from services.exchange.registry import RegistryDataset
from services.exchange.registry import create_registry_app as _create_app

__all__ = ["create_registry_app", "registry_datasets"]


def registry_datasets(people: Sequence[Person]) -> tuple[RegistryDataset, ...]:
    """No datasets, whatever the population."""
    return ()


def create_registry_app(*, people: Sequence[Person], api_key: str) -> FastAPI:
    """An empty BMA registry app, answering callers that present `api_key`."""
    return _create_app(
        agency="bma",
        title="Bangkok Metropolitan Administration reference registry",
        datasets=registry_datasets(people),
        api_key=api_key,
    )
